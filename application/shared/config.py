"""Rules every area shares that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LeasePolicy:
    """How the outbox and the webhook inbox lease their records."""

    # Younger unprocessed records are probably still on the fast path; the relay leaves them.
    relay_grace: timedelta = timedelta(seconds=30)
    # How long a worker may hold a webhook delivery; after that it is presumed dead.
    webhook_lease: timedelta = timedelta(minutes=5)


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
