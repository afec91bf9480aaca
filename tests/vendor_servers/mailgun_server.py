"""A local fake of Mailgun's send API (``POST /v3/{domain}/messages``) and webhook signing.

Point a client at it (the ``mailgun`` SDK allows plain ``http://`` only for 127.0.0.1)::

    with FakeMailgun(api_key="key-test", domains=("mg.example.com",)) as fake:
        requests.post(
            f"{fake.url}/v3/mg.example.com/messages",
            auth=("api", "key-test"),
            data=[("from", "App <noreply@mg.example.com>"), ("to", "a@example.com"),
                  ("subject", "Hi"), ("text", "Hello"), ("o:tag", "welcome")],
            timeout=5,
        )
        [message] = fake.messages

Wire behaviour reproduced: HTTP Basic ``api:KEY`` (anything else is 401 with the plain-text
body ``Forbidden``), ``multipart/form-data`` and ``application/x-www-form-urlencoded`` bodies
with repeated keys, 400 ``{"message": ...}`` for missing or invalid ``from`` / ``to`` and for a
message with no body, 404 for an unknown domain, and 200 ``{"id": "<...@domain>", "message":
"Queued. Thank you."}``. Webhooks: :func:`sign_mailgun_webhook` and :func:`mailgun_webhook_body`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = [
    "FakeMailgun",
    "MailgunAttachment",
    "MailgunMessage",
    "mailgun_webhook_body",
    "new_webhook_token",
    "sign_mailgun_webhook",
]

JSON = dict[str, Any]

_PATH_RE = re.compile(r"^/v3/(?P<domain>[^/]+)/messages$")
_ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_BODY_FIELDS = ("text", "html", "amp-html", "template")
_WEBHOOK_EVENTS = ("delivered", "failed", "complained", "opened")


@dataclass(frozen=True)
class MailgunAttachment:
    field: str  # "attachment" or "inline"
    filename: str
    content_type: str
    content: bytes


@dataclass
class MailgunMessage:
    """One accepted message. ``fields`` keeps every form key with all its values, in order."""

    id: str
    domain: str
    fields: dict[str, list[str]]
    attachments: list[MailgunAttachment] = field(default_factory=list)
    content_type: str = ""

    def first(self, key: str) -> str | None:
        values = self.fields.get(key)
        return values[0] if values else None

    @property
    def sender(self) -> str | None:
        return self.first("from")

    @property
    def to(self) -> list[str]:
        """Every ``to`` address, repeated keys and comma-separated lists flattened."""
        return [addr for _, addr in getaddresses(self.fields.get("to", []))]

    @property
    def subject(self) -> str | None:
        return self.first("subject")

    @property
    def text(self) -> str | None:
        return self.first("text")

    @property
    def html(self) -> str | None:
        return self.first("html")

    @property
    def tags(self) -> list[str]:
        return list(self.fields.get("o:tag", []))

    def _prefixed(self, prefix: str) -> dict[str, list[str]]:
        return {k[len(prefix) :]: v for k, v in self.fields.items() if k.startswith(prefix)}

    @property
    def headers(self) -> dict[str, list[str]]:
        return self._prefixed("h:")

    @property
    def variables(self) -> dict[str, list[str]]:
        return self._prefixed("v:")

    @property
    def options(self) -> dict[str, list[str]]:
        return self._prefixed("o:")


class MailgunAPIError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _check_addresses(fields: dict[str, list[str]], key: str, *, required: bool) -> None:
    values = [v for v in fields.get(key, []) if v.strip()]
    if not values:
        if required:
            raise MailgunAPIError(400, f"'{key}' parameter is missing")
        return
    parsed = getaddresses(values)
    if not parsed or any(not _ADDRESS_RE.match(addr) for _, addr in parsed):
        raise MailgunAPIError(
            400, f"'{key}' parameter is not a valid address. please check documentation"
        )
    if key == "from" and len(parsed) != 1:
        raise MailgunAPIError(
            400, "'from' parameter is not a valid address. please check documentation"
        )


class FakeMailgun(FakeVendorServer):
    """Mailgun send endpoint. ``messages`` holds accepted messages; ``requests`` everything.

    ``api_key``: the only password accepted with user ``api``. ``domains``: sending domains
    that exist (others answer 404). ``signing_key``: the HTTP webhook signing key used by
    :meth:`webhook_for`.
    """

    def __init__(
        self,
        api_key: str = "key-test-0123456789",
        domains: tuple[str, ...] = ("mg.example.com",),
        *,
        signing_key: str = "whsk-test-signing-key",
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.domains = set(domains)
        self.signing_key = signing_key
        self.messages: list[MailgunMessage] = []

    # ---------------------------------------------------------------- test controls
    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: int | None = None) -> None:
        """Answer the next ``n`` authenticated sends with ``status`` (nothing is queued).

        A 429 carries ``Retry-After`` (``retry_after`` seconds, default 1); other statuses
        carry it only when ``retry_after`` is given. Timeouts: use ``delay_next``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        self._queue_failures(n, InjectedFailure(status, {"retry_after": retry_after}))

    def message(self, message_id: str) -> MailgunMessage:
        with self._lock:
            for message in self.messages:
                if message.id == message_id:
                    return message
        raise KeyError(message_id)

    def webhook_for(self, message: MailgunMessage, event: str, **kwargs: Any) -> JSON:
        """A signed webhook body for ``message`` (first recipient, its tags and v: vars)."""
        kwargs.setdefault("recipient", message.to[0])
        kwargs.setdefault("tags", message.tags)
        kwargs.setdefault("user_variables", {k: v[0] for k, v in message.variables.items()})
        return mailgun_webhook_body(self.signing_key, event, message_id=message.id, **kwargs)

    # ---------------------------------------------------------------- HTTP plumbing
    def handle(self, request: Request) -> Response:
        recorded = self._record(request, {})  # caches the raw body before form parsing
        fields = {key: list(values) for key, values in request.form.lists()}
        recorded.params = fields
        attachments = [
            MailgunAttachment(
                name, f.filename or "", f.mimetype or "application/octet-stream", f.read()
            )
            for name in ("attachment", "inline")
            for f in request.files.getlist(name)
        ]
        if not self._authorized(request):
            return self._respond(recorded, 401, "Forbidden")
        match = _PATH_RE.match(request.path)
        if match is None or request.method != "POST":
            return self._respond(recorded, 404, {"message": "Not Found"})
        self._sleep(self._pop_delay())
        failure = self._pop_failure()
        if failure is not None:
            return self._injected(recorded, failure)
        domain = match["domain"]
        try:
            if domain not in self.domains:
                raise MailgunAPIError(404, f"Domain not found: {domain}")
            _check_addresses(fields, "from", required=True)
            _check_addresses(fields, "to", required=True)
            _check_addresses(fields, "cc", required=False)
            _check_addresses(fields, "bcc", required=False)
            if not any(fields.get(name) for name in _BODY_FIELDS):
                raise MailgunAPIError(
                    400,
                    "Need at least one of 'text', 'html', 'amp-html' or 'template' "
                    "parameters specified",
                )
        except MailgunAPIError as error:
            return self._respond(recorded, error.status, {"message": error.message})
        now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        message_id = f"<{now}.{secrets.token_hex(8)}@{domain}>"
        message = MailgunMessage(message_id, domain, fields, attachments, request.mimetype or "")
        with self._lock:
            self.messages.append(message)
        return self._respond(recorded, 200, {"id": message_id, "message": "Queued. Thank you."})

    def _authorized(self, request: Request) -> bool:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        user_ok = hmac.compare_digest(auth.username or "", "api")
        key_ok = hmac.compare_digest((auth.password or "").encode(), self.api_key.encode())
        return user_ok and key_ok

    def _injected(self, recorded: RecordedRequest, failure: InjectedFailure) -> Response:
        text = "Too many requests" if failure.status == 429 else "Internal Server Error"
        response = self._respond(recorded, failure.status, {"message": text})
        retry_after = failure.options.get("retry_after")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @staticmethod
    def _respond(recorded: RecordedRequest, status: int, body: JSON | str) -> Response:
        recorded.status = status
        recorded.response = body
        if isinstance(body, str):
            return Response(body, status=status, mimetype="text/plain")
        return Response(json.dumps(body), status=status, mimetype="application/json")


