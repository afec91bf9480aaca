"""Plain policy values the use cases need, built from settings in the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class AccountPolicy:
    refresh_token_ttl: timedelta = timedelta(days=30)
    email_verification_ttl: timedelta = timedelta(hours=24)
    password_reset_ttl: timedelta = timedelta(hours=1)
    min_password_length: int = 10
    max_password_length: int = 256


@dataclass(frozen=True)
class OutboxPolicy:
    # Younger unprocessed messages are probably still on the fast path; the relay leaves them.
    relay_grace: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long processed records are kept before the cron deletes them."""

    outbox: timedelta = timedelta(days=7)
    # Longer than Stripe's and PayPal's redelivery windows (3 days): within it, a
    # redelivered event is recognised as a duplicate.
    webhooks: timedelta = timedelta(days=30)
    batch: int = 1000  # rows per transaction, so a large backlog never holds long locks


@dataclass(frozen=True)
class PaymentPolicy:
    checkout_ttl: timedelta = timedelta(minutes=60)
    # Open payments untouched this long are reconciled against the provider.
    reconcile_after: timedelta = timedelta(hours=2)
    # What a provider charges when it cannot take the course's currency.
    fallback_currency: tuple[tuple[str, str], ...] = (("paypal", "USD"),)
    max_courses: int = 20
    # How long a worker may hold a webhook delivery; after that it is presumed dead.
    webhook_lease: timedelta = timedelta(minutes=5)
    # Stored deliveries younger than this are probably still on their way to a worker.
    relay_grace: timedelta = timedelta(seconds=30)

    def fallback_for(self, provider: str) -> str | None:
        return dict(self.fallback_currency).get(provider)


@dataclass(frozen=True)
class Links:
    """Where the web client lives, for links in emails."""

    frontend_url: str

    def to(self, path: str, **query: str) -> str:
        from urllib.parse import urlencode

        suffix = f"?{urlencode(query)}" if query else ""
        return f"{self.frontend_url.rstrip('/')}/{path.lstrip('/')}{suffix}"
