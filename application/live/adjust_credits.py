from __future__ import annotations

from dataclasses import dataclass

from application.live.ports import LiveUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.credits import CreditBalance, CreditEntry, CreditEntryKind
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class AdjustCreditsCommand:
    actor: Principal
    user_id: str
    amount: Money  # signed: negative takes credits away
    reason: str
    idempotency_key: str  # the same correction sent twice counts once


@dataclass(frozen=True)
class AdjustedCredits:
    applied: bool  # False: a replay of an adjustment already made
    balance: CreditBalance


class AdjustCredits:
    """A platform admin corrects someone's credits, either way, with a reason; audited. It
    never takes more than is available (``InsufficientCredits``)."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: AdjustCreditsCommand) -> AdjustedCredits:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins adjust credits")
        with self.uow:
            if self.uow.people.contact(cmd.user_id) is None:
                raise NotFound(f"no user {cmd.user_id}")
            entry = CreditEntry(self.ids.new_id(), cmd.user_id, CreditEntryKind.ADJUSTMENT,
                                cmd.amount, f"adjustment:{cmd.idempotency_key}", cmd.reason,
                                self.clock.now(), reference=f"admin:{cmd.actor.user_id}")
            applied = self.uow.credits.post(entry)
            if applied:
                self.auditor.record(self.uow, cmd.actor.user_id, "credits.adjusted", "user",
                                    cmd.user_id, amount_minor=cmd.amount.amount_minor,
                                    currency=cmd.amount.currency, reason=cmd.reason)
            balance = next((b for b in self.uow.credits.balances(cmd.user_id)
                            if b.currency == cmd.amount.currency),
                           CreditBalance(cmd.user_id, cmd.amount.currency))
            self.uow.commit()
            return AdjustedCredits(applied, balance)