# --------------------------------------------------------------------------------------
# webhooks
# --------------------------------------------------------------------------------------
def new_webhook_token() -> str:
    """A random 50-character token like the ones Mailgun puts in ``signature.token``."""
    return secrets.token_hex(25)


def sign_mailgun_webhook(signing_key: str, timestamp: str | int, token: str) -> str:
    """Hex HMAC-SHA256 of ``str(timestamp) + token`` (no separator) under ``signing_key``."""
    signed = f"{timestamp}{token}".encode()
    return hmac.new(signing_key.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def _delivery_status(event: str, severity: str | None) -> JSON | None:
    if event == "delivered":
        return {"code": 250, "message": "OK", "description": "", "attempt-no": 1, "tls": True}
    if event == "failed" and severity == "permanent":
        return {
            "code": 550,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "description": "",
            "attempt-no": 1,
            "bounce-type": "hard",
        }
    if event == "failed":
        return {
            "code": 452,
            "message": "4.2.2 The email account that you tried to reach is over quota.",
            "description": "",
            "attempt-no": 1,
            "retry-seconds": 600,
        }
    return None


def mailgun_webhook_body(
    signing_key: str,
    event: str,
    *,
    message_id: str,
    recipient: str = "user@example.com",
    severity: str | None = None,
    tags: list[str] | None = None,
    user_variables: dict[str, Any] | None = None,
    timestamp: int | None = None,
    token: str | None = None,
) -> JSON:
    """A signed ``{"signature": {...}, "event-data": {...}}`` webhook body.

    ``event``: delivered, failed (``severity`` "permanent" or "temporary"), complained or
    opened. ``message_id`` may be the send API's ``<id>``: webhooks carry it without the angle
    brackets in ``event-data.message.headers.message-id``.
    """
    if event not in _WEBHOOK_EVENTS:
        raise ValueError(f"event must be one of {_WEBHOOK_EVENTS}")
    if (event == "failed") != (severity is not None):
        raise ValueError("severity is required for 'failed' and only allowed there")
    if severity not in (None, "permanent", "temporary"):
        raise ValueError("severity must be 'permanent' or 'temporary'")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    token = new_webhook_token() if token is None else token
    level = {"delivered": "info", "opened": "info", "complained": "warn"}.get(event)
    if level is None:
        level = "error" if severity == "permanent" else "warn"
    event_data: JSON = {
        "id": secrets.token_urlsafe(16),
        "timestamp": ts + 0.123456,
        "event": event,
        "log-level": level,
        "recipient": recipient,
        "recipient-domain": recipient.rpartition("@")[2],
        "tags": list(tags or []),
        "user-variables": dict(user_variables or {}),
        "message": {"headers": {"message-id": message_id.strip().strip("<>")}},
    }
    if severity is not None:
        event_data["severity"] = severity
        event_data["reason"] = "bounce" if severity == "permanent" else "generic"
    status = _delivery_status(event, severity)
    if status is not None:
        event_data["delivery-status"] = status
    signature = {
        "timestamp": str(ts),
        "token": token,
        "signature": sign_mailgun_webhook(signing_key, ts, token),
    }
    return {"signature": signature, "event-data": event_data}
