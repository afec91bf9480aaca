from __future__ import annotations

from dataclasses import dataclass

from application.accounts.ports import AccountsUnitOfWork
from application.accounts.sessions import hash_refresh_token
from application.shared.ports import Clock


@dataclass(frozen=True)
class LogOutCommand:
    user_id: str
    refresh_token: str


class LogOut:
    """Ends the session the refresh token belongs to. Unknown tokens are ignored."""

    def __init__(self, uow: AccountsUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: LogOutCommand) -> None:
        with self.uow:
            record = self.uow.refresh_tokens.get_by_hash(hash_refresh_token(cmd.refresh_token))
            if record is not None and record.user_id == cmd.user_id:
                self.uow.refresh_tokens.revoke_family(record.family_id, self.clock.now())
                self.uow.commit()
