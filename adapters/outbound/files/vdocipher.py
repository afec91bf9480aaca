"""VdoCipher's server API over plain ``requests`` (vendor-contracts.md, section 8; there is
no official Python SDK).

- ``POST {base}/videos/{videoId}/otp`` with a JSON body (``ttl`` in seconds, ``annotate``,
  ``userId``) answers ``{"otp", "playbackInfo"}`` for one viewer's player.
- ``PUT {base}/videos?title=..&folderId=..`` creates an empty video and answers the S3 POST
  policy (``clientPayload``) the teacher's browser uploads the source file with.

Both send ``Authorization: Apisecret <secret>``. Failures: an unknown video (404) is
``LookupError``; a refused secret (401/403) is ``DeliveryFailed`` with an ERROR line (the
operator must fix VDOCIPHER's secret); 429 (``Retry-After`` into ``retry_after``), 5xx, a
timeout, a connection error or an answer we cannot read is ``DeliveryFailed`` with a WARNING.
Neither the secret nor the viewer (name, email, IP) is ever logged; VdoCipher's own error text
is left out too, since it may echo the watermark back."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from application.files.ports import VideoPlayback, VideoUploadTicket, Viewer
from application.shared.errors import DeliveryFailed

log = logging.getLogger(__name__)

PROVIDER = "vdocipher"
DEFAULT_BASE_URL = "https://dev.vdocipher.com/api"
MIN_TTL = timedelta(seconds=300)  # VdoCipher recommends at least 5 minutes for an OTP
MAX_TITLE = 200

# Ids go into the URL path: only letters and digits, so no "../", "?" or "%2f" can steer
# the request to another endpoint. VdoCipher's video ids are 32 hex; folder ids too, or "root".
_ID = re.compile(r"[A-Za-z0-9]{1,64}")
# VdoCipher's documented limit for ``userId`` (viewer analytics); other ids are left out.
_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
_UPLOAD_FIELDS = ("policy", "key", "x-amz-signature", "x-amz-algorithm", "x-amz-date",
                  "x-amz-credential")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

# The moving watermark: VdoCipher's documented ``rtext`` defaults (strings, as its docs give
# them): 60 % opaque red, 15 px, moving every 5000 ms and hidden 5000 ms between moves.
_WATERMARK_STYLE = {"alpha": "0.60", "color": "0xFF0000", "size": "15", "interval": "5000",
                    "skip": "5000"}


class _ApisecretAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Apisecret <secret>``. Passing it as ``auth`` also keeps requests
    from replacing the header with credentials from a ``~/.netrc``, and its repr shows no
    secret."""

    def __init__(self, secret: str) -> None:
        self._header = f"Apisecret {secret}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "<Apisecret ***>"


