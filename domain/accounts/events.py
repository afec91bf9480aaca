"""What happened to accounts."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class UserRegistered(Event):
    user_id: str
    email: str
    role: str


@dataclass(frozen=True)
class EmailVerificationRequested(Event):
    user_id: str


@dataclass(frozen=True)
class PasswordResetRequested(Event):
    """Asked for an address, which may have no account: who it is, if anyone, is looked up
    after the answer."""

    email: str


@dataclass(frozen=True)
class SignUpRepeated(Event):
    """Someone signed up with the address of an existing account."""

    user_id: str


@dataclass(frozen=True)
class EmailVerified(Event):
    user_id: str


@dataclass(frozen=True)
class PasswordChanged(Event):
    user_id: str


@dataclass(frozen=True)
class RoleChanged(Event):
    user_id: str
    old_role: str
    new_role: str
