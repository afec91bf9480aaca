"""A local fake of SendGrid's v3 Mail Send API and its signed Event Webhook.

Point a client at it (``sendgrid.SendGridAPIClient(key, host=fake.url)`` or plain requests)::

    with FakeSendGrid(api_key="SG.test") as fake:
        r = requests.post(f"{fake.url}/v3/mail/send", json={...},
                          headers={"Authorization": "Bearer SG.test"}, timeout=5)
        assert r.status_code == 202 and r.content == b""
        [message] = fake.messages  # message.message_id == r.headers["X-Message-Id"]

Wire behaviour reproduced: ``Authorization: Bearer <key>`` (else 401), JSON body checks
(personalizations with ``to[].email``, ``from.email``, a subject at the top or in every
personalization, ``content`` with ``text/plain`` before ``text/html``; ``template_id`` lifts the
subject and content rules) answering 400 ``{"errors": [{"message", "field", "help"}]}`` with
every problem found, and 202 with an empty body and ``X-Message-Id``.

:class:`SendGridSigner` signs Event Webhook posts the way SendGrid does: ECDSA P-256 / SHA-256
over ``timestamp + raw body``, base64 DER signature, public key shown as base64 DER
SubjectPublicKeyInfo (the body of a PEM ``PUBLIC KEY`` block).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "FakeSendGrid",
    "SendGridMessage",
    "SendGridSigner",
    "sendgrid_event",
]

JSON = dict[str, Any]

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"

_EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message."
_INVALID_GRANT = "The provided authorization grant is invalid, expired, or revoked"


@dataclass
class SendGridMessage:
    """One accepted send: the ``X-Message-Id`` it got and the JSON body as sent."""

    message_id: str
    body: JSON

    @property
    def sender(self) -> str:
        return str(self.body["from"]["email"])

    @property
    def personalizations(self) -> list[JSON]:
        return list(self.body["personalizations"])

    @property
    def to(self) -> list[str]:
        return [str(t["email"]) for p in self.personalizations for t in p.get("to", [])]

    @property
    def subject(self) -> str | None:
        subject = self.body.get("subject")
        if subject is None and self.personalizations:
            subject = self.personalizations[0].get("subject")
        return subject

    def _content(self, content_type: str) -> str | None:
        for block in self.body.get("content", []):
            if block.get("type") == content_type:
                return str(block.get("value"))
        return None

    @property
    def text(self) -> str | None:
        return self._content("text/plain")

    @property
    def html(self) -> str | None:
        return self._content("text/html")

    @property
    def categories(self) -> list[str]:
        return list(self.body.get("categories", []))

    @property
    def custom_args(self) -> JSON:
        return dict(self.body.get("custom_args", {}))


def _error(message: str, field: str | None, help_anchor: str | None = None) -> JSON:
    help_url = _HELP + help_anchor if help_anchor else None
    return {"message": message, "field": field, "help": help_url}


def _email_problem(value: Any, field: str, what: str) -> JSON | None:
    if not isinstance(value, dict) or not isinstance(value.get("email"), str):
        return _error(f"The {what} object must have an email parameter.", field, what)
    if not _EMAIL_RE.match(value["email"]):
        return _error("Does not contain a valid address.", f"{field}.email", what)
    return None


def _validate_mail(body: Any) -> list[JSON]:
    if not isinstance(body, dict):
        return [_error("Bad Request", None)]
    errors: list[JSON] = []
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        errors.append(
            _error(
                "The personalizations field is required and must have at least one "
                "personalization.",
                "personalizations",
                "personalizations",
            )
        )
        personalizations = []
    for i, p in enumerate(personalizations):
        to = p.get("to") if isinstance(p, dict) else None
        if not isinstance(to, list) or not to:
            errors.append(
                _error(
                    "The to array is required for all personalization objects, and must have "
                    "at least one email object with a valid email address.",
                    f"personalizations.{i}.to",
                    "personalizations.to",
                )
            )
            continue
        for kind in ("to", "cc", "bcc"):
            for j, recipient in enumerate(p.get(kind) or []):
                problem = _email_problem(recipient, f"personalizations.{i}.{kind}.{j}", kind)
                if problem is not None:
                    errors.append(problem)
    sender = body.get("from")
    if sender is None:
        errors.append(
            _error(
                "The from object must be provided for every email send. It is an object that "
                "requires an email parameter, but may also contain a name parameter.",
                "from",
                "from",
            )
        )
    elif (problem := _email_problem(sender, "from", "from")) is not None:
        errors.append(problem)
    if "reply_to" in body and (problem := _email_problem(body["reply_to"], "reply_to", "reply_to")):
        errors.append(problem)
    templated = bool(body.get("template_id"))
    subject_ok = bool(body.get("subject")) or (
        bool(personalizations)
        and all(isinstance(p, dict) and p.get("subject") for p in personalizations)
    )
    if not templated and not subject_ok:
        errors.append(
            _error(
                "The subject is required. You can get around this requirement if you use a "
                "template with a subject defined or if every personalization has a subject "
                "defined.",
                "subject",
                "subject",
            )
        )
    errors.extend(_content_problems(body.get("content"), templated))
    return errors


def _content_problems(content: Any, templated: bool) -> list[JSON]:
    if content is None and templated:
        return []
    if not isinstance(content, list) or not content:
        return [
            _error(
                "Unless a valid template_id is provided, the content parameter is required. "
                "There must be at least one defined content block. We typically suggest both "
                "text/plain and text/html blocks are included, but only one block is required.",
                "content",
                "content",
            )
        ]
    problems: list[JSON] = []
    types = [block.get("type") if isinstance(block, dict) else None for block in content]
    for i, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(_error("The content type must be a string.", f"content.{i}.type"))
        elif not isinstance(block.get("value"), str) or not block["value"]:
            problems.append(
                _error(
                    "The content value must be a string at least one character in length.",
                    f"content.{i}.value",
                    "content.value",
                )
            )
    expected = [t for t in ("text/plain", "text/html") if t in types]
    if types[: len(expected)] != expected:
        problems.append(
            _error(
                "If present, text/plain content must be first, followed by text/html, "
                "followed by any other content.",
                "content",
                "content",
            )
        )
    return problems


class FakeSendGrid(FakeVendorServer):
    """SendGrid Mail Send. ``messages`` holds accepted sends; ``requests`` every request."""

    def __init__(self, api_key: str = "SG.test-key.0123456789") -> None:
        super().__init__()
        self.api_key = api_key
        self.messages: list[SendGridMessage] = []

    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: int | None = None) -> None:
        """Answer the next ``n`` authenticated sends with ``status``; nothing is accepted.

        429 answers carry ``X-RateLimit-Limit/Remaining/Reset`` (Reset = now + ``retry_after``,
        default 1 s); ``retry_after`` also adds a ``Retry-After`` header. Timeouts: ``delay_next``.
        """
        self._queue_failures(n, InjectedFailure(status, {"retry_after": retry_after}))

    def message(self, message_id: str) -> SendGridMessage:
        with self._lock:
            for message in self.messages:
                if message.message_id == message_id:
                    return message
        raise KeyError(message_id)

    def handle(self, request: Request) -> Response:
        raw = request.get_data(cache=True)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        recorded = self._record(request, body)
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            token.strip().encode(), self.api_key.encode()
        ):
            return self._respond(recorded, 401, [_error(_INVALID_GRANT, None)])
        if request.path != "/v3/mail/send" or request.method != "POST":
            return self._respond(recorded, 404, [_error("not found", None)])
        self._sleep(self._pop_delay())
        failure = self._pop_failure()
        if failure is not None:
            return self._injected(recorded, failure)
        errors = _validate_mail(body)
        if errors:
            return self._respond(recorded, 400, errors)
        message = SendGridMessage(secrets.token_urlsafe(16), body)
        with self._lock:
            self.messages.append(message)
        recorded.status = 202
        response = Response(b"", status=202)
        del response.headers["Content-Type"]
        response.headers["X-Message-Id"] = message.message_id
        return response

    def _injected(self, recorded: RecordedRequest, failure: InjectedFailure) -> Response:
        retry_after = failure.options.get("retry_after")
        text = "too many requests" if failure.status == 429 else "internal server error"
        response = self._respond(recorded, failure.status, [_error(text, None)])
        if failure.status == 429:
            response.headers["X-RateLimit-Limit"] = "600"
            response.headers["X-RateLimit-Remaining"] = "0"
            response.headers["X-RateLimit-Reset"] = str(int(time.time()) + (retry_after or 1))
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @staticmethod
    def _respond(recorded: RecordedRequest, status: int, errors: list[JSON]) -> Response:
        body = {"errors": errors}
        recorded.status = status
        recorded.response = body
        return Response(json.dumps(body), status=status, mimetype="application/json")


# --------------------------------------------------------------------------------------
# Event Webhook
# --------------------------------------------------------------------------------------
class SendGridSigner:
    """An ECDSA P-256 key pair standing in for SendGrid's Event Webhook signing key."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self.private_key = private_key or ec.generate_private_key(ec.SECP256R1())

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_key_base64(self) -> str:
        """The "Verification Key" as SendGrid's settings page shows it: base64 DER SPKI."""
        der = self.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def sign(self, timestamp: str, body: bytes) -> str:
        """Base64 DER ECDSA-SHA256 signature over ``timestamp.encode() + body``."""
        der = self.private_key.sign(timestamp.encode("utf-8") + body, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(der).decode("ascii")

    def headers(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        """The two signature headers SendGrid sends with an Event Webhook POST of ``body``."""
        ts = str(int(time.time())) if timestamp is None else timestamp
        return {SIGNATURE_HEADER: self.sign(ts, body), TIMESTAMP_HEADER: ts}


def sendgrid_event(
    event: str, email: str, message_id: str, *, timestamp: int | None = None, **extra: Any
) -> JSON:
    """One Event Webhook event (the POST body is a JSON array of these).

    ``sg_message_id`` is the send's ``X-Message-Id`` followed by a ``.filter...`` suffix, as
    SendGrid reports it; match on the part before the first dot.
    """
    event_body: JSON = {
        "email": email,
        "timestamp": int(time.time()) if timestamp is None else timestamp,
        "event": event,
        "smtp-id": f"<{message_id}@ismtpd0001p1lon1.sendgrid.net>",
        "sg_event_id": secrets.token_urlsafe(16),
        "sg_message_id": f"{message_id}.filterdrecv-5645d9c87f-abcde-1-0",
    }
    event_body.update(extra)
    return event_body
