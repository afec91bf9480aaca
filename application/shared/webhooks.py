"""Webhook providers: each a plain registration on the one inbox (authenticate, then handle).

The composition root registers a provider per configured vendor; nothing here knows which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from application.shared.ports import WebhookAuthenticator, WebhookEvent
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class WebhookProvider:
    """``handle`` acts on one stored event and returns a short outcome; it must be
    idempotent (deliveries repeat and arrive out of order) and may call vendors."""

    name: str
    authenticator: WebhookAuthenticator
    handle: Callable[[WebhookEvent], str]


@dataclass(frozen=True)
class WebhookProviders:
    by_name: Mapping[str, WebhookProvider]

    def get(self, name: str) -> WebhookProvider:
        found = self.by_name.get(name)
        if found is None:
            raise NotFound(f"webhooks from {name} are not configured")
        return found
