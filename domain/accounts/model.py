"""Accounts: who may use the platform and as what."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.accounts.events import EmailVerified, PasswordChanged, RoleChanged, UserRegistered
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.locale import Locale
from domain.shared.model import Aggregate
from domain.shared.roles import Role

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


SELF_SERVICE_ROLES = frozenset({Role.STUDENT, Role.TEACHER, Role.COMPANY})

# What an erased account's strings become (ADR 22): a unique address no mail can reach
# (RFC 2606 reserves .invalid), a name that says what happened, and a hash no password matches.
ERASED_NAME = "Erased user"
UNUSABLE_PASSWORD_HASH = "!erased"  # noqa: S105 (not a hash of anything: nothing verifies)


def erased_email(user_id: str) -> str:
    return f"erased-{user_id}@erased.invalid"


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """A syntactically valid address, normalised to lower case so lookups are exact."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) > 254 or not _EMAIL.match(self.value):
            raise InvalidValue("not a valid email address")

    @classmethod
    def parse(cls, raw: str) -> EmailAddress:
        return cls(raw.strip().lower())

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Standing:
    """What every call with a token checks of its account: the role it holds now, whether
    its address is verified, and what kills the tokens issued before."""

    role: Role
    email_verified_at: datetime | None
    password_changed_at: datetime | None
    erased_at: datetime | None

    def predates_password(self, issued_at: datetime | None) -> bool:
        """Whether a token or link issued at ``issued_at`` (to the second, as tokens carry
        it) comes from before the last password change: then it is dead. Every token and
        link of an erased account is dead, whenever it was issued."""
        if self.erased_at is not None:
            return True
        if self.password_changed_at is None or issued_at is None:
            return False
        return issued_at < self.password_changed_at.replace(microsecond=0)


@dataclass(eq=False)
class User(Aggregate):
    id: str
    email: str
    full_name: str
    role: Role
    password_hash: str
    created_at: datetime
    email_verified_at: datetime | None = None
    password_changed_at: datetime | None = None
    locale: Locale = Locale.EN
    erased_at: datetime | None = None  # when the person's data was erased (ADR 22)

    @classmethod
    def register(
        cls,
        id: str,
        email: EmailAddress,
        full_name: str,
        role: Role,
        password_hash: str,
        now: datetime,
        self_service: bool = True,
        locale: Locale = Locale.EN,
    ) -> User:
        if self_service and role not in SELF_SERVICE_ROLES:
            raise PermissionDenied(f"the role {role.value} cannot be chosen at registration")
        name = full_name.strip()
        if not name:
            raise InvalidValue("a full name is required")
        user = cls(id, email.value, name, role, password_hash, now, locale=locale)
        user.events.append(UserRegistered(user_id=id, email=email.value, role=role.value))
        return user

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def verify_email(self, now: datetime) -> None:
        if self.email_verified_at is None:
            self.email_verified_at = now
            self.events.append(EmailVerified(user_id=self.id))

    def change_password(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.password_changed_at = now
        self.events.append(PasswordChanged(user_id=self.id))

    @property
    def standing(self) -> Standing:
        return Standing(self.role, self.email_verified_at, self.password_changed_at,
                        self.erased_at)

    def predates_password(self, issued_at: datetime | None) -> bool:
        return self.standing.predates_password(issued_at)

    def change_locale(self, locale: Locale) -> None:
        self.locale = locale

    def change_role(self, new_role: Role) -> None:
        if new_role == self.role:
            return
        old, self.role = self.role, new_role
        self.events.append(
            RoleChanged(user_id=self.id, old_role=old.value, new_role=new_role.value)
        )

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def erase(self, now: datetime) -> None:
        """Anonymises the account for good (GDPR Art. 17): the address becomes a unique one
        that reaches nobody, the name says "Erased user", no password matches any more, and
        every token and link issued before is dead. The id stays: what the law keeps
        (payments) stays attached to it, pseudonymous. Idempotent."""
        if self.erased_at is not None:
            return
        self.email, self.full_name = erased_email(self.id), ERASED_NAME
        self.password_hash, self.password_changed_at = UNUSABLE_PASSWORD_HASH, now
        self.email_verified_at, self.erased_at = None, now
