from __future__ import annotations

from dataclasses import dataclass

from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal
from domain.live.credits import CreditBalance, CreditEntry


@dataclass(frozen=True)
class GetCreditsQuery:
    actor: Principal
    limit: int = 50


@dataclass(frozen=True)
class Credits:
    balances: tuple[CreditBalance, ...]
    entries: tuple[CreditEntry, ...]  # newest first


class GetCredits:
    """A person's credit balances and the ledger entries behind them."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetCreditsQuery) -> Credits:
        with self.uow:
            user_id = query.actor.user_id
            return Credits(tuple(self.uow.credits.balances(user_id)),
                           tuple(self.uow.credits.entries(user_id, query.limit)))
