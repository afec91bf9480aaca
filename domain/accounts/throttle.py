"""Failed sign-ins on one address: a few are free, then each further one makes the next
attempt wait twice as long as the last, so guessing one account's password from many
addresses at once is as slow as from one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.shared.errors import DomainError

FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=15)
# Failures this long ago are forgotten: a person who mistyped last week starts afresh.
FORGET_AFTER = timedelta(hours=1)


def attempts_key(email: str) -> str:
    """The key of an address's failed sign-ins: its digest, the address itself never kept."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class TooManyAttempts(DomainError):
    """Sign-in attempts on this address must wait ``retry_after`` seconds (HTTP 429)."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginAttempts:
    """The failed sign-ins of one address (``key``: a digest of the address, which may have
    no account), the last at ``last_failed_at``; none may be tried before ``blocked_until``."""

    key: str
    failures: int = 0
    last_failed_at: datetime | None = None
    blocked_until: datetime | None = None

    def ensure_may_try(self, now: datetime) -> None:
        if self.blocked_until is not None and now < self.blocked_until:
            wait = self.blocked_until - now
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise TooManyAttempts(f"too many failed sign-ins; try again in {seconds} s",
                                  seconds)

    def after_failure(self, now: datetime) -> LoginAttempts:
        fresh = self.last_failed_at is None or now - self.last_failed_at >= FORGET_AFTER
        failures = 1 if fresh else self.failures + 1
        blocked = None
        if failures > FREE_FAILURES:
            wait = min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES - 1), LONGEST_WAIT)
            blocked = now + wait
        return replace(self, failures=failures, last_failed_at=now, blocked_until=blocked)
