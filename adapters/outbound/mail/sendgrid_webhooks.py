"""SendGrid's Event Webhook: verified with the configured ECDSA (P-256, SHA-256) public key
over timestamp + raw body (headers X-Twilio-Email-Event-Webhook-Signature and -Timestamp),
and stricter on time than SendGrid's own helper: 300 s either way. A delivery is a JSON array
of events."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature as BadSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.outbound.payments.headers import header_value
from application.messaging.handle_mail_event import MailEvent
from application.shared.errors import InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.messaging.model import DeliveryStatus

PROVIDER = "sendgrid"
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


def load_public_key(base64_der: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 of the DER public key)."""
    key = serialization.load_der_public_key(base64.b64decode(base64_der))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the SendGrid webhook key is not an ECDSA public key")
    return key


class SendGridWebhookAuthenticator:
    provider = PROVIDER

    def __init__(self, public_key: str, clock: Clock, tolerance: int = 300) -> None:
        self._key, self.clock, self.tolerance = load_public_key(public_key), clock, tolerance

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signature, timestamp = (header_value(headers, SIGNATURE_HEADER),
                                header_value(headers, TIMESTAMP_HEADER))
        if not signature or not timestamp or not timestamp.isdigit():
            raise InvalidSignature(f"the delivery has no {SIGNATURE_HEADER} and "
                                   f"{TIMESTAMP_HEADER} headers")
        try:
            self._key.verify(base64.b64decode(signature), timestamp.encode() + body,
                             ec.ECDSA(hashes.SHA256()))
        except (BadSignature, binascii.Error, ValueError) as error:
            raise InvalidSignature("the signature does not match the delivery") from error
        if abs(self.clock.now().timestamp() - int(timestamp)) > self.tolerance:
            raise InvalidSignature(f"the delivery is not signed within {self.tolerance} s")
        try:
            events = json.loads(body)
        except ValueError as error:
            raise InvalidSignature("a signed delivery that is not JSON") from error
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise InvalidSignature("not a list of SendGrid events")
        # One delivery, however many events: its id is the signed bytes' digest.
        return WebhookEvent(PROVIDER, hashlib.sha256(timestamp.encode() + body).hexdigest(),
                            "events", {"events": events})


def sendgrid_events(event: WebhookEvent) -> list[MailEvent]:
    found = []
    for data in event.payload.get("events", []):
        status = _status(data)
        if status is not None:
            # sg_message_id is the X-Message-Id the send answered, then ".filter..."
            message_id = str(data.get("sg_message_id") or "").split(".", 1)[0] or None
            detail = data.get("reason") or data.get("response")
            found.append(MailEvent(PROVIDER, message_id, str(data.get("email", "")), status,
                                   str(detail)[:300] if detail else None))
    return found


def _status(data: dict[str, Any]) -> DeliveryStatus | None:
    kind = data.get("event")
    if kind in ("delivered", "open"):
        return DeliveryStatus.DELIVERED
    if kind == "deferred":
        return DeliveryStatus.DEFERRED
    if kind in ("bounce", "dropped"):
        # "blocked" bounces are temporary refusals by the receiving server
        return DeliveryStatus.DEFERRED if data.get("type") == "blocked" else DeliveryStatus.BOUNCED
    if kind == "spamreport":
        return DeliveryStatus.COMPLAINED
    return None
