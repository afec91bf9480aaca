from __future__ import annotations

from dataclasses import replace

from application.accounts.ports import AccessTokens, AccountsUnitOfWork
from application.shared.ports import Principal
from domain.shared.errors import AuthenticationFailed


class Authenticate:
    """Turns a bearer token into the caller, checked against the account as it is now: a role
    change, a password change or a removed account takes effect at once, not when the token
    expires."""

    def __init__(self, tokens: AccessTokens, uow: AccountsUnitOfWork) -> None:
        self.tokens, self.uow = tokens, uow

    def __call__(self, token: str) -> Principal:
        principal = self.tokens.read(token)
        with self.uow.reading():  # on every call with a token: it waits for no writer
            account = self.uow.users.standing(principal.user_id)
        if account is None or account.role.value != principal.role:
            raise AuthenticationFailed("your account changed since you signed in; sign in again")
        if account.predates_password(principal.issued_at):
            raise AuthenticationFailed("your password changed since you signed in; sign in "
                                       "again")
        return replace(principal, email_verified=account.email_verified_at is not None)
