"""Standard Webhooks for institutions' portals: their secrets, and the authenticator of the
reports they sign (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).

The signature is computed by the ``standardwebhooks`` library; its own ``verify`` is not
used, as it reads the system clock (ours comes from the Clock port) and raises on malformed
signature lists instead of refusing them."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from standardwebhooks.webhooks import Webhook

from adapters.outbound.payments.headers import header_value
from application.institutions.ports import SignedRequest
from application.shared.errors import InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.institutions.model import MAX_METRIC, SyncMetric
from domain.shared.errors import InvalidValue

PROVIDER = "institution-sync"
MAX_BODY = 4_096


class RandomSigningSecrets:
    def new_secret(self) -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class InstitutionSignatures:
    """Accepts a request signed with the secret of the institution its JSON body names
    (``institution_id``), within ``tolerance`` seconds of now; anything else is
    ``InvalidSignature``, telling nothing of which institutions exist."""

    def __init__(self, secret_of: Callable[[str], str | None], clock: Clock,
                 tolerance: int = 300) -> None:
        self.secret_of, self.clock, self.tolerance = secret_of, clock, tolerance

    def verify(self, headers: Mapping[str, str], body: bytes) -> SignedRequest:
        message_id = header_value(headers, "webhook-id") or ""
        stamp = header_value(headers, "webhook-timestamp") or ""
        signatures = header_value(headers, "webhook-signature") or ""
        if not (0 < len(message_id) <= 100 and stamp.isdigit() and len(stamp) <= 11
                and signatures):
            raise InvalidSignature("the request has no webhook-id, webhook-timestamp and "
                                   "webhook-signature (Standard Webhooks)")
        sent_at = datetime.fromtimestamp(int(stamp), UTC)
        if abs((self.clock.now() - sent_at).total_seconds()) > self.tolerance:
            raise InvalidSignature(f"the request is not signed within {self.tolerance} s")
        parsed = _json(body)
        institution_id = parsed.get("institution_id")
        secret = self.secret_of(institution_id[:64]) if isinstance(institution_id, str) \
            else None
        if secret is None or not _signed(secret, message_id, sent_at, body, signatures):
            raise InvalidSignature("the request is not signed by the institution it names")
        return SignedRequest(str(institution_id), message_id, sent_at, parsed)


class InstitutionSyncAuthenticator:
    """The ``WebhookAuthenticator`` of ``institution-sync``: a signed report (see
    ``InstitutionSignatures``) of a known metric with a whole value of 0 or more (422
    otherwise, once the signature holds)."""

    provider = PROVIDER

    def __init__(self, signatures: InstitutionSignatures) -> None:
        self.signatures = signatures

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signed = self.signatures.verify(headers, body)
        metric, value = signed.body.get("metric"), signed.body.get("value")
        if metric not in SyncMetric._value2member_map_:
            raise InvalidValue(f"the metric is one of {', '.join(SyncMetric)}", "metric")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_METRIC:
            raise InvalidValue(f"the value is a whole number from 0 to {MAX_METRIC}", "value")
        return WebhookEvent(PROVIDER, signed.message_id, f"metric.{metric}", {
            "institution_id": signed.institution_id, "metric": metric, "value": value,
            "reported_at": signed.sent_at.isoformat()})


def _json(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY:
        raise InvalidSignature("the report is too large")
    try:
        report = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidSignature("the report is not JSON") from None
    if not isinstance(report, dict):
        raise InvalidSignature("the report is not a JSON object")
    return report


def _signed(secret: str, message_id: str, sent_at: datetime, body: bytes,
            signatures: str) -> bool:
    try:
        expected = base64.b64decode(Webhook(secret).sign(
            message_id, sent_at, body.decode("utf-8")).split(",", 1)[1])
    except (binascii.Error, ValueError):
        return False  # a stored secret that is not base64: nothing it signs is accepted
    for entry in signatures.split(" ")[:10]:
        version, _, given = entry.partition(",")
        if version != "v1":
            continue
        try:
            if hmac.compare_digest(expected, base64.b64decode(given, validate=True)):
                return True
        except binascii.Error:
            continue
    return False
