from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock, IdGenerator
from domain.institutions.alerts import Alert, AlertSeverity, AlertSource
from domain.institutions.events import InvoiceOverdue
from domain.institutions.invoices import Invoice, ladder_step

BATCH = 500
SEND_FROM_HOUR = 9  # the seed's 09:00, in the billing time zone


class ChaseOverdueInvoices:
    """Runs on the cron: from 09:00 in the billing time zone, each unpaid invoice gets the
    reminder of the ladder's step it reached, each step once (steps a stopped cron missed
    are recorded, not sent all at once); after the last step the institution is flagged
    past due for the admins (an alert), and deactivated when the policy says so."""

    def __init__(self, uow: InstitutionsUnitOfWork, policy: InstitutionsPolicy, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.policy, self.clock, self.ids = uow, policy, clock, ids

    def __call__(self) -> int:
        now, ladder = self.clock.now(), self.policy.dunning_ladder
        if not ladder or now.astimezone(ZoneInfo(self.policy.invoice_time_zone)).hour < \
                SEND_FROM_HOUR:
            return 0
        first = now - timedelta(days=self.policy.invoice_days_until_due + ladder[0])
        sent, after = 0, ""
        while True:
            with self.uow.reading():
                invoices = self.uow.invoices.unpaid_issued_before(first, after, BATCH)
            if not invoices:
                return sent
            sent += sum(self._chase(invoice) for invoice in invoices)
            after = invoices[-1].id

    def _chase(self, invoice: Invoice) -> int:
        now = self.clock.now()
        reached = ladder_step(invoice.issued_at or now, self.policy.invoice_days_until_due,
                              self.policy.dunning_ladder, now)
        with self.uow:
            # Every step reached is recorded; only the highest, when new, is sent.
            newly = {step for step in reached if self.uow.reminders.take(invoice.id, step, now)}
            if not reached or reached[-1] not in newly:
                self.uow.commit()
                return 0
            self.uow.publish(InvoiceOverdue(invoice.id, invoice.institution_id, reached[-1]))
            if reached[-1] == self.policy.dunning_ladder[-1]:
                self._past_due(invoice)
            self.uow.commit()
        return 1

    def _past_due(self, invoice: Invoice) -> None:
        institution = self.uow.institutions.get(invoice.institution_id)
        if institution is None or not institution.flag_past_due(self.clock.now()):
            return
        self.uow.alerts.add(Alert.raise_(
            self.ids.new_id(), institution.id, "past_due", AlertSeverity.CRITICAL,
            f"The {invoice.period} invoice is unpaid past the last reminder",
            AlertSource.PLATFORM, f"past_due:{invoice.id}", self.clock.now()))
        if self.policy.suspend_past_due:
            institution.deactivate(None, self.clock.now())


CHASE_OVERDUE_INVOICES = Job("chase_overdue_invoices", ChaseOverdueInvoices,
                             every=timedelta(hours=1))
