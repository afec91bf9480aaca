"""Credits: what a student holds to pay for consultations, kept as an append-only ledger.

Every change is an entry with an idempotency key and a reason; the balance is what the
entries add up to. ``available`` is what may be spent or held; ``held`` is reserved by a
running consultation until it is captured (spent) or released. Amounts are integer minor
units of one currency; neither part of a balance ever goes below zero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.shared.errors import Conflict, InvalidValue
from domain.shared.money import Money

MAX_ENTRY_MINOR = 10**9  # ten million in a two-decimal currency: far past any real top-up


class CreditEntryKind(StrEnum):
    TOP_UP = "top_up"  # credits bought (a settled credit pack)
    HOLD = "hold"  # reserved for a consultation: available -> held
    CAPTURE = "capture"  # a consultation's cost, spent out of what was held
    RELEASE = "release"  # what a consultation did not spend: held -> available
    REFUND = "refund"  # credits taken back (the pack's payment refunded or lost in a dispute)
    ADJUSTMENT = "adjustment"  # a platform admin's correction, either way


class InsufficientCredits(Conflict):
    code = "insufficient_credits"


# How each kind moves the two parts of a balance, per unit of the entry's (positive) amount;
# an adjustment moves ``available`` by its signed amount.
_MOVES: dict[CreditEntryKind, tuple[int, int]] = {
    CreditEntryKind.TOP_UP: (1, 0),
    CreditEntryKind.HOLD: (-1, 1),
    CreditEntryKind.CAPTURE: (0, -1),
    CreditEntryKind.RELEASE: (1, -1),
    CreditEntryKind.REFUND: (-1, 0),
    CreditEntryKind.ADJUSTMENT: (1, 0),
}


@dataclass(frozen=True)
class CreditEntry:
    id: str
    user_id: str
    kind: CreditEntryKind
    amount: Money  # positive, except an adjustment, which may take credits away
    idempotency_key: str
    reason: str
    occurred_at: datetime
    reference: str | None = None  # what it belongs to: "consultation:<id>", "payment:<id>"

    def __post_init__(self) -> None:
        minor = self.amount.amount_minor
        if minor == 0 or abs(minor) > MAX_ENTRY_MINOR:
            raise InvalidValue(f"a credit entry moves 1 to {MAX_ENTRY_MINOR} minor units")
        if minor < 0 and self.kind is not CreditEntryKind.ADJUSTMENT:
            raise InvalidValue(f"a {self.kind.value} entry moves a positive amount")
        if not 1 <= len(self.idempotency_key) <= 200 or not self.reason.strip():
            raise InvalidValue("a credit entry needs an idempotency key and a reason")

    @property
    def available_delta(self) -> int:
        return _MOVES[self.kind][0] * self.amount.amount_minor

    @property
    def held_delta(self) -> int:
        return _MOVES[self.kind][1] * self.amount.amount_minor


@dataclass(frozen=True)
class CreditBalance:
    user_id: str
    currency: str
    available: int = 0
    held: int = 0

    def after(self, entry: CreditEntry) -> CreditBalance:
        """The balance once ``entry`` is applied; ``InsufficientCredits`` when either part
        would go below zero (the store's constraint enforces the same)."""
        available = self.available + entry.available_delta
        held = self.held + entry.held_delta
        if available < 0 or held < 0:
            raise InsufficientCredits(
                f"not enough credits: {Money(self.available, self.currency).to_decimal_string()}"
                f" {self.currency} available")
        return CreditBalance(self.user_id, self.currency, available, held)
