"""A local fake of Didit's v3 sessions API and of the way Didit signs its webhooks, written
from vendor-contracts.md §3 (and its fake-server checklist) and docs.didit.me ("Sessions
API": create, retrieve, delete session; "Webhooks")::

    with FakeDidit() as didit:
        r = requests.post(f"{didit.url}/v3/session/", timeout=5,
                          headers={"x-api-key": didit.api_key},
                          json={"workflow_id": didit.workflow_id, "vendor_data": "user-1",
                                "callback": "https://app.example.test/back"})
        assert r.status_code == 201 and r.json()["status"] == "Not Started"

Wire behaviour reproduced:

- ``x-api-key``: none is 403, another key 401, both ``{"detail": ...}`` (Didit documents the
  statuses; its exact texts are not documented).
- Paths end in a slash, as Didit's do; without it (or any other path) 404
  ``{"detail": "Not found."}``; a known path with another method 405.
- ``POST /v3/session/`` wants a JSON object: ``workflow_id`` (required, a UUID, else 400
  ``{"workflow_id": [...]}`` naming the field; one the fake does not know is 404),
  ``vendor_data`` a string, ``callback`` an absolute http(s) URL (else 400
  ``{"callback": [...]}``). 201 ``{session_id, session_number, session_token, url,
  vendor_data, metadata, status: "Not Started", callback, workflow_id, workflow_version}``,
  ``url`` being ``https://verify.didit.me/session/<token>``. For a ``vendor_data`` whose
  session on the workflow is unfinished (Not Started, In Progress, Resubmitted, Awaiting
  User) that same session comes back, still 201, with callback and metadata updated.
- ``GET /v3/session/{id}/decision/`` answers the decision report shaped like the docs'
  example: every feature block ``null`` until it ran; once ``decide`` ran, the personal data
  Didit includes (names, date of birth, document number, image URLs, IP, a reviewer's
  comment, warnings' ``additional_data``), which is what the adapter must leave out.
- ``DELETE /v3/session/{id}/delete/`` answers 204 and the session is gone: its decision and
  a second delete are 404.
- An unknown session is 404 ``{"detail": "Not found."}``.

Test controls: ``decide`` (a session's status and report), ``fail_next`` (4xx/5xx, with
``Retry-After``, or a non-JSON body), ``malform_next`` (a 2xx body of your choosing),
``delay_next`` (timeouts) and ``hold_next`` from the base class. ``webhook`` builds a
delivery of a session's current state as Didit sends it (``sign_webhook``: canonical sorted
compact ASCII-escaped JSON with whole floats as ints, and the ``X-Signature``,
``X-Signature-V2``, ``X-Signature-Simple`` and ``X-Timestamp`` headers); ``send_webhook``
posts one to a URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = ["DEFAULT_API_KEY", "DEFAULT_WEBHOOK_SECRET", "DEFAULT_WORKFLOW_ID", "DiditSession",
           "FakeDidit", "didit_body", "send_webhook", "sign_webhook", "simple_signature"]

JSON = dict[str, Any]

DEFAULT_API_KEY = "didit-test-key-0123456789abcdef"  # test-only
DEFAULT_WORKFLOW_ID = "3f9b1c5e-8d2a-4e7f-9b6c-1a2b3c4d5e6f"
DEFAULT_WEBHOOK_SECRET = "didit-test-webhook-secret"  # test-only
UNFINISHED = frozenset({"Not Started", "In Progress", "Resubmitted", "Awaiting User"})
# The statuses whose webhook carries the full decision (docs.didit.me, "Webhooks").
WITH_DECISION = frozenset({"Approved", "Declined", "In Review", "Abandoned"})
FEATURE_BLOCKS = ("id_verifications", "nfc_verifications", "liveness_checks", "face_matches",
                  "poa_verifications", "phone_verifications", "email_verifications",
                  "aml_screenings", "ip_analyses", "database_validations",
                  "questionnaire_responses")

_DECISION_PATH = re.compile(r"^/v3/session/(?P<id>[^/]+)/decision/$")
_DELETE_PATH = re.compile(r"^/v3/session/(?P<id>[^/]+)/delete/$")
_NOT_FOUND = {"detail": "Not found."}


@dataclass
class DiditSession:
    """One session at the fake. ``report`` holds what ``decide`` set (feature blocks,
    reviews); ``status_changed_at`` (Unix seconds) is a webhook's ``created_at``."""

    session_id: str
    session_number: int
    session_token: str
    workflow_id: str
    vendor_data: str | None
    callback: str | None
    metadata: Any
    created_at: datetime
    status: str = "Not Started"
    status_changed_at: int = 0
    report: JSON = field(default_factory=dict)
    deleted: bool = False

    @property
    def url(self) -> str:
        return f"https://verify.didit.me/session/{self.session_token}"


