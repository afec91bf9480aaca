"""The accounts area's wiring: password hashing, tokens, its unit of work, its emails."""

from __future__ import annotations

from datetime import timedelta

from injector import provider, singleton

from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.security.passwords import Argon2PasswordHasher
from adapters.outbound.security.tokens import JwtAccessTokens, JwtOneTimeTokens
from adapters.settings import Settings
from adapters.wiring.area import AreaModule
from application.accounts.config import AccountPolicy
from application.accounts.ports import (
    AccessTokens,
    AccountsUnitOfWork,
    OneTimeTokens,
    PasswordHasher,
)
from application.accounts.send_account_emails import (
    SendPasswordResetEmail,
    SendVerificationEmail,
    SendWelcomeEmail,
)
from application.shared.ports import Clock
from domain.accounts.events import (
    EmailVerificationRequested,
    PasswordResetRequested,
    UserRegistered,
)


class AccountsModule(AreaModule):
    unit_of_work = (AccountsUnitOfWork, SqlAccountsUnitOfWork)
    handlers = {
        UserRegistered: (("welcome_email", SendWelcomeEmail),
                         ("verification_email", SendVerificationEmail)),
        EmailVerificationRequested: (("verification_email", SendVerificationEmail),),
        PasswordResetRequested: (("password_reset_email", SendPasswordResetEmail),),
    }


    @singleton
    @provider
    def account_policy(self, settings: Settings) -> AccountPolicy:
        return AccountPolicy(refresh_token_ttl=timedelta(days=settings.refresh_token_ttl_days))

    @singleton
    @provider
    def password_hasher(self, settings: Settings) -> PasswordHasher:
        return Argon2PasswordHasher(settings.password_hash_time_cost,
                                    settings.password_hash_memory_kib)

    @singleton
    @provider
    def access_tokens(self, settings: Settings, clock: Clock) -> AccessTokens:
        return JwtAccessTokens(settings.jwt_secret, settings.access_token_ttl_seconds, clock)

    @singleton
    @provider
    def one_time_tokens(self, settings: Settings, clock: Clock) -> OneTimeTokens:
        return JwtOneTimeTokens(settings.jwt_secret, clock)
