"""Didit: v3 verification sessions over plain ``requests``, and its webhooks
(vendor-contracts.md §3 and docs.didit.me, "Sessions API" and "Webhooks"; no Didit SDK was
examined, so none is used).

Sessions (``DiditIdentityVerifier``):

- ``POST {base}/v3/session/`` with ``workflow_id``, ``vendor_data`` (our user id) and
  ``callback`` opens a hosted session and answers 201 ``{session_id, url, status, ...}``.
  For a ``vendor_data`` whose session is still unfinished Didit answers that same session
  (still 201, callback updated): the port's idempotency per user is Didit's own.
- ``GET {base}/v3/session/{id}/decision/`` is the session's decision report.
- ``DELETE {base}/v3/session/{id}/delete/`` soft-deletes the session: it disappears from
  every read endpoint and its media are moved out of reach (204; a repeat is 404).

Every call sends ``x-api-key``, has a connect and a read timeout and follows no redirect.
Failures: a timeout, a connection error, 429 (its ``Retry-After`` in ``retry_after``), 5xx or
an answer we cannot read is ``DeliveryFailed`` with a WARNING; 401/402/403 (our key, the
account's credits or permissions) and 400 (a field Didit will not take: eduport's bug) are
``DeliveryFailed`` with an ERROR line; 404 is ``NotFound`` for a decision, "already gone" for
``forget``. The key is never logged or put in a message, and no exception carries the
request it was sent with.

Of a decision eduport keeps only what ``VerifierDecision`` holds (``decided_fields``, shared
by the poll and the webhooks): the status, when a reviewer decided, the document's type and
issuing country from ``id_verifications[]`` and a decline reason made of Didit's risk codes.
Names, dates of birth, document numbers, addresses, image URLs, reviewers' free-text comments
and warnings' ``additional_data`` (where Didit puts the personal data behind a risk) are never
read out.

Webhooks (``DiditWebhookAuthenticator``, for ``/webhooks/didit``). Didit signs a delivery
three ways, each an HMAC-SHA256 in lowercase hex keyed with the application's webhook secret.
Its body is ``json.dumps(shorten_floats(payload), sort_keys=True, separators=(",", ":"))``
(ASCII-escaped, whole floats as ints), and:

- ``X-Signature-V2`` covers the same dump of the *parsed* body with ``ensure_ascii=False``,
  encoded UTF-8: recomputed from the JSON, so it survives a proxy or framework that
  re-serialises the body. Checked first.
- ``X-Signature`` covers the raw bytes as they arrived: the fallback, when a proxy dropped
  the V2 header.
- ``X-Signature-Simple`` covers only ``"{timestamp}:{session_id}:{status}:{webhook_type}"``.
  It is not accepted: ``vendor_data`` and the decision would be unsigned, and a delivery
  captured in flight could be replayed within the time window naming another user.

A delivery is fresh when its signed body ``timestamp`` (Unix seconds, the signing time) is
within ``tolerance`` (300 s) of the ``Clock`` either way; the ``X-Timestamp`` header is not
covered by either accepted signature and is ignored. Every refusal is ``InvalidSignature``
(HTTP 400, as for the other providers): unsigned, forged, stale, a body that is not a JSON
object, or one without ``event_id``, ``webhook_type`` and ``timestamp``. A genuine delivery
of an event eduport does not follow (``user.status.updated`` ...) is accepted and stored;
its processing finds no session status in it. The inbox keeps only ``session_id``,
``status``, ``vendor_data``, ``webhook_type``, ``timestamp`` and the decided fields of
``decided_fields`` (``decided_at`` as ISO 8601 text): none of the personal data Didit puts
in a decision.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from adapters.outbound.payments.headers import header_value
from application.identity.ports import OpenedSession, VerifierDecision
from application.shared.errors import DeliveryFailed, InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.identity.statuses import VerificationStatus
from domain.shared.errors import NotFound

__all__ = ["DEFAULT_BASE_URL", "PROVIDER", "SIGNATURE_HEADER", "SIGNATURE_V2_HEADER",
           "DecidedFields", "DiditIdentityVerifier", "DiditWebhookAuthenticator", "canonical_v2",
           "decided_fields", "read_status", "reduced_payload", "shorten_floats"]

log = logging.getLogger(__name__)

PROVIDER = "didit"
DEFAULT_BASE_URL = "https://verification.didit.me"
MAX_DECLINE_REASON = 500  # VerifierDecision.decline_reason: at most 500 characters
MAX_DOCUMENT_TYPE = 64

# Ids go into the URL path: Didit's are UUIDs, so letters, digits and dashes only; no "../",
# "?" or "%2f" can steer a request to another endpoint.
_SESSION_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_COUNTRY = re.compile(r"[A-Z]{2,3}")  # ISO 3166-1 alpha-3 as Didit gives it (some are alpha-2)
_RISK = re.compile(r"[A-Z0-9_]{1,64}")  # Didit's risk codes: DOCUMENT_EXPIRED, ...
_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Keys of Didit's error bodies that are not the name of a request field.
_NOT_FIELDS = frozenset({"detail", "code", "message", "error", "errors", "non_field_errors"})
_OUR_SETUP_STATUSES = frozenset({401, 402, 403})
_REVIEWER_DECLINED = "declined by a reviewer at Didit"


def _api_key(key: str) -> Callable[[requests.PreparedRequest], requests.PreparedRequest]:
    """The session's ``auth``: sets ``x-api-key`` on each request. Being an ``auth`` also
    keeps requests from adding a ``~/.netrc`` login, and a function's repr shows no key."""

    def sign(request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["x-api-key"] = key
        return request

    return sign


class DiditIdentityVerifier:
    """The ``IdentityVerifier`` port on Didit's hosted v3 sessions. ``workflow_id`` is the
    Didit workflow (a UUID) every session runs; ``connect_timeout`` and ``read_timeout`` are
    per request, in seconds. ``base_url`` must be https (plain http only for this machine,
    where the tests' fake runs)."""

    provider = PROVIDER
    hosted = True

    def __init__(self, api_key: str, workflow_id: str, base_url: str = DEFAULT_BASE_URL,
                 connect_timeout: float = 5.0, read_timeout: float = 15.0) -> None:
        key = api_key.strip()
        if not key:
            raise ValueError("the Didit API key is empty")
        try:
            self.workflow_id = str(uuid.UUID(workflow_id.strip()))
        except ValueError:
            raise ValueError("the Didit workflow id must be a UUID") from None
        base = base_url.strip().rstrip("/")
        parts = urlsplit(base)
        # The key travels in a header: plain http only to this machine (the local fake).
        if parts.scheme != "https" and not (parts.scheme == "http"
                                            and parts.hostname in _LOCAL_HOSTS):
            raise ValueError("the Didit base URL must be https:// (http only for localhost)")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("Didit's timeouts must be > 0 seconds")
        self.base_url = base
        self._key = key
        self._timeout = (float(connect_timeout), float(read_timeout))
        self._session = requests.Session()
        self._session.auth = _api_key(key)
        self._session.headers.update({"Accept": "application/json"})

    def open_session(self, user_id: str, callback_url: str) -> OpenedSession:
        """``POST /v3/session/`` for ``user_id`` (Didit's ``vendor_data``); the hosted flow
        sends the browser back to ``callback_url`` (Didit appends ``verificationSessionId``
        and ``status``). Idempotent per user while the session is unfinished (Didit's rule).
        Nothing else about the person is sent. Raises ``DeliveryFailed`` as the module says
        (also for a 404: Didit does not know the configured workflow), ``ValueError`` for an
        empty user id or a callback that is not an absolute http(s) URL (nothing is sent)."""
        if not user_id.strip():
            raise ValueError("a Didit session needs the user id (vendor_data)")
        if not _is_web_url(callback_url):
            raise ValueError("the callback must be an absolute http(s) URL")
        body = {"workflow_id": self.workflow_id, "vendor_data": user_id,
                "callback": callback_url}
        status, answer = self._call("POST", "/v3/session/", "open a session", json=body)
        if status == 404:
            log.error("Didit does not know the workflow %s (HTTP 404 opening a session): "
                      "check DIDIT_WORKFLOW_ID", self.workflow_id, extra={"provider": PROVIDER})
            raise DeliveryFailed("Didit does not know the configured workflow (HTTP 404): "
                                 "the operator must check DIDIT_WORKFLOW_ID")
        session_id, url = answer.get("session_id"), answer.get("url")
        opened = read_status(answer.get("status"))
        if not (isinstance(session_id, str) and _SESSION_ID.fullmatch(session_id)
                and isinstance(url, str) and _is_web_url(url) and opened is not None):
            log.warning("Didit answered a new session without a usable session_id, url and "
                        "status", extra={"provider": PROVIDER})
            raise DeliveryFailed("Didit answered the new session with something we cannot use")
        log.info("didit session opened", extra={"provider": PROVIDER, "session_id": session_id,
                                                "status": opened.value})
        return OpenedSession(session_id=session_id, url=url, status=opened)

    def decision(self, session_id: str) -> VerifierDecision:
        """``GET /v3/session/{id}/decision/``, reduced to ``VerifierDecision`` (see the
        module). Read-only. Raises ``NotFound`` for a session Didit does not know (or an id
        that cannot be one, without asking), ``DeliveryFailed`` as ``open_session`` does and
        for a report of another session or with a status eduport does not know."""
        if not _SESSION_ID.fullmatch(session_id):
            raise NotFound("that is not a Didit session id")
        status, report = self._call("GET", f"/v3/session/{session_id}/decision/",
                                    "read a decision", session_id=session_id)
        if status == 404:
            raise NotFound(f"Didit has no session {session_id}")
        extra = {"provider": PROVIDER, "session_id": session_id}
        if report.get("session_id", session_id) != session_id:
            log.warning("Didit answered the decision of another session", extra=extra)
            raise DeliveryFailed("Didit answered the decision of another session")
        state = read_status(report.get("status"))
        if state is None:
            log.error("Didit answered a session status eduport does not know (%.40r)",
                      report.get("status"), extra=extra)
            raise DeliveryFailed("Didit answered a session status eduport does not know")
        vendor_data = report.get("vendor_data")
        kept = decided_fields(report, state)
        return VerifierDecision(
            session_id=session_id,
            vendor_data=vendor_data if isinstance(vendor_data, str) and vendor_data else None,
            status=state, decided_at=kept.decided_at, document_type=kept.document_type,
            issuing_country=kept.issuing_country, decline_reason=kept.decline_reason)

    def forget(self, session_id: str) -> None:
        """``DELETE /v3/session/{id}/delete/``: Didit stops serving the session and its
        media at once (it keeps its own records, unreachable, for the retention window set in
        its console; no webhook follows). Idempotent: a session Didit does not have (404:
        deleted before, or never known) and an id that cannot be one are already forgotten.
        Raises ``DeliveryFailed`` as ``open_session`` does, and for a 409 (Didit keeps a
        session that is part of a filed regulatory report)."""
        if not _SESSION_ID.fullmatch(session_id):
            return
        status, _ = self._call("DELETE", f"/v3/session/{session_id}/delete/",
                               "delete a session", session_id=session_id, expect_body=False)
        log.info("didit session %s", "already gone" if status == 404 else "deleted",
                 extra={"provider": PROVIDER, "session_id": session_id})

    def _call(self, method: str, path: str, what: str, *, session_id: str | None = None,
              json: dict[str, Any] | None = None, expect_body: bool = True
              ) -> tuple[int, dict[str, Any]]:
        """One API call: (status, JSON object) for a 2xx or a 404, the port's errors for the
        rest. ``expect_body=False``: a 2xx needs no body (204)."""
        extra = {"provider": PROVIDER, "session_id": session_id}
        try:
            # No redirects: requests would carry x-api-key to wherever a 3xx points (it strips
            # only Authorization on a change of host).
            response = self._session.request(method, self.base_url + path, json=json,
                                             timeout=self._timeout, allow_redirects=False)
        except requests.Timeout:
            log.warning("Didit did not answer to %s in time (connect %s s, read %s s)", what,
                        *self._timeout, extra=extra)
            # ``from None``: the exception holds the request, whose headers hold the key, and
            # error trackers record chained exceptions.
            raise DeliveryFailed(f"Didit did not answer to {what} in time") from None
        except requests.RequestException as error:
            log.warning("Didit could not be reached to %s (%s)", what, type(error).__name__,
                        extra=extra)
            raise DeliveryFailed(
                f"Didit could not be reached to {what} ({type(error).__name__})") from None
        status = response.status_code
        if status in _OUR_SETUP_STATUSES:
            problem = self._problem(response)
            log.error("Didit refused our API key or account (HTTP %s%s) to %s: check "
                      "DIDIT_API_KEY and the Didit application's permissions and credits",
                      status, problem, what, extra=extra)
            raise DeliveryFailed(f"Didit refused our API key or account (HTTP {status}"
                                 f"{problem}): the operator must check DIDIT_API_KEY")
        if status == 404:
            return status, {}
        if status == 429 or status >= 500:  # transient: the job retries, after Retry-After
            wait = _retry_after(response)
            busy = "is rate limiting us" if status == 429 else "failed"
            log.warning("Didit %s (HTTP %s, Retry-After %s s) to %s", busy, status, wait, what,
                        extra=extra)
            raise DeliveryFailed(f"Didit {busy} (HTTP {status}) to {what}", wait)
        if not 200 <= status < 300:
            # 400 names the field Didit would not take; 409 and other refusals are ours to
            # fix too. Retrying the same request would not help, so an operator must look.
            problem = self._problem(response, fields=status == 400)
            log.error("Didit refused the request to %s (HTTP %s%s)", what, status, problem,
                      extra=extra)
            raise DeliveryFailed(f"Didit refused the request to {what} (HTTP {status}"
                                 f"{problem})")
        if not expect_body:
            return status, {}
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            log.warning("Didit answered %s with a body that is not a JSON object (HTTP %s)",
                        what, status, extra=extra)
            raise DeliveryFailed(f"Didit answered {what} with a body we cannot read")
        return status, answer

    def _problem(self, response: requests.Response, fields: bool = False) -> str:
        """What an error body says, briefly: the request fields a 400 names (``fields``),
        else Didit's code or detail (with the key blanked out, should Didit ever echo it);
        "" for a body without one."""
        try:
            body = response.json()
        except ValueError:
            return ""
        if not isinstance(body, dict):
            return ""
        named = sorted(str(k)[:64] for k in body if str(k) not in _NOT_FIELDS) if fields else []
        if named:
            return f": invalid {', '.join(named[:10])}"
        code, detail = body.get("code"), body.get("detail")
        if isinstance(code, str) and _CODE.fullmatch(code):
            return f": {code}"
        if isinstance(detail, str) and detail.strip():
            return ": " + " ".join(detail.replace(self._key, "***").split())[:200]
        return ""


# --------------------------------------------------------------------------------------------
# the decision report, reduced (shared with the webhook authenticator)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DecidedFields:
    """What eduport keeps of a decision report besides its status (``VerifierDecision``)."""

    decided_at: datetime | None = None
    document_type: str | None = None
    issuing_country: str | None = None
    decline_reason: str | None = None


def read_status(value: Any) -> VerificationStatus | None:
    """Didit's session status (exact spelling) as ours; None for anything else."""
    try:
        return VerificationStatus(value) if isinstance(value, str) else None
    except ValueError:
        return None


def decided_fields(report: Any, status: VerificationStatus) -> DecidedFields:
    """The fields eduport keeps of a decision report (``GET .../decision/`` or a webhook's
    ``decision``), which has the session at ``status``; nothing while the session is open
    (what it shows may still change, and the domain keeps only decided ones).

    - ``decided_at``: the latest review (``reviews[]``) that set this very status; None for
      an automatic decision, whose report carries no decision time.
    - ``document_type`` / ``issuing_country``: ``document_type`` and ``issuing_state`` of
      the first ``id_verifications[]`` item that names a document type.
    - ``decline_reason`` (Declined only): the distinct risk codes of the ``error`` warnings
      (those whose configured action is Decline) of every feature, in report order, at most
      500 characters; or, for a reviewer's decline without one, a fixed sentence.
    """
    if status.is_open or not isinstance(report, Mapping):
        return DecidedFields()
    document_type, country = _document(report)
    reason = _decline_reason(report) if status is VerificationStatus.DECLINED else None
    return DecidedFields(_reviewed_at(report, status), document_type, country, reason)


def _items(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, Mapping))


