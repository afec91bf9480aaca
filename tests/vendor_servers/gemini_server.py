"""A local fake of the Gemini Developer API's ``generateContent``, written from
vendor-contracts.md section 6::

    with FakeGemini() as gemini:
        client = genai.Client(api_key=gemini.api_key, http_options=types.HttpOptions(
            base_url=gemini.url, api_version="v1beta"))
        client.models.generate_content(model="gemini-2.5-flash", contents="hi")

Wire behaviour reproduced:

- ``POST /{v1beta|v1}/models/{model}:generateContent`` with ``x-goog-api-key``; camelCase
  JSON both ways; only 200 is success. A missing or wrong key is 400 ``INVALID_ARGUMENT``
  with ``details[].reason == "API_KEY_INVALID"`` (Gemini's answer, not 401); a model not in
  ``models`` is 404 ``NOT_FOUND``; a body that is not JSON or has no ``contents`` is 400.
  Errors are ``{"error": {"code", "message", "status", "details"}}``.
- The answer: ``candidates[0].content.parts[0].text`` with ``finishReason: "STOP"``,
  ``usageMetadata`` counting words (prompt: every text of the request; candidates: the
  answer's), ``modelVersion`` and ``responseId``. Without a scripted reply, a request with
  ``generationConfig.responseSchema`` (or ``responseJsonSchema``) is answered with a JSON
  document that fits that schema (strings name the field, arrays hold two items, enums take
  their first value, integers are 3); any other request with a short plain-text answer that
  quotes the start of the last user text.

Test controls: ``reply_next`` (a text or a JSON value, with a finish reason), ``block_prompt_next``
(no candidates, ``promptFeedback.blockReason``), ``block_answer_next`` (a candidate with
``finishReason: "SAFETY"`` and no content), ``rate_limit_next`` (429 ``RESOURCE_EXHAUSTED``
with a ``RetryInfo`` delay), ``fail_next`` (any 4xx/5xx in Gemini's error shape),
``html_next`` (a page that is not JSON), ``delay_next`` / ``hold_next``; ``requests`` /
``request_count`` / ``last`` / ``clear_log``. ``last.params`` is the request's JSON body."""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections import deque
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = ["DEFAULT_API_KEY", "FakeGemini"]

JSON = dict[str, Any]

DEFAULT_API_KEY = "gemini-test-key-0123456789abcdef"  # test-only
MODELS = ("gemini-2.5-flash", "gemini-2.5-pro")
_PATH = re.compile(r"^/(?P<version>v1beta|v1)/models/(?P<model>[\w.\-]+):generateContent$")
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
           504: "DEADLINE_EXCEEDED"}


def _error(code: int, message: str, details: list[JSON] | None = None) -> JSON:
    return {"error": {"code": code, "message": message,
                      "status": _STATUS.get(code, "UNKNOWN"), "details": details or []}}


def _texts(body: JSON) -> list[str]:
    """Every text of the request: the system instruction and each content part."""
    found: list[str] = []
    system = body.get("systemInstruction") or {}
    contents = [system] if isinstance(system, dict) else []
    contents += [c for c in body.get("contents") or [] if isinstance(c, dict)]
    for content in contents:
        for part in content.get("parts") or []:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                found.append(part["text"])
    return found


def document_for(schema: JSON, name: str = "value") -> Any:
    """A value that fits ``schema`` (Gemini's OpenAPI subset, upper- or lower-case types)."""
    kind = str(schema.get("type", "object")).lower()
    if schema.get("enum"):
        return schema["enum"][0]
    if kind == "object":
        return {key: document_for(sub, key) for key, sub in
                (schema.get("properties") or {}).items()}
    if kind == "array":
        item = schema.get("items") or {"type": "string"}
        return [document_for(item, f"{name} {n}") for n in (1, 2)]
    if kind == "integer":
        return 3
    if kind == "number":
        return 3.0
    if kind == "boolean":
        return True
    return f"{name.replace('_', ' ')}".capitalize()