class _Refused(Exception):
    def __init__(self, status: int, body: JSON) -> None:
        super().__init__(status)
        self.status, self.body = status, body


# An endpoint: (request, its record, the session id in its path) -> (status, JSON body).
_Action = Callable[[Request, RecordedRequest, str], tuple[int, Any]]


class FakeDidit(FakeVendorServer):
    """Didit's API. ``sessions`` by id, ``requests`` everything it received."""

    workflow_version = 3

    def __init__(self, api_key: str = DEFAULT_API_KEY, workflow_id: str = DEFAULT_WORKFLOW_ID,
                 webhook_secret: str = DEFAULT_WEBHOOK_SECRET) -> None:
        super().__init__()
        self.api_key, self.workflow_id, self.webhook_secret = api_key, workflow_id, webhook_secret
        self.application_id = str(uuid.uuid4())
        self.sessions: dict[str, DiditSession] = {}
        self._numbers = itertools.count(1001)
        self._malformed: deque[tuple[int, str, str]] = deque()

    # ---------------------------------------------------------------- test controls
    def session(self, session_id: str) -> DiditSession:
        with self._lock:
            return self.sessions[session_id]

    def sessions_of(self, vendor_data: str) -> list[DiditSession]:
        with self._lock:
            return [s for s in self.sessions.values() if s.vendor_data == vendor_data]

    def decide(self, session_id: str, status: str, *, document_type: str | None = "Passport",
               issuing_state: str = "ESP", risks: Sequence[str] = (),
               reviewed_at: datetime | None = None) -> JSON:
        """Moves the session to ``status`` with a report as Didit would give it: an ID
        verification of ``document_type`` issued by ``issuing_state`` (none when
        ``document_type`` is None), a liveness check and a face match, an IP analysis, and
        one warning per risk code in ``risks`` (``error``, the Decline action, for a Declined
        session; ``warning`` otherwise). ``reviewed_at``: a reviewer set the status then.
        Answers the report."""
        node = "feature_ocr_1"
        warnings = [{"feature": "ID_VERIFICATION", "risk": risk,
                     "additional_data": {"date_of_birth": "1980-01-01",
                                         "document_number": "CAA000000"},
                     "log_type": "error" if status == "Declined" else "warning",
                     "short_description": risk.replace("_", " ").capitalize(),
                     "long_description": f"Carmen Española Española: {risk}",
                     "node_id": node} for risk in risks]
        feature_status = status if status in ("Approved", "Declined", "In Review") \
            else "Not Finished"
        report: JSON = {
            "liveness_checks": [{"node_id": "feature_liveness_1", "status": feature_status,
                                 "method": "PASSIVE", "score": 89.92, "age_estimation": 38.0,
                                 "reference_image": "https://media.example.test/ref.jpg",
                                 "video_url": "https://media.example.test/liveness.mp4",
                                 "warnings": []}],
            "face_matches": [{"node_id": "feature_face_1", "status": feature_status,
                              "score": 100.0, "source_image": "https://media.example.test/s.jpg",
                              "target_image": "https://media.example.test/t.jpg",
                              "warnings": []}],
            "ip_analyses": [{"node_id": "feature_ip_1", "status": "Approved",
                             "ip_address": "203.0.113.7", "ip_city": "Madrid",
                             "latitude": 40.4168, "longitude": -3.7038,
                             "device_fingerprint": "didit-fp-0123", "warnings": []}],
            "reviews": [],
        }
        if document_type is not None:
            report["id_verifications"] = [_id_verification(node, feature_status, document_type,
                                                           issuing_state, warnings)]
        if reviewed_at is not None:
            report["reviews"] = [{"user": "reviewer@example.test", "new_status": status,
                                  "comment": "Spoke to Carmen Española, DOB 1980-01-01",
                                  "created_at": reviewed_at.astimezone(UTC).isoformat()
                                  .replace("+00:00", "Z")}]
        with self._lock:
            session = self.sessions[session_id]
            session.status, session.report = status, report
            session.status_changed_at = int(time.time())
        return self._report(session)

    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: int | None = None,
                  body: str | None = None) -> None:
        """Answer the next ``n`` authenticated API calls with ``status``; nothing happens.
        The body is ``{"detail": ...}`` unless ``body`` is given (sent as ``text/html``: a
        proxy's page, or "" for none); ``retry_after`` adds ``Retry-After`` (seconds)."""
        self._queue_failures(n, InjectedFailure(status, {"retry_after": retry_after,
                                                         "body": body}))

    def malform_next(self, n: int = 1, body: str = "<html>OK</html>", status: int = 200,
                     content_type: str = "text/html") -> None:
        """Answer the next ``n`` authenticated API calls with ``status`` and ``body`` instead
        of the real answer (nothing is created, decided or deleted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._malformed.extend([(status, body, content_type)] * n)

    def clear_faults(self) -> None:
        with self._lock:
            super().clear_faults()
            self._malformed.clear()

    def webhook(self, session_id: str, webhook_type: str = "status.updated", *,
                secret: str | None = None, timestamp: int | None = None,
                event_id: str | None = None) -> tuple[bytes, dict[str, str]]:
        """A delivery of the session's current state, signed as Didit signs (``sign_webhook``)
        with ``secret`` (default: this fake's) at ``timestamp`` (default: now). The
        ``decision`` is included for Approved, Declined, In Review and Abandoned."""
        with self._lock:
            session = self.sessions[session_id]
            now = int(time.time()) if timestamp is None else timestamp
            payload: JSON = {
                "event_id": event_id or str(uuid.uuid4()), "webhook_type": webhook_type,
                "timestamp": now, "created_at": session.status_changed_at or now,
                "application_id": self.application_id, "environment": "sandbox",
                "session_id": session.session_id, "status": session.status,
                "workflow_id": session.workflow_id, "workflow_version": self.workflow_version,
                "vendor_data": session.vendor_data, "metadata": session.metadata,
            }
            if session.status in WITH_DECISION:
                payload["decision"] = self._report(session)
        return sign_webhook(secret or self.webhook_secret, payload)

    # ---------------------------------------------------------------- HTTP plumbing
    def handle(self, request: Request) -> Response:
        recorded = self._record(request, _json_or_none(request.get_data(cache=True)))
        given = request.headers.get("x-api-key", "")
        if not given:
            return _respond(recorded, 403,
                            {"detail": "Authentication credentials were not provided."})
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.api_key.encode()):
            return _respond(recorded, 401, {"detail": "Invalid API key."})
        route = self._route(request)
        if isinstance(route, Response):
            recorded.status = route.status_code
            return route
        self._sleep(self._pop_delay())
        failure = self._pop_failure()
        if failure is not None:
            return _injected(recorded, failure)
        with self._lock:
            malformed = self._malformed.popleft() if self._malformed else None
        if malformed is not None:
            recorded.status, recorded.response = malformed[0], malformed[1]
            return Response(malformed[1], status=malformed[0], mimetype=malformed[2])
        action, session_id = route
        try:
            status, body = action(request, recorded, session_id)
        except _Refused as refusal:
            return _respond(recorded, refusal.status, refusal.body)
        return _respond(recorded, status, body)

    def _route(self, request: Request) -> Response | tuple[_Action, str]:
        path, method = request.path, request.method
        decision, delete = _DECISION_PATH.match(path), _DELETE_PATH.match(path)
        routes = {"/v3/session/": ("POST", self._create, ""),
                  "decision": ("GET", self._decision, decision["id"] if decision else ""),
                  "delete": ("DELETE", self._delete, delete["id"] if delete else "")}
        key = "decision" if decision else "delete" if delete else path
        if key not in routes:
            return Response(json.dumps(_NOT_FOUND), status=404, mimetype="application/json")
        wanted, action, session_id = routes[key]
        if method != wanted:
            return Response(json.dumps({"detail": f'Method "{method}" not allowed.'}),
                            status=405, mimetype="application/json")
        return action, session_id

    def _create(self, request: Request, recorded: RecordedRequest, _: str) -> tuple[int, Any]:
        if request.mimetype != "application/json":
            raise _Refused(415, {"detail": f'Unsupported media type "{request.mimetype}" '
                                           "in request."})
        body = recorded.params
        if not isinstance(body, dict):
            raise _Refused(400, {"detail": "JSON parse error - the body is not an object"})
        workflow_id = _field(body, "workflow_id", _is_uuid, "Must be a valid UUID.",
                             required=True)
        vendor_data = _field(body, "vendor_data", lambda v: isinstance(v, str),
                             "Not a valid string.")
        callback = _field(body, "callback", _is_web_url, "Enter a valid URL.")
        if str(uuid.UUID(workflow_id)) != self.workflow_id:
            raise _Refused(404, {"detail": "Workflow not found."})
        with self._lock:
            session = next((s for s in self.sessions.values()
                            if vendor_data is not None and not s.deleted
                            and s.vendor_data == vendor_data and s.status in UNFINISHED
                            and s.workflow_id == self.workflow_id), None)
            if session is None:
                session = DiditSession(str(uuid.uuid4()), next(self._numbers),
                                       secrets.token_urlsafe(9), self.workflow_id,
                                       vendor_data, callback, body.get("metadata"),
                                       datetime.now(UTC))
                self.sessions[session.session_id] = session
            else:  # Didit hands the unfinished session back with these updated
                session.callback, session.metadata = callback, body.get("metadata")
            return 201, {"session_id": session.session_id,
                         "session_number": session.session_number,
                         "session_token": session.session_token, "url": session.url,
                         "vendor_data": session.vendor_data, "metadata": session.metadata,
                         "status": session.status, "callback": session.callback,
                         "workflow_id": session.workflow_id,
                         "workflow_version": self.workflow_version}

    def _decision(self, request: Request, recorded: RecordedRequest,
                  session_id: str) -> tuple[int, Any]:
        with self._lock:
            return 200, self._report(self._live(session_id))

    def _delete(self, request: Request, recorded: RecordedRequest,
                session_id: str) -> tuple[int, Any]:
        with self._lock:
            self._live(session_id).deleted = True
        return 204, None

    def _live(self, session_id: str) -> DiditSession:
        session = self.sessions.get(session_id)
        if session is None or session.deleted:
            raise _Refused(404, _NOT_FOUND)
        return session

    def _report(self, session: DiditSession) -> JSON:
        """The decision report (GET .../decision/, a webhook's ``decision``)."""
        report: JSON = {
            "session_id": session.session_id, "session_kind": "user",
            "session_number": session.session_number,
            "session_url": session.url, "status": session.status, "environment": "sandbox",
            "workflow_id": session.workflow_id,
            "features": ["ID_VERIFICATION", "LIVENESS", "FACE_MATCH", "IP_ANALYSIS"],
            "vendor_data": session.vendor_data, "metadata": session.metadata,
            "expected_details": None, "contact_details": None, "callback": session.callback,
            **dict.fromkeys(FEATURE_BLOCKS), "reviews": [],
            "created_at": session.created_at.isoformat().replace("+00:00", "Z"),
        }
        report.update(json.loads(json.dumps(session.report)))  # a copy, never the state
        return report


def _id_verification(node: str, status: str, document_type: str, issuing_state: str,
                     warnings: list[JSON]) -> JSON:
    """An ``id_verifications[]`` item with the fields of the docs' example."""
    media = "https://media.example.test"
    return {
        "node_id": node, "status": status, "document_type": document_type,
        "document_subtype": "PASSPORT_GENERIC", "document_number": "CAA000000",
        "personal_number": "99999999R", "portrait_image": f"{media}/portrait.jpg",
        "front_image": f"{media}/front.jpg", "back_image": f"{media}/back.jpg",
        "full_front_image": f"{media}/full_front.jpg", "date_of_birth": "1980-01-01",
        "age": 46, "expiration_date": "2031-06-30", "date_of_issue": "2021-07-01",
        "issuing_state": issuing_state, "issuing_state_name": "Spain",
        "first_name": "Carmen", "last_name": "Española Española",
        "full_name": "Carmen Española Española", "gender": "F",
        "address": "Calle Mayor 1, Madrid", "formatted_address": "Calle Mayor 1, 28013 Madrid",
        "place_of_birth": "Madrid", "nationality": "ESP", "warnings": warnings,
    }


def _json_or_none(raw: bytes) -> Any:
    """A request's JSON body; None when it has none or it is not JSON."""
    with contextlib.suppress(ValueError):
        return json.loads(raw) if raw else None
    return None


def _field(body: JSON, name: str, valid: Callable[[Any], bool], message: str, *,
           required: bool = False) -> Any:
    """``body[name]`` when ``valid`` says so; 400 naming the field otherwise, as Didit's
    validation errors do."""
    if name not in body or body[name] is None:
        if required:
            raise _Refused(400, {name: ["This field is required."]})
        return None
    if not valid(body[name]):
        raise _Refused(400, {name: [message]})
    return body[name]


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _is_web_url(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def _respond(recorded: RecordedRequest, status: int, body: Any) -> Response:
    recorded.status, recorded.response = status, body
    if body is None:
        return Response(status=status)
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _injected(recorded: RecordedRequest, failure: InjectedFailure) -> Response:
    text = failure.options.get("body")
    if text is None:
        detail = "Request was throttled." if failure.status == 429 else "Server error."
        response = _respond(recorded, failure.status, {"detail": detail})
    else:
        recorded.status, recorded.response = failure.status, text
        response = Response(text, status=failure.status, mimetype="text/html")
    if failure.options.get("retry_after") is not None:
        response.headers["Retry-After"] = str(failure.options["retry_after"])
    return response


# ---------------------------------------------------------------- webhook signing
def _whole_floats_as_ints(value: Any) -> Any:
    """What Didit's ``shorten_floats`` does before it serialises: 100.0 -> 100, any depth."""
    match value:
        case dict():
            return {key: _whole_floats_as_ints(item) for key, item in value.items()}
        case list():
            return list(map(_whole_floats_as_ints, value))
        case float() if value.is_integer():
            return int(value)
        case _:
            return value


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def didit_body(payload: JSON, *, ascii_only: bool = True) -> bytes:
    """The canonical form Didit sends (``ascii_only``) or signs for X-Signature-V2 (not)."""
    text = json.dumps(_whole_floats_as_ints(payload), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=ascii_only)
    return text.encode("utf-8")


def simple_signature(secret: str, payload: JSON) -> str:
    """``X-Signature-Simple``: the HMAC of ``"{timestamp}:{session_id}:{status}:{type}"``."""
    parts = (payload.get(name, "") for name in ("timestamp", "session_id", "status",
                                                 "webhook_type"))
    return _hmac_hex(secret, ":".join(str(part) for part in parts).encode("utf-8"))


def sign_webhook(secret: str, payload: JSON) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery of ``payload`` as Didit sends it."""
    body = didit_body(payload)
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "DiditWebhook/2.0 +https://didit.me",
        "X-Signature": _hmac_hex(secret, body),
        "X-Signature-V2": _hmac_hex(secret, didit_body(payload, ascii_only=False)),
        "X-Signature-Simple": simple_signature(secret, payload),
        "X-Timestamp": str(payload.get("timestamp", "")),
    }


def send_webhook(url: str, delivery: tuple[bytes, dict[str, str]],
                 timeout: float = 5) -> requests.Response:
    """POSTs a delivery (``FakeDidit.webhook`` or ``sign_webhook``) to ``url``."""
    body, headers = delivery
    return requests.post(url, data=body, headers=headers, timeout=timeout)
