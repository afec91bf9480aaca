"""Event handlers that email account holders; each sends under the outbox row's key."""

from __future__ import annotations

from application.accounts.config import AccountPolicy
from application.accounts.ports import AccountsUnitOfWork, OneTimeTokens
from application.accounts.reset_password import RESET_PASSWORD
from application.accounts.verify_email import VERIFY_EMAIL
from application.messaging.ports import EmailMessage, Mailer
from application.shared.config import Links
from domain.accounts.model import User
from domain.shared.events import Event


class _AccountMail:
    def __init__(self, uow: AccountsUnitOfWork, mailer: Mailer, tokens: OneTimeTokens, links: Links,
                 policy: AccountPolicy) -> None:
        self.uow, self.mailer, self.tokens = uow, mailer, tokens
        self.links, self.policy = links, policy

    def _user(self, event: Event) -> User | None:
        with self.uow:
            return self.uow.users.get(str(event.payload()["user_id"]))


class SendWelcomeEmail(_AccountMail):
    def __call__(self, event: Event, idempotency_key: str) -> None:
        user = self._user(event)
        if user is None:
            return
        self.mailer.send(EmailMessage(
            to=user.email, subject="Welcome to eduport",
            text=f"Hello {user.full_name},\n\nyour {user.role.value} account is ready.\n"
                 f"Sign in at {self.links.to('login')}\n",
            tags=("welcome",)), idempotency_key)


class SendVerificationEmail(_AccountMail):
    def __call__(self, event: Event, idempotency_key: str) -> None:
        user = self._user(event)
        if user is None or user.is_email_verified:
            return
        token = self.tokens.issue(VERIFY_EMAIL, user.id, self.policy.email_verification_ttl)
        hours = int(self.policy.email_verification_ttl.total_seconds() // 3600)
        self.mailer.send(EmailMessage(
            to=user.email, subject="Confirm your email address",
            text=f"Hello {user.full_name},\n\nconfirm your email address by opening this link "
                 f"within {hours} hours:\n{self.links.to('verify-email', token=token)}\n",
            tags=("verify-email",)), idempotency_key)


class SendPasswordResetEmail(_AccountMail):
    def __call__(self, event: Event, idempotency_key: str) -> None:
        user = self._user(event)
        if user is None:
            return
        token = self.tokens.issue(RESET_PASSWORD, user.id, self.policy.password_reset_ttl)
        minutes = int(self.policy.password_reset_ttl.total_seconds() // 60)
        self.mailer.send(EmailMessage(
            to=user.email, subject="Reset your password",
            text=f"Hello {user.full_name},\n\nset a new password within {minutes} minutes:\n"
                 f"{self.links.to('reset-password', token=token)}\n\n"
                 "If you did not ask for this, ignore this message.\n",
            tags=("password-reset",)), idempotency_key)
