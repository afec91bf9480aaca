"""The accounts area's wiring: password hashing, tokens, its unit of work, its emails, who
may subscribe to its real-time channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from injector import Binder, provider, singleton

from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.security.passwords import Argon2PasswordHasher
from adapters.outbound.security.tokens import JwtAccessTokens, JwtOneTimeTokens
from adapters.outbound.security.zxcvbn_strength import ZxcvbnPasswordStrength
from adapters.settings import Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.privacy import PrivacyModule, PrivacySettings
from application.accounts.config import AccountPolicy
from application.accounts.export_personal_data import BuildDataExport
from application.accounts.ports import (
    AccessTokens,
    AccountsUnitOfWork,
    OneTimeTokens,
    PasswordHasher,
    PasswordStrength,
)
from application.accounts.send_account_emails import (
    SendPasswordResetEmail,
    SendSignUpRepeatedEmail,
    SendVerificationEmail,
    SendWelcomeEmail,
)
from application.accounts.tell_export_ready import TellExportReady
from application.messaging.channels import ChannelRule
from application.shared.ports import Clock, Principal
from domain.accounts.events import (
    EmailVerificationRequested,
    PasswordResetRequested,
    SignUpRepeated,
    UserRegistered,
)
from domain.accounts.personal_data import DataExportReady, DataExportRequested
from domain.shared.roles import Role


def is_the_user(caller: Principal, user_id: str) -> bool:
    return caller.user_id == user_id


def is_platform_admin(caller: Principal, _id: str) -> bool:
    return caller.role == Role.PLATFORM_ADMIN


@dataclass(frozen=True)
class AccountsSettings:
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536

    @classmethod
    def read(cls, reader: SettingsReader) -> AccountsSettings:
        return cls(
            access_token_ttl_seconds=reader.integer("ACCESS_TOKEN_TTL_SECONDS", 900, 30),
            refresh_token_ttl_days=reader.integer("REFRESH_TOKEN_TTL_DAYS", 30, 1),
            password_hash_time_cost=reader.integer("PASSWORD_HASH_TIME_COST", 3, 1),
            password_hash_memory_kib=reader.integer("PASSWORD_HASH_MEMORY_KIB", 65536, 8),
        )


class AccountsModule(AreaModule):
    sections = (AccountsSettings, PrivacySettings)
    unit_of_work = (AccountsUnitOfWork, SqlAccountsUnitOfWork)
    handlers = {
        UserRegistered: (("welcome_email", SendWelcomeEmail),
                         ("verification_email", SendVerificationEmail)),
        EmailVerificationRequested: (("verification_email", SendVerificationEmail),),
        PasswordResetRequested: (("password_reset_email", SendPasswordResetEmail),),
        SignUpRepeated: (("sign_up_repeated_email", SendSignUpRepeatedEmail),),
        # A person's copy of their data (ADR 22): built, then its owner told.
        DataExportRequested: (("build_data_export", BuildDataExport),),
        DataExportReady: (("tell_export_ready", TellExportReady),),
    }
    # Each person's own channel (their notifications), and the platform admins' one.
    channel_rules = (ChannelRule("private-user.{id}", is_the_user),
                     ChannelRule("private-admin", is_platform_admin))

    def configure(self, binder: Binder) -> None:
        super().configure(binder)
        binder.install(PrivacyModule())  # the export and erasure of a person's data

    @singleton
    @provider
    def account_policy(self, settings: Settings) -> AccountPolicy:
        days = settings.section(AccountsSettings).refresh_token_ttl_days
        return AccountPolicy(refresh_token_ttl=timedelta(days=days))

    @singleton
    @provider
    def password_strength(self) -> PasswordStrength:
        return ZxcvbnPasswordStrength()

    @singleton
    @provider
    def password_hasher(self, settings: Settings) -> PasswordHasher:
        section = settings.section(AccountsSettings)
        return Argon2PasswordHasher(section.password_hash_time_cost,
                                    section.password_hash_memory_kib)

    @singleton
    @provider
    def access_tokens(self, settings: Settings, clock: Clock) -> AccessTokens:
        ttl = settings.section(AccountsSettings).access_token_ttl_seconds
        return JwtAccessTokens(settings.jwt_secret, ttl, clock)

    @singleton
    @provider
    def one_time_tokens(self, settings: Settings, clock: Clock) -> OneTimeTokens:
        return JwtOneTimeTokens(settings.jwt_secret, clock)
