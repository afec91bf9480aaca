"""A local fake of VdoCipher's server API (OTP and upload credentials) and of the S3 POST
upload its credentials are for, written from vendor-contracts.md section 8 and VdoCipher's
docs (server/upload/credentials, server/upload/file, playback OTP)::

    with FakeVdoCipher(api_secret="vdo-test") as fake:
        video_id = fake.add_video()
        r = requests.post(f"{fake.url}/videos/{video_id}/otp", json={"ttl": 300},
                          headers={"Authorization": "Apisecret vdo-test"}, timeout=5)
        assert set(r.json()) == {"otp", "playbackInfo"}

Wire behaviour reproduced:

- ``Authorization`` must be exactly ``Apisecret <secret>``, else 401 ``{"message": ...}``.
- ``PUT /videos?title=..[&folderId=..]`` (title required, else 400) creates a video with a
  32-hex id and answers ``{"clientPayload": {policy, key, x-amz-signature, x-amz-algorithm,
  x-amz-date, x-amz-credential, uploadLink}, "videoId"}``; ``uploadLink`` is ``{url}/upload``.
- ``POST /videos/{id}/otp`` wants ``Content-Type: application/json`` and a JSON object whose
  ``ttl`` is an integer >= 1, whose ``annotate`` is a *string* holding a JSON list of objects
  with string ``type`` and ``text``, and whose ``userId`` is <= 36 of ``[A-Za-z0-9_-]``; a
  body that breaks a rule is 400 ``{"message": ...}`` (and lands in ``invalid_requests``).
  An unknown video is 404 ``{"message": "Video not found"}`` (the contracts mark this
  unverified). Success is 200 ``{"otp": <64 hex>, "playbackInfo": <base64 of
  {"videoId": id}>}``.
- ``POST /upload`` takes the browser's ``multipart/form-data`` the way S3 does for these
  credentials: every policy field matching what was issued, ``success_action_status=201``,
  the ``file`` part last; answers 201 with S3's XML ``PostResponse`` and marks the video
  uploaded, else 400/403 with S3's XML ``Error``. No ``Apisecret`` there: the policy is the
  credential.

The fake is stricter than VdoCipher in one way: the docs write ``annotate`` as single-quoted
pseudo-JSON, which the real API takes; here it must be valid JSON, what eduport sends.

``requests[i].params`` is the decoded JSON body of an OTP request (None when it did not
parse), the query string (``{"title", "folderId"}``) of a PUT, the form fields of an upload.
Faults: ``fail_next`` (4xx/5xx, ``Retry-After``, optional non-JSON body), ``malform_next``
(a 200 with a body of your choosing), ``delay_next`` (for timeouts).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = ["DEFAULT_API_SECRET", "FakeVdoCipher", "IssuedOtp", "VdoCipherVideo"]

JSON = dict[str, Any]

_OTP_PATH = re.compile(r"^/videos/(?P<id>[^/]+)/otp$")
_USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_STRING_RULES = ("whitelisthref", "ipGeoRules", "licenseRules")  # documented JSON-string knobs
_UPLOAD_FIELDS = ("policy", "key", "x-amz-signature", "x-amz-algorithm", "x-amz-date",
                  "x-amz-credential")
_PART_NAME = re.compile(rb'content-disposition:\s*form-data;\s*name="([^"]*)"', re.IGNORECASE)
_BUCKET = "vdocipher-fake-uploads"
DEFAULT_API_SECRET = "vdo-test-secret-0123456789abcdef"  # test-only; Authorization must match


@dataclass
class VdoCipherVideo:
    """One video of the account. ``policy`` holds the upload form fields issued for it (empty
    for a video registered with ``add_video``); ``source`` the uploaded file's bytes."""

    id: str
    title: str
    folder_id: str
    policy: dict[str, str] = field(default_factory=dict)
    uploaded: bool = False
    source: bytes | None = None
    filename: str | None = None


