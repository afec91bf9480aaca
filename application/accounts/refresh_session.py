from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.ports import AccessTokens, AccountsUnitOfWork
from application.accounts.sessions import SessionTokens, hash_refresh_token, start_refresh_family
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.shared.errors import AuthenticationFailed


@dataclass(frozen=True)
class RefreshSessionCommand:
    refresh_token: str


class RefreshSession:
    """Rotates a refresh token. Presenting a used one again revokes its whole family: it has
    been stolen or replayed, and neither copy should go on working."""

    def __init__(self, uow: AccountsUnitOfWork, tokens: AccessTokens, clock: Clock,
                 ids: IdGenerator,
                 policy: AccountPolicy, auditor: Auditor) -> None:
        self.uow, self.tokens, self.clock = uow, tokens, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor

    def __call__(self, cmd: RefreshSessionCommand) -> SessionTokens:
        now = self.clock.now()
        with self.uow:
            record = self.uow.refresh_tokens.get_by_hash(hash_refresh_token(cmd.refresh_token))
            if record is None or record.revoked_at is not None or record.expires_at <= now:
                raise AuthenticationFailed("the refresh token is not valid; log in again")
            if not self.uow.refresh_tokens.mark_used(record.id, now):
                self.uow.refresh_tokens.revoke_family(record.family_id, now)
                self.auditor.record(self.uow, record.user_id, "refresh_token.reused", "user",
                                    record.user_id)
                self.uow.commit()
                raise AuthenticationFailed("the refresh token was already used; log in again")
            user = self.uow.users.get(record.user_id)
            if user is None:
                raise AuthenticationFailed("the account no longer exists")
            token = start_refresh_family(self.uow, self.ids, self.clock, self.policy, user.id,
                                         record.family_id)
            self.uow.commit()
        access = self.tokens.issue(user.id, user.role.value)
        return SessionTokens(access.token, access.expires_in, token, user.id, user.role.value)
