"""Event handlers that tell account holders about their account, through messaging; each
notice goes under the outbox row's key."""

from __future__ import annotations

from typing import Any

from application.accounts.config import AccountPolicy
from application.accounts.ports import AccountsUnitOfWork, OneTimeTokens
from application.accounts.reset_password import RESET_PASSWORD
from application.accounts.verify_email import VERIFY_EMAIL
from application.messaging.published import Notice, Notifier, Recipient
from application.shared.config import Links
from domain.accounts.model import User
from domain.shared.events import Event


class _AccountNotice:
    kind = ""

    def __init__(self, uow: AccountsUnitOfWork, notifier: Notifier, tokens: OneTimeTokens,
                 links: Links, policy: AccountPolicy) -> None:
        self.uow, self.notifier, self.tokens = uow, notifier, tokens
        self.links, self.policy = links, policy

    def __call__(self, event: Event, idempotency_key: str) -> None:
        with self.uow:
            user = self.recipient(event)
        if user is None or not self.wanted(user):
            return
        self.notifier.notify(Notice(
            Recipient(user.id, user.email, user.full_name, user.locale.value), self.kind,
            idempotency_key, context=self.context(user)))

    def recipient(self, event: Event) -> User | None:
        return self.uow.users.get(str(event.payload()["user_id"]))

    def wanted(self, user: User) -> bool:
        return True

    def context(self, user: User) -> dict[str, Any]:
        raise NotImplementedError


class SendWelcomeEmail(_AccountNotice):
    kind = "welcome"

    def context(self, user: User) -> dict[str, Any]:
        return {"role": user.role.value, "link": self.links.to("login")}


class SendVerificationEmail(_AccountNotice):
    kind = "verify_email"

    def wanted(self, user: User) -> bool:
        return not user.is_email_verified

    def context(self, user: User) -> dict[str, Any]:
        ttl = self.policy.email_verification_ttl
        token = self.tokens.issue(VERIFY_EMAIL, user.id, ttl)
        return {"hours": int(ttl.total_seconds() // 3600),
                "link": self.links.to("verify-email", token=token)}


class SendPasswordResetEmail(_AccountNotice):
    """Asked for an address: nothing is sent when it has no account."""

    kind = "password_reset"

    def recipient(self, event: Event) -> User | None:
        return self.uow.users.get_by_email(str(event.payload()["email"]))

    def context(self, user: User) -> dict[str, Any]:
        ttl = self.policy.password_reset_ttl
        token = self.tokens.issue(RESET_PASSWORD, user.id, ttl)
        return {"minutes": int(ttl.total_seconds() // 60),
                "link": self.links.to("reset-password", token=token)}


class SendSignUpRepeatedEmail(_AccountNotice):
    """The owner of an address learns that someone signed up with it (the sign-up itself
    answered as any other does, so it tells nobody else that the account exists)."""

    kind = "sign_up_repeated"

    def context(self, user: User) -> dict[str, Any]:
        return {"link": self.links.to("login"), "reset": self.links.to("forgot-password")}