@dataclass(frozen=True)
class IssuedOtp:
    """One OTP the fake handed out, with what it was asked for (``annotate`` decoded)."""

    video_id: str
    otp: str
    playback_info: str
    ttl: int | None
    annotate: list[JSON] | None
    user_id: str | None
    body: JSON


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FakeVdoCipher(FakeVendorServer):
    """VdoCipher's API. ``videos`` by id, ``otps`` issued, ``requests`` everything,
    ``invalid_requests`` the API requests answered 400."""

    def __init__(self, api_secret: str = DEFAULT_API_SECRET) -> None:
        super().__init__()
        self.api_secret = api_secret
        self.videos: dict[str, VdoCipherVideo] = {}
        self.otps: list[IssuedOtp] = []
        self.invalid_requests: list[RecordedRequest] = []
        self._malformed: deque[tuple[str, str]] = deque()
        self._signing_key = secrets.token_bytes(32)

    # ---------------------------------------------------------------- test controls
    def add_video(self, video_id: str | None = None, *, title: str = "Test video",
                  folder_id: str = "root", uploaded: bool = True) -> str:
        """Registers a video directly (32 random hex when ``video_id`` is None); its id."""
        video_id = video_id or secrets.token_hex(16)
        with self._lock:
            self.videos[video_id] = VdoCipherVideo(video_id, title, folder_id,
                                                   uploaded=uploaded)
        return video_id

    def video(self, video_id: str) -> VdoCipherVideo:
        with self._lock:
            return self.videos[video_id]

    def fail_next(self, n: int = 1, status: int = 500, *, retry_after: int | None = None,
                  body: str | None = None) -> None:
        """Answer the next ``n`` authenticated API calls with ``status``; nothing happens.

        The body is ``{"message": ...}`` unless ``body`` is given (sent as ``text/html``, for
        a proxy's error page); ``retry_after`` adds a ``Retry-After`` header (seconds)."""
        self._queue_failures(n, InjectedFailure(status, {"retry_after": retry_after,
                                                         "body": body}))

    def malform_next(self, n: int = 1, body: str = "<html>OK</html>",
                     content_type: str = "text/html") -> None:
        """Answer the next ``n`` authenticated API calls with 200 and ``body`` instead of
        the real answer (nothing is created or issued)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._malformed.extend([(body, content_type)] * n)

    def clear_faults(self) -> None:
        with self._lock:
            super().clear_faults()
            self._malformed.clear()

    def clear_log(self) -> None:
        """Forgets ``requests``, ``invalid_requests`` and ``otps`` (videos stay), for a fake
        shared by several tests."""
        with self._lock:
            self.requests.clear()
            self.invalid_requests.clear()
            self.otps.clear()

    # ---------------------------------------------------------------- HTTP plumbing
    def handle(self, request: Request) -> Response:
        if request.path == "/upload":
            return self._upload(request)
        raw = request.get_data(cache=True)
        params: Any
        if request.method == "PUT":
            params = request.args.to_dict()
        else:
            try:
                params = json.loads(raw) if raw else {}
            except ValueError:
                params = None
        recorded = self._record(request, params)
        expected = f"Apisecret {self.api_secret}".encode()
        given = request.headers.get("Authorization", "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, expected):
            return self._respond(recorded, 401, {"message": "Invalid API secret"})
        otp_match = _OTP_PATH.match(request.path)
        if request.method == "PUT" and request.path == "/videos":
            action = self._create_video
        elif request.method == "POST" and otp_match is not None:
            action = self._issue_otp
        else:
            return self._respond(recorded, 404, {"message": "Not found"})
        self._sleep(self._pop_delay())
        failure = self._pop_failure()
        if failure is not None:
            return self._injected(recorded, failure)
        malformed = self._pop_malformed()
        if malformed is not None:
            recorded.status, recorded.response = 200, malformed[0]
            return Response(malformed[0], status=200, mimetype=malformed[1])
        try:
            return action(request, recorded)
        except _BadRequest as error:
            with self._lock:
                self.invalid_requests.append(recorded)
            return self._respond(recorded, 400, {"message": error.message})

    def _create_video(self, request: Request, recorded: RecordedRequest) -> Response:
        title = request.args.get("title", "").strip()
        if not title:
            raise _BadRequest("title is required")
        folder_id = request.args.get("folderId") or "root"
        video_id = secrets.token_hex(16)
        policy = self._policy(video_id)
        with self._lock:
            self.videos[video_id] = VdoCipherVideo(video_id, title, folder_id, policy=policy,
                                                   uploaded=False)
        payload = {**policy, "uploadLink": f"{self.url}/upload"}
        return self._respond(recorded, 200, {"clientPayload": payload, "videoId": video_id})

    def _issue_otp(self, request: Request, recorded: RecordedRequest) -> Response:
        if request.mimetype != "application/json":
            raise _BadRequest("Content-Type must be application/json")
        body = recorded.params
        if not isinstance(body, dict):
            raise _BadRequest("the body must be a JSON object")
        ttl = body.get("ttl")
        if "ttl" in body and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 1):
            raise _BadRequest("ttl must be a positive integer (seconds)")
        annotate = _annotations(body) if "annotate" in body else None
        recorded.extra["annotate"] = annotate
        user_id = body.get("userId")
        if "userId" in body and not (isinstance(user_id, str) and _USER_ID.match(user_id)):
            raise _BadRequest("userId must be at most 36 letters, digits, '-' or '_'")
        for name in _STRING_RULES:
            if name in body and not isinstance(body[name], str):
                raise _BadRequest(f"{name} must be a string")
        match = _OTP_PATH.match(request.path)
        assert match is not None  # handle() routed here on this very match
        video_id = match["id"]
        with self._lock:
            known = video_id in self.videos
        if not known:
            return self._respond(recorded, 404, {"message": "Video not found"})
        info = base64.b64encode(json.dumps({"videoId": video_id}).encode()).decode()
        issued = IssuedOtp(video_id, secrets.token_hex(32), info, ttl, annotate, user_id, body)
        with self._lock:
            self.otps.append(issued)
        return self._respond(recorded, 200, {"otp": issued.otp, "playbackInfo": info})

    # ---------------------------------------------------------------- S3 POST upload
    def _policy(self, video_id: str) -> dict[str, str]:
        """A POST policy shaped like the one VdoCipher hands out (AWS SigV4 field names)."""
        now = datetime.now(UTC)
        key = f"orig/{video_id}"
        document = {
            "expiration": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": [{"bucket": _BUCKET}, {"key": key},
                           {"success_action_status": "201"},
                           ["starts-with", "$success_action_redirect", ""]],
        }
        policy = base64.b64encode(json.dumps(document).encode()).decode()
        signature = hmac.new(self._signing_key, policy.encode(), hashlib.sha256).hexdigest()
        return {
            "policy": policy,
            "key": key,
            "x-amz-signature": signature,
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
            "x-amz-credential": f"AKIAFAKEVDOCIPHER/{now:%Y%m%d}/ap-southeast-1/s3/aws4_request",
        }

    def _upload(self, request: Request) -> Response:
        raw = request.get_data(cache=True)
        recorded = self._record(request, None)  # raw body cached before the form is parsed
        form = request.form.to_dict()
        recorded.params = form
        if request.method != "POST" or request.mimetype != "multipart/form-data":
            return self._s3_error(recorded, 400, "InvalidRequest",
                                  "POST requires multipart/form-data")
        with self._lock:
            video = next((v for v in self.videos.values()
                          if v.policy and v.policy["key"] == form.get("key")), None)
        if video is None or any(form.get(name) != video.policy[name] for name in _UPLOAD_FIELDS):
            return self._s3_error(recorded, 403, "AccessDenied",
                                  "Invalid according to Policy: Policy Condition failed")
        if form.get("success_action_status") != "201" or "success_action_redirect" not in form:
            return self._s3_error(recorded, 403, "AccessDenied",
                                  "Invalid according to Policy: Policy Condition failed")
        names = [name.decode("utf-8", "replace") for name in _PART_NAME.findall(raw)]
        upload = request.files.get("file")
        if upload is None or not names or names[-1] != "file":
            # S3 ignores every field after the file, so a file that is not last loses them.
            return self._s3_error(recorded, 400, "InvalidArgument",
                                  "POST requires exactly one file upload per request, "
                                  "sent as the last field")
        data = upload.read()
        with self._lock:
            video.uploaded, video.source, video.filename = True, data, upload.filename
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse>"
                f"<Location>{escape(self.url)}/upload/{escape(video.policy['key'])}</Location>"
                f"<Bucket>{_BUCKET}</Bucket><Key>{escape(video.policy['key'])}</Key>"
                f"<ETag>\"{etag}\"</ETag></PostResponse>")
        recorded.status, recorded.response = 201, body
        return Response(body, status=201, mimetype="application/xml")

    @staticmethod
    def _s3_error(recorded: RecordedRequest, status: int, code: str, message: str) -> Response:
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                f"<Message>{escape(message)}</Message></Error>")
        recorded.status, recorded.response = status, body
        return Response(body, status=status, mimetype="application/xml")

    # ---------------------------------------------------------------- helpers
    def _pop_malformed(self) -> tuple[str, str] | None:
        with self._lock:
            return self._malformed.popleft() if self._malformed else None

    def _injected(self, recorded: RecordedRequest, failure: InjectedFailure) -> Response:
        body = failure.options.get("body")
        if body is not None:
            recorded.status, recorded.response = failure.status, body
            response = Response(body, status=failure.status, mimetype="text/html")
        else:
            text = "Too many requests" if failure.status == 429 else "Internal server error"
            response = self._respond(recorded, failure.status, {"message": text})
        retry_after = failure.options.get("retry_after")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @staticmethod
    def _respond(recorded: RecordedRequest, status: int, body: JSON) -> Response:
        recorded.status = status
        recorded.response = body
        return Response(json.dumps(body), status=status, mimetype="application/json")


def _annotations(body: JSON) -> list[JSON]:
    """``annotate`` decoded, or ``_BadRequest``: a string holding a JSON list of objects with
    string ``type`` and ``text`` (a raw array is what the contracts warn against)."""
    annotate = body["annotate"]
    if not isinstance(annotate, str):
        raise _BadRequest("annotate must be a JSON-encoded string")
    try:
        items = json.loads(annotate)
    except ValueError as error:
        raise _BadRequest("annotate is not valid JSON") from error
    if not isinstance(items, list) or not items:
        raise _BadRequest("annotate must be a list of annotations")
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("type"), str)
                and isinstance(item.get("text"), str)):
            raise _BadRequest("each annotation needs a string type and text")
    return items
