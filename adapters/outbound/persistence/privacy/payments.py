"""The payments' part: orders, payments and refunds are kept as the law requires (amounts,
dates, the providers' references, the pseudonymous id); only the free text of a refund's
reason loses the person's address and name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from adapters.outbound.persistence.payments import order_lines, orders, payments, refunds
from adapters.outbound.persistence.privacy.rows import SqlSection, records, scrub
from application.shared.privacy import Person
from domain.shared.events import Event


class PaymentsPersonalData(SqlSection):
    name = "payments"
    tables = ("orders", "order_lines", "payments", "refunds", "checkout_holds")

    def export(self, person: Person) -> dict[str, Any]:
        o, line, p, r = orders.c, order_lines.c, payments.c, refunds.c
        found = records(self.session, select(o.id, o.currency, o.created_at)
                        .where(o.student_id == person.user_id).order_by(o.created_at, o.id))
        lines = records(self.session, select(
            line.order_id, line.kind, line.course_id, line.credit_pack_id, line.credits_minor,
            line.title, line.price_minor, line.price_currency)
            .join(orders, o.id == line.order_id).where(o.student_id == person.user_id)
            .order_by(line.id))
        for order in found:
            order["lines"] = [{k: v for k, v in item.items() if k != "order_id"}
                              for item in lines if item["order_id"] == order["id"]]
        return {
            "orders": found,
            "payments": records(self.session, select(
                p.id, p.order_id, p.provider, p.flow, p.amount_minor, p.amount_currency,
                p.status, p.provider_reference, p.provider_payment_id, p.refunded_minor,
                p.failure_reason, p.created_at, p.updated_at)
                .where(p.student_id == person.user_id).order_by(p.created_at, p.id)),
            "refunds": records(self.session, select(
                r.id, r.payment_id, r.amount_minor, r.currency, r.status, r.provider_reference,
                r.reason, r.created_at).join(payments, p.id == r.payment_id)
                .where(p.student_id == person.user_id).order_by(r.created_at, r.id)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        theirs = select(payments.c.id).where(payments.c.student_id == person.user_id)
        scrub(self.session, refunds, refunds.c.payment_id.in_(theirs), [refunds.c.reason],
              person)
        return ()
