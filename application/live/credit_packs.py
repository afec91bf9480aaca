"""Credit packs bought through checkout, as the credits ledger sees them (outbox handlers):
a paid pack tops the student's credits up once; money that went back (a refund, a lost
dispute) takes its share of them back, once per step, never below zero (ADR 19).

The payments area tells of both in its events; they are read here by their payload alone,
since one area never imports another's domain (ADR 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.live.ports import LiveUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.live.credits import CreditEntry, CreditEntryKind, InsufficientCredits
from domain.shared.events import Event
from domain.shared.money import Money

# Takes of what is available that lose to a concurrent debit are tried again this often
# in the transaction, then left to the outbox's retry.
_ATTEMPTS = 5


@dataclass(frozen=True)
class _PackPayment:
    """The part of a payments event about a credit pack that the ledger needs."""

    payment_id: str
    student_id: str
    pack_id: str
    granted: Money

    @classmethod
    def of(cls, payload: dict[str, Any], granted_field: str) -> _PackPayment:
        return cls(str(payload["payment_id"]), str(payload["student_id"]),
                   str(payload["pack_id"]),
                   Money(int(payload[granted_field]), str(payload["currency"])))

    @property
    def reference(self) -> str:
        return f"payment:{self.payment_id}"


class _PackCredits:
    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def _entry(self, pack: _PackPayment, kind: CreditEntryKind, amount: Money, key: str,
               reason: str) -> CreditEntry:
        return CreditEntry(self.ids.new_id(), pack.student_id, kind, amount,
                           f"{pack.reference}:{key}", reason, self.clock.now(),
                           reference=pack.reference)

    def _top_up(self, pack: _PackPayment) -> bool:
        """The pack's credits, under the payment's key: whichever event comes first (a
        refund can be handled before the purchase) posts them, the other finds them."""
        return self.uow.credits.post(self._entry(
            pack, CreditEntryKind.TOP_UP, pack.granted, "top_up",
            f"credit pack {pack.pack_id} bought"))


class TopUpPackCredits(_PackCredits):
    """Handles ``CreditPackPurchased``: the student's credits grow by the pack's, once."""

    def __call__(self, event: Event, idempotency_key: str) -> None:
        pack = _PackPayment.of(event.payload(), "credits_minor")
        with self.uow:
            self._top_up(pack)
            self.uow.commit()


class TakeBackPackCredits(_PackCredits):
    """Handles ``CreditPackRefunded``: this step's credits go back, keyed by the running
    total it reaches. Credits the student spent (or holds for a consultation) meanwhile
    cannot be: what is available is taken, never more, and the shortfall is audited."""

    def __call__(self, event: Event, idempotency_key: str) -> None:
        payload = event.payload()
        pack = _PackPayment.of(payload, "granted_minor")
        wanted = Money(int(payload["credits_minor"]), pack.granted.currency)
        chargeback = bool(payload["chargeback"])
        why = "charged back (dispute lost)" if chargeback else "refunded"
        with self.uow:
            self._top_up(pack)
            taken = self._take(pack, wanted, f"refund:{int(payload['taken_back_minor'])}",
                               f"credit pack {pack.pack_id} {why}")
            if taken is not None and taken < wanted.amount_minor:
                self.auditor.record(
                    self.uow, None, "credits.refund_shortfall", "user", pack.student_id,
                    payment_id=pack.payment_id, pack_id=pack.pack_id,
                    currency=wanted.currency, wanted_minor=wanted.amount_minor,
                    taken_minor=taken, shortfall_minor=wanted.amount_minor - taken,
                    chargeback=chargeback)
            self.uow.commit()

    def _take(self, pack: _PackPayment, wanted: Money, key: str, reason: str) -> int | None:
        """Takes ``wanted``, or what is available when that is less; how much, or None for
        a step taken before (a replay). The whole amount is asked for first: the ledger
        answers a known key as a replay before it looks at the balance, so a replay is
        recognised even once the credits it took are gone."""
        amount = wanted.amount_minor
        for _ in range(_ATTEMPTS):
            if amount == 0:
                return 0
            try:
                posted = self.uow.credits.post(self._entry(
                    pack, CreditEntryKind.REFUND, Money(amount, wanted.currency), key, reason))
            except InsufficientCredits:
                # Spent (or held for a consultation): take what is available now.
                amount = min(wanted.amount_minor, next(
                    (b.available for b in self.uow.credits.balances(pack.student_id)
                     if b.currency == wanted.currency), 0))
                continue
            return amount if posted else None
        raise InsufficientCredits(f"the credits of payment {pack.payment_id} kept being spent "
                                  "while they were taken back; retrying later")