def _document(report: Mapping[str, Any]) -> tuple[str | None, str | None]:
    for item in _items(report.get("id_verifications")):
        kind = item.get("document_type")
        if isinstance(kind, str) and kind.strip() and kind.isprintable():
            country = item.get("issuing_state")
            country = country.strip().upper() if isinstance(country, str) else ""
            return (" ".join(kind.split())[:MAX_DOCUMENT_TYPE],
                    country if _COUNTRY.fullmatch(country) else None)
    return None, None


def _reviewed_at(report: Mapping[str, Any], status: VerificationStatus) -> datetime | None:
    times = [_parse_time(review.get("created_at")) for review in _items(report.get("reviews"))
             if review.get("new_status") == status.value]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _decline_reason(report: Mapping[str, Any]) -> str | None:
    codes: list[str] = []
    # The report's own warnings, then each feature's (id_verifications[], liveness_checks[],
    # ...: every list of objects; Didit adds features over time).
    blocks = [report, *(item for value in report.values() for item in _items(value))]
    for block in blocks:
        for warning in _items(block.get("warnings")):
            risk = warning.get("risk")
            if warning.get("log_type") == "error" and isinstance(risk, str) \
                    and _RISK.fullmatch(risk) and risk not in codes:
                codes.append(risk)
    reason = ""
    for code in codes:
        longer = f"{reason}, {code}" if reason else code
        if len(longer) > MAX_DECLINE_REASON:
            break
        reason = longer
    if reason:
        return reason
    reviewed = any(review.get("new_status") == VerificationStatus.DECLINED.value
                   for review in _items(report.get("reviews")))
    return _REVIEWER_DECLINED if reviewed else None


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        c.isspace() for c in value)