class VdoCipherVideoVault:
    """The ``VideoVault`` port on VdoCipher. ``timeout`` is per request, in seconds."""

    provider = PROVIDER

    def __init__(self, api_secret: str, base_url: str = DEFAULT_BASE_URL,
                 timeout: float = 10.0) -> None:
        if not api_secret.strip():
            raise ValueError("the VdoCipher API secret is empty")
        base = base_url.strip().rstrip("/")
        parts = urlsplit(base)
        # The secret travels in a header: plain http only to this machine (the local fake).
        if parts.scheme != "https" and not (parts.scheme == "http"
                                            and parts.hostname in _LOCAL_HOSTS):
            raise ValueError("the VdoCipher base URL must be https:// (http only for localhost)")
        if timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        self.base_url = base
        self._timeout = timeout
        self._auth = _ApisecretAuth(api_secret.strip())
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json",
                                       "Content-Type": "application/json"})

    def upload_ticket(self, title: str, folder_id: str | None) -> VideoUploadTicket:
        """Creates an empty video titled ``title`` (1 to 200 characters once stripped) in
        ``folder_id`` (None: VdoCipher's root folder) and returns its S3 upload form.
        Each call is a new video."""
        clean = title.strip()
        if not 1 <= len(clean) <= MAX_TITLE:
            raise ValueError(f"a video title is 1 to {MAX_TITLE} characters")
        params = {"title": clean}
        if folder_id is not None:
            if not _ID.fullmatch(folder_id):
                raise ValueError("a VdoCipher folder id is 1 to 64 letters or digits")
            params["folderId"] = folder_id
        answer = self._call("PUT", f"{self.base_url}/videos", "upload credentials",
                            params=params)
        payload = answer.get("clientPayload")
        video_id = answer.get("videoId")
        if not (isinstance(payload, dict) and isinstance(video_id, str)
                and _ID.fullmatch(video_id) and isinstance(payload.get("uploadLink"), str)
                and all(isinstance(payload.get(name), str) for name in _UPLOAD_FIELDS)):
            log.warning("VdoCipher answered upload credentials without a complete "
                        "clientPayload and videoId", extra={"provider": PROVIDER})
            raise DeliveryFailed("VdoCipher answered upload credentials we cannot use")
        fields = {name: payload[name] for name in _UPLOAD_FIELDS}
        # S3 answers 201 instead of redirecting; the browser appends the file last.
        fields["success_action_status"] = "201"
        fields["success_action_redirect"] = ""
        log.info("video created", extra={"provider": PROVIDER, "video_id": video_id})
        return VideoUploadTicket(video_id=video_id, upload_url=payload["uploadLink"],
                                 fields=fields)

    def playback(self, video_id: str, viewer: Viewer, ttl: timedelta) -> VideoPlayback:
        """An OTP for one viewer of ``video_id``, valid for ``ttl`` (at least 300 s; sent in
        whole seconds), with a moving watermark of the viewer's name, email and IP."""
        if ttl < MIN_TTL:
            raise ValueError(f"a playback grant lasts at least {int(MIN_TTL.total_seconds())} s")
        if not _ID.fullmatch(video_id):
            raise ValueError("a VdoCipher video id is 1 to 64 letters or digits")
        body: dict[str, Any] = {"ttl": int(ttl.total_seconds()), "annotate": _annotate(viewer)}
        if _USER_ID.fullmatch(viewer.user_id):
            body["userId"] = viewer.user_id
        answer = self._call("POST", f"{self.base_url}/videos/{video_id}/otp", "an OTP",
                            json=body, video_id=video_id)
        otp, info = answer.get("otp"), answer.get("playbackInfo")
        if not (isinstance(otp, str) and otp and isinstance(info, str) and info):
            log.warning("VdoCipher answered an OTP request without otp and playbackInfo",
                        extra={"provider": PROVIDER, "video_id": video_id})
            raise DeliveryFailed("VdoCipher answered an OTP request we cannot use")
        return VideoPlayback(otp=otp, playback_info=info)

    def _call(self, method: str, url: str, what: str, *, video_id: str | None = None,
              **kwargs: Any) -> dict[str, Any]:
        """One API call; VdoCipher's JSON object answer, or the port's errors."""
        extra = {"provider": PROVIDER, "video_id": video_id}
        try:
            response = self._session.request(method, url, auth=self._auth,
                                             timeout=self._timeout, **kwargs)
        except requests.Timeout as error:
            log.warning("VdoCipher did not answer for %s within %s s", what, self._timeout,
                        extra=extra)
            raise DeliveryFailed(f"VdoCipher did not answer within {self._timeout} s") \
                from error
        except requests.RequestException as error:
            log.warning("VdoCipher could not be reached for %s (%s)", what,
                        type(error).__name__, extra=extra)
            raise DeliveryFailed(
                f"VdoCipher could not be reached ({type(error).__name__})") from error
        status = response.status_code
        if status in (401, 403):
            log.error("VdoCipher refused our API secret (HTTP %s) asking for %s: check "
                      "VDOCIPHER_API_SECRET", status, what, extra=extra)
            raise DeliveryFailed(f"VdoCipher refused the API secret (HTTP {status}): the "
                                 "operator must check VDOCIPHER_API_SECRET")
        if status == 404:
            # The contracts mark this 404 as unverified; any 404 here is "no such thing".
            if video_id is not None:
                raise LookupError(f"VdoCipher has no video {video_id}")
            raise LookupError("VdoCipher does not know the folder (HTTP 404)")
        if status == 429:
            wait = _retry_after(response)
            log.warning("VdoCipher is rate limiting %s (HTTP 429, Retry-After %s s)", what,
                        wait, extra=extra)
            raise DeliveryFailed("VdoCipher is rate limiting us (HTTP 429)", wait)
        if status >= 500:
            log.warning("VdoCipher failed asking for %s (HTTP %s)", what, status, extra=extra)
            raise DeliveryFailed(f"VdoCipher failed (HTTP {status})", _retry_after(response))
        if not 200 <= status < 300:
            # Another 4xx means eduport sent something VdoCipher will not take: a bug or a
            # setting to fix, not the viewer's doing; retrying as-is would not help.
            log.error("VdoCipher refused our request for %s (HTTP %s)", what, status,
                      extra=extra)
            raise DeliveryFailed(f"VdoCipher refused the request (HTTP {status})")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            log.warning("VdoCipher answered %s with a body that is not a JSON object "
                        "(HTTP %s)", what, status, extra=extra)
            raise DeliveryFailed(f"VdoCipher answered {what} with a body we cannot read")
        return answer


def _annotate(viewer: Viewer) -> str:
    """The ``annotate`` value: a JSON-encoded string (not an array) of one moving text.

    VdoCipher's docs write it as single-quoted pseudo-JSON; ``json.dumps`` of the list gives
    valid JSON with double quotes, and its escaping keeps quotes in a name from breaking it.
    ``ensure_ascii=False`` keeps non-Latin names as characters rather than ``\\u`` escapes
    in the watermark's own text (the outer request body is still escaped JSON)."""
    text = " · ".join(" ".join(part.split()) for part in
                      (viewer.name, viewer.email, viewer.ip_address))
    return json.dumps([{"type": "rtext", "text": text, **_WATERMARK_STYLE}],
                      ensure_ascii=False)


def _retry_after(response: requests.Response) -> int | None:
    """``Retry-After`` in seconds when it is a plain number; None otherwise."""
    value = (response.headers.get("Retry-After") or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None
