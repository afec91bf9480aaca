"""Mailgun's event webhooks: verified (HMAC-SHA256 of timestamp + token with the HTTP
webhook signing key, 300 s either way) and read into our mail events.

The signature covers only the timestamp and the token, not the event: so the token is the
delivery's id in the inbox, and a token seen before is never processed again (a replay with
another event under a captured signature included)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from application.messaging.handle_mail_event import MailEvent
from application.shared.errors import InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.messaging.model import DeliveryStatus

PROVIDER = "mailgun"


class MailgunWebhookAuthenticator:
    provider = PROVIDER

    def __init__(self, signing_key: str, clock: Clock, tolerance: int = 300) -> None:
        self._key, self.clock, self.tolerance = signing_key.encode(), clock, tolerance

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        try:
            payload = json.loads(body)
            signature = payload["signature"]
            timestamp, token = str(signature["timestamp"]), str(signature["token"])
            given = str(signature["signature"])
            event = payload["event-data"]
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidSignature("not a signed Mailgun event") from error
        expected = hmac.new(self._key, (timestamp + token).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            raise InvalidSignature("the signature does not match the delivery")
        if not timestamp.isdigit() or abs(self.clock.now().timestamp() - int(timestamp)) \
                > self.tolerance:
            raise InvalidSignature(f"the delivery is not signed within {self.tolerance} s")
        if not isinstance(event, dict):
            raise InvalidSignature("not a Mailgun event")
        return WebhookEvent(PROVIDER, token, str(event.get("event", "")), event)


def mailgun_events(event: WebhookEvent) -> list[MailEvent]:
    """The report in our terms; events eduport does not follow (accepted, clicked,
    unsubscribed) give none."""
    data: dict[str, Any] = event.payload
    status = _status(data)
    if status is None:
        return []
    message = data.get("message") or {}
    message_id = str((message.get("headers") or {}).get("message-id") or "").strip("<>") or None
    detail = (data.get("delivery-status") or {}).get("description") or data.get("reason")
    return [MailEvent(PROVIDER, message_id, str(data.get("recipient", "")), status,
                      str(detail)[:300] if detail else None)]


def _status(data: dict[str, Any]) -> DeliveryStatus | None:
    kind = data.get("event")
    if kind in ("delivered", "opened"):  # an opened message was delivered
        return DeliveryStatus.DELIVERED
    if kind == "failed":
        permanent = data.get("severity") == "permanent"
        return DeliveryStatus.BOUNCED if permanent else DeliveryStatus.DEFERRED
    if kind == "complained":
        return DeliveryStatus.COMPLAINED
    return None
