"""Monthly invoices for institutions: what a period's lines are, and an invoice's life from
our own record to the provider's and its payment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from domain.institutions.events import InvoiceGenerated, InvoicePaid, InvoicePaymentFailed
from domain.institutions.model import Institution
from domain.shared.errors import InvalidValue
from domain.shared.model import Aggregate

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
GB = 10**9


class InvoiceStatus(StrEnum):
    RECORDED = "recorded"  # our record, before the provider has it: a rerun carries it on
    OPEN = "open"  # issued (finalised) at the provider, waiting for payment
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"


class LineKind(StrEnum):
    SEATS = "seats"  # the students the institution's portal last reported
    STORAGE = "storage"  # whole gigabytes (10^9 bytes) above the storage quota
    LIVE_MINUTES = "live_minutes"  # minutes of live classes its teachers held


@dataclass(frozen=True)
class InvoicePrices:
    """Integer minor units of ``currency``: per seat a month, per GB above the quota, per
    minute of live class."""

    currency: str = "USD"
    seat: int = 0
    storage_gb: int = 0
    live_minute: int = 0


@dataclass(frozen=True)
class InvoiceLine:
    kind: LineKind
    description: str
    quantity: int
    unit_amount: int  # minor units

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


def check_period(period: str, today: date) -> str:
    """A month already over (``YYYY-MM``): the current and future ones are not billed."""
    found = _PERIOD.match(period)
    if found is None:
        raise InvalidValue("a period is a month, YYYY-MM", "period")
    if (int(found.group(1)), int(found.group(2))) >= (today.year, today.month):
        raise InvalidValue(f"{period} is not over yet: only past months are invoiced",
                           "period")
    return period


def previous_period(today: date) -> str:
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


def period_span(period: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC, as ``zone`` counts months."""
    year, month = int(period[:4]), int(period[5:7])
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return (datetime(year, month, 1, tzinfo=zone).astimezone(UTC),
            datetime(*following, 1, tzinfo=zone).astimezone(UTC))


def period_lines(institution: Institution, prices: InvoicePrices, period: str,
                 live_minutes: int = 0) -> tuple[InvoiceLine, ...]:
    """What a period costs the institution; a line of nothing is left out."""
    over = max(0, institution.storage_in_use - institution.storage_quota_bytes)
    lines = (InvoiceLine(LineKind.SEATS, f"Seats, {period}: {institution.students} students",
                         institution.students, prices.seat),
             InvoiceLine(LineKind.STORAGE, f"Storage above the quota, {period} (GB)",
                         -(-over // GB), prices.storage_gb),
             InvoiceLine(LineKind.LIVE_MINUTES, f"Live classes, {period} (minutes)",
                         live_minutes, prices.live_minute))
    return tuple(line for line in lines if line.amount > 0)


@dataclass(eq=False)
class Invoice(Aggregate):
    id: str
    institution_id: str
    period: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    created_at: datetime
    status: InvoiceStatus = InvoiceStatus.RECORDED
    provider_invoice_id: str | None = None
    hosted_url: str | None = None
    issued_at: datetime | None = None
    paid_at: datetime | None = None
    # The payment, as the provider recorded it: minor units of ``currency``.
    paid_amount: int | None = None
    payment_method_type: str | None = None  # card, us_bank_account...
    payment_intent_id: str | None = None
    failed_attempts: tuple[str, ...] = ()
    version: int = field(default=1)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def issued(self, provider_invoice_id: str, hosted_url: str | None, now: datetime) -> None:
        if self.status != InvoiceStatus.RECORDED:
            return
        self.status, self.provider_invoice_id = InvoiceStatus.OPEN, provider_invoice_id
        self.hosted_url, self.issued_at = hosted_url, now
        self.version += 1
        self.events.append(InvoiceGenerated(self.id, self.institution_id))

    def paid(self, amount: int, method_type: str | None, payment_intent_id: str | None,
             now: datetime) -> None:
        """Paid: told once, however often the provider says so."""
        if self.status == InvoiceStatus.PAID:
            return
        self.status, self.paid_at, self.paid_amount = InvoiceStatus.PAID, now, amount
        self.payment_method_type, self.payment_intent_id = method_type, payment_intent_id
        self.version += 1
        self.events.append(InvoicePaid(self.id, self.institution_id))

    def payment_failed(self, attempt: str, now: datetime) -> bool:
        """A failed attempt (``attempt`` the provider's id of it) on an invoice not paid:
        told once per attempt; False when it changes nothing."""
        if self.status == InvoiceStatus.PAID or attempt in self.failed_attempts:
            return False
        self.status = InvoiceStatus.PAYMENT_FAILED
        self.failed_attempts = (*self.failed_attempts, attempt)
        self.version += 1
        self.events.append(InvoicePaymentFailed(self.id, self.institution_id, attempt))
        return True


def ladder_step(issued_at: datetime, days_until_due: int, ladder: tuple[int, ...],
                now: datetime) -> tuple[int, ...]:
    """The steps of the reminder ladder (days past the due date) reached by ``now``."""
    past_due = now - (issued_at + timedelta(days=days_until_due))
    return tuple(step for step in ladder if past_due >= timedelta(days=step))
