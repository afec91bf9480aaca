"""Rules every area shares that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.shared.ports import Principal
from domain.shared.errors import PermissionDenied

# The waits before each retry: RQ's schedule before the relay took retries over, so the
# embedded default and Redis retry alike.
RETRY_BACKOFF = tuple(timedelta(seconds=s) for s in (10, 30, 120, 600, 1800))


@dataclass(frozen=True)
class LeasePolicy:
    """How the outbox and the webhook inbox lease their records, and retry failed ones."""

    # Younger unprocessed records are probably still on the fast path; the relay leaves them.
    relay_grace: timedelta = timedelta(seconds=30)
    # How long a worker may hold a webhook delivery; after that it is presumed dead.
    webhook_lease: timedelta = timedelta(minutes=5)
    # The wait before the 1st, 2nd, ... retry; after the last, the record is given up.
    retry_backoff: tuple[timedelta, ...] = RETRY_BACKOFF
    # A service's own Retry-After is honoured up to this (a wrong header cannot park a
    # record for weeks).
    max_retry_after: timedelta = timedelta(hours=6)

    def next_attempt(self, attempts: int, now: datetime,
                     retry_after: timedelta | None = None) -> datetime | None:
        """When a record that failed on its ``attempts``-th try is tried again: the backoff
        step, or the service's ``retry_after`` when longer; None once every retry is spent."""
        if attempts > len(self.retry_backoff):
            return None
        wait = self.retry_backoff[max(attempts, 1) - 1]
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return now + wait


@dataclass(frozen=True)
class RetentionPolicy:
    """How long processed records are kept before the cron deletes them."""

    outbox: timedelta = timedelta(days=7)
    # Longer than Stripe's and PayPal's redelivery windows (3 days): within it, a
    # redelivered event is recognised as a duplicate.
    webhooks: timedelta = timedelta(days=30)
    batch: int = 1000  # rows per transaction, so a large backlog never holds long locks


@dataclass(frozen=True)
class Links:
    """Where the web client lives, for links in emails."""

    frontend_url: str

    def to(self, path: str, **query: str) -> str:
        from urllib.parse import urlencode

        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.frontend_url.rstrip('/')}/{path.lstrip('/')}{suffix}"


@dataclass(frozen=True)
class VerificationPolicy:
    """Who must have confirmed their email address before they sell or buy."""

    roles: frozenset[str] = frozenset({"teacher", "student"})

    def ensure(self, principal: Principal, action: str) -> None:
        """Raises ``PermissionDenied`` saying how to verify, for an unverified principal of
        one of ``roles``."""
        if principal.role in self.roles and not principal.email_verified:
            raise PermissionDenied(
                f"confirm your email address before you {action}: open the link we sent "
                "you, or ask for a new one with POST /auth/verify-email/resend")