def _retry_after(response: requests.Response) -> int | None:
    """``Retry-After`` in seconds when it is a plain number; None otherwise."""
    value = (response.headers.get("Retry-After") or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


# --------------------------------------------------------------------------------------------
# webhooks
# --------------------------------------------------------------------------------------------
SIGNATURE_HEADER = "X-Signature"
SIGNATURE_V2_HEADER = "X-Signature-V2"
# The inbox's columns: event_id is at most 255 characters, event_type 100.
_MAX_EVENT_ID, _MAX_EVENT_TYPE = 255, 100


def shorten_floats(value: Any) -> Any:
    """Didit's normalisation before signing, at any depth: a whole float (``100.0``) becomes
    an int (``100``); everything else stays as it is."""
    if isinstance(value, dict):
        return {key: shorten_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shorten_floats(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_v2(payload: Any) -> bytes:
    """The bytes ``X-Signature-V2`` covers. Raises ``UnicodeEncodeError`` for a string with
    a lone surrogate (``"\\ud800"`` parses, but is no UTF-8: Didit cannot have signed it)."""
    return json.dumps(shorten_floats(payload), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class DiditWebhookAuthenticator:
    """The ``WebhookAuthenticator`` of Didit's deliveries; ``secret`` is the application's
    Webhook Secret Key (as Didit shows it), ``tolerance`` in seconds."""

    provider = PROVIDER

    def __init__(self, secret: str, clock: Clock, tolerance: int = 300) -> None:
        if not secret.strip():
            raise ValueError("the Didit webhook secret is empty")
        if tolerance <= 0:
            raise ValueError("the webhook tolerance must be a positive number of seconds")
        self._key, self._clock, self._tolerance = secret.encode("utf-8"), clock, tolerance

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        v2, raw = header_value(headers, SIGNATURE_V2_HEADER), header_value(headers,
                                                                            SIGNATURE_HEADER)
        if not v2 and not raw:
            raise InvalidSignature("the Didit delivery has no X-Signature-V2 or X-Signature")
        try:
            envelope = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise InvalidSignature("the Didit delivery is not JSON") from None
        if not isinstance(envelope, dict):
            raise InvalidSignature("the Didit delivery is not a JSON object")
        if not (self._signs(v2, lambda: canonical_v2(envelope))
                or self._signs(raw, lambda: body)):
            raise InvalidSignature("the Didit signature does not match the delivery")
        timestamp = envelope.get("timestamp")
        if not isinstance(timestamp, int) or isinstance(timestamp, bool):
            raise InvalidSignature("the Didit delivery has no timestamp")
        if abs(self._clock.now().timestamp() - timestamp) > self._tolerance:
            raise InvalidSignature(f"the Didit delivery is not signed within "
                                   f"{self._tolerance} s")
        event_id = _text(envelope.get("event_id"), _MAX_EVENT_ID)
        event_type = _text(envelope.get("webhook_type"), _MAX_EVENT_TYPE)
        if event_id is None or event_type is None:
            raise InvalidSignature("the Didit delivery has no event_id or webhook_type")
        return WebhookEvent(PROVIDER, event_id, event_type, reduced_payload(envelope))

    def _signs(self, given: str | None, message: Callable[[], bytes]) -> bool:
        """Whether ``given`` is the HMAC of ``message()``, compared in constant time."""
        if not given:
            return False
        try:
            signed = message()
        except UnicodeEncodeError:
            return False
        expected = hmac.new(self._key, signed, hashlib.sha256).hexdigest().encode("ascii")
        return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))


def reduced_payload(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """What the inbox keeps of a verified delivery (see the module). A decided status with
    no reviewer's time takes the delivery's ``created_at`` (when Didit emitted the change;
    ``timestamp`` is re-signed on every retry) as its decision time."""
    status = read_status(envelope.get("status"))
    kept = decided_fields(envelope.get("decision"), status) if status else DecidedFields()
    decided_at = kept.decided_at
    if decided_at is None and status is not None and not status.is_open:
        decided_at = _from_unix(envelope.get("created_at"))
    return {
        "session_id": _text(envelope.get("session_id"), 64),
        "status": _text(envelope.get("status"), 40),
        "vendor_data": _text(envelope.get("vendor_data"), 255),
        "webhook_type": envelope.get("webhook_type"),
        "timestamp": envelope.get("timestamp"),
        "decided_at": decided_at.isoformat() if decided_at else None,
        "document_type": kept.document_type,
        "issuing_country": kept.issuing_country,
        "decline_reason": kept.decline_reason,
    }


def _text(value: Any, limit: int) -> str | None:
    """``value`` when it is a non-empty string of at most ``limit`` characters."""
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _from_unix(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