class FakeGemini(FakeVendorServer):
    def __init__(self, api_key: str = DEFAULT_API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self._replies: deque[JSON] = deque()

    # ------------------------------------------------------------------ controls
    def reply_next(self, answer: str | JSON | list[Any], *, finish_reason: str = "STOP",
                   prompt_tokens: int | None = None, output_tokens: int | None = None) -> None:
        """The next answer: a text, or a JSON value sent as its text (as a model would)."""
        text = answer if isinstance(answer, str) else json.dumps(answer)
        with self._lock:
            self._replies.append(self._candidate(text, finish_reason, prompt_tokens,
                                                 output_tokens))

    def block_prompt_next(self, reason: str = "SAFETY") -> None:
        with self._lock:
            self._replies.append({"promptFeedback": {"blockReason": reason, "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH"}]}})

    def block_answer_next(self, reason: str = "SAFETY") -> None:
        with self._lock:
            self._replies.append({"candidates": [{"finishReason": reason, "index": 0,
                                                  "safetyRatings": [{
                                                      "category": "HARM_CATEGORY_HARASSMENT",
                                                      "probability": "HIGH",
                                                      "blocked": True}]}]})

    def fail_next(self, n: int = 1, status: int = 500, message: str = "Internal error",
                  details: list[JSON] | None = None) -> None:
        self._queue_failures(n, InjectedFailure(status, {"message": message,
                                                         "details": details}))

    def rate_limit_next(self, n: int = 1, retry_delay: str = "7s") -> None:
        self.fail_next(n, 429, "Resource has been exhausted (e.g. check quota).", [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}])

    def html_next(self) -> None:
        with self._lock:
            self._replies.append({"html": "<html><body>Bad gateway</body></html>"})

    def clear_faults(self) -> None:
        super().clear_faults()
        with self._lock:
            self._replies.clear()

    # ------------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        try:
            body: Any = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            body = None
        recorded = self._record(request, body)
        if not hmac.compare_digest(request.headers.get("x-goog-api-key", "").encode(),
                                   self.api_key.encode()):
            return _respond(recorded, 400, _error(
                400, "API key not valid. Please pass a valid API key.",
                [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                  "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]))
        route = _PATH.match(request.path)
        if route is None or request.method != "POST":
            return _respond(recorded, 404, _error(404, "Requested entity was not found."))
        model = route.group("model").removeprefix("models/")
        if model not in MODELS:
            return _respond(recorded, 404, _error(
                404, f"models/{model} is not found for API version {route.group('version')}"))
        if not isinstance(body, dict) or not body.get("contents"):
            return _respond(recorded, 400, _error(400, "* GenerateContentRequest.contents: "
                                                       "contents is not specified"))
        # What this request answers is taken on arrival: a request still sleeping when its
        # caller gave up must not take a fault the next test queued meanwhile.
        delay, failure = self._pop_delay(), self._pop_failure()
        with self._lock:
            scripted = self._replies.popleft() if failure is None and self._replies else None
        self._sleep(delay)
        if failure is not None:
            return _respond(recorded, failure.status, _error(
                failure.status, failure.options["message"], failure.options["details"]))
        if scripted is not None and "html" in scripted:
            recorded.status, recorded.response = 200, scripted["html"]
            return Response(scripted["html"], status=200, content_type="text/html")
        answer = scripted or self._default(body)
        answer = {**answer, "modelVersion": model, "responseId": uuid.uuid4().hex[:22]}
        meta = answer.setdefault("usageMetadata", {})
        meta.setdefault("promptTokenCount", sum(len(t.split()) for t in _texts(body)))
        meta.setdefault("candidatesTokenCount", 0)
        meta["totalTokenCount"] = meta["promptTokenCount"] + meta["candidatesTokenCount"]
        return _respond(recorded, 200, answer)

    def _default(self, body: JSON) -> JSON:
        config = body.get("generationConfig") or {}
        schema = config.get("responseSchema") or config.get("responseJsonSchema")
        if isinstance(schema, dict):
            return self._candidate(json.dumps(document_for(schema)), "STOP", None, None)
        last = next((t for t in reversed(_texts(body))), "")
        return self._candidate(f"Here is some career advice about: {last[:60]}", "STOP",
                               None, None)

    @staticmethod
    def _candidate(text: str, finish_reason: str, prompt_tokens: int | None,
                   output_tokens: int | None) -> JSON:
        meta: JSON = {"candidatesTokenCount": len(text.split()) if output_tokens is None
                      else output_tokens}
        if prompt_tokens is not None:
            meta["promptTokenCount"] = prompt_tokens
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                                "finishReason": finish_reason, "index": 0,
                                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT",
                                                   "probability": "NEGLIGIBLE"}]}],
                "usageMetadata": meta}


def _respond(recorded: RecordedRequest, status: int, body: JSON) -> Response:
    recorded.status, recorded.response = status, body
    return Response(json.dumps(body), status=status, content_type="application/json")
