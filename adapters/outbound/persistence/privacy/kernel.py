"""The shared kernel's part: the audit trail keeps every event about the person but no longer
where their own requests came from; the outbox and the webhook inbox keep their rows (a
delivery must stay recognisable as a duplicate) with the person's address and name rewritten;
the answers stored for their idempotency keys are deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from adapters.outbound.persistence.privacy.rows import SqlSection, mentions, records, scrub
from adapters.outbound.persistence.shared import audit_log, idempotency_keys, outbox, webhook_events
from application.shared.privacy import Person
from domain.shared.events import Event


class KernelPersonalData(SqlSection):
    name = "audit"
    tables = ("audit_log", "outbox", "webhook_events", "idempotency_keys")

    def export(self, person: Person) -> dict[str, Any]:
        c = audit_log.c
        found = records(self.session, select(
            c.occurred_at, c.action, c.object_type, c.object_id, c.actor_id, c.actor_role,
            c.client_ip, c.user_agent, c.details).where(_about(person))
            .order_by(c.occurred_at, c.id))
        for record in found:  # where someone else acted from is theirs, not the person's
            if record["actor_id"] != person.user_id:
                record["client_ip"] = record["user_agent"] = None
        return {"records": found}

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        c = audit_log.c
        # Their own requests (and those that named their account without a signed-in actor,
        # a failed sign-in on their address) no longer say from where.
        own = or_(c.actor_id == person.user_id, and_(
            c.actor_id.is_(None), c.object_type == "user", c.object_id == person.user_id))
        self.session.execute(update(audit_log).where(own).values(client_ip=None,
                                                                 user_agent=None))
        scrub(self.session, audit_log, _about(person), [c.details], person)
        for table in (outbox, webhook_events):
            scrub(self.session, table, mentions(table.c.payload, person),
                  [table.c.payload, table.c.last_error], person)
        self.session.execute(delete(idempotency_keys).where(
            idempotency_keys.c.scope == person.user_id))
        return ()


def _about(person: Person) -> Any:
    c = audit_log.c
    return or_(c.actor_id == person.user_id, c.object_id == person.user_id)
