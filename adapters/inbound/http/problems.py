"""The one place that turns errors into RFC 9457 ``application/problem+json`` responses."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Response, g, json, request
from werkzeug.exceptions import HTTPException

from adapters.i18n import translations
from application.career.allowance import QuotaExceeded
from application.career.ports import AdvisorRefused
from application.payments.errors import GatewayDeclined, GatewayMisconfigured, RateUnavailable
from application.shared.errors import DeliveryFailed, IdempotencyMismatch, InvalidSignature
from domain.accounts.throttle import FREE_FAILURES, TooManyAttempts
from domain.catalog.enrollment import CheckoutRequired
from domain.shared.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidState,
    InvalidToken,
    InvalidValue,
    NotFound,
    PermissionDenied,
)
from domain.shared.locale import Locale

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://eduport.dev/problems/"

_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (CheckoutRequired, 402),
    (Conflict, 409),
    (InvalidState, 409),
    (InvalidToken, 400),
    (InvalidSignature, 400),
    (GatewayDeclined, 402),
    (InvalidValue, 422),
    (IdempotencyMismatch, 422),
    (RateUnavailable, 422),
    (DeliveryFailed, 503),
    (TooManyAttempts, 429),
    (QuotaExceeded, 429),
    (AdvisorRefused, 422),
]

_HTTP_TITLES = {
    400: ("bad-request", "The request could not be read"),
    401: ("unauthenticated", "Authentication is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-failed", "The request is not valid"),
    429: ("rate-limited", "Too many requests"),
}


# A 503 tells the client when to come back: the service's own hint when we have one.
RETRY_AFTER_SECONDS = 30


def problem(status: int, kind: str, title: str, detail: str | None = None,
            **extra: Any) -> Response:
    """A problem response whose title and detail follow the request's Accept-Language (a
    detail with variable parts stays in English); ``type`` never changes with the language."""
    locale = Locale.from_accept_language(request.headers.get("Accept-Language"))
    speak = translations(locale.value, "problems").gettext
    body: dict[str, Any] = {"type": PROBLEM_BASE + kind, "title": speak(title),
                            "status": status}
    if detail:
        body["detail"] = speak(detail)
    # A URI reference: what the client sent, percent-encoded (a %00 stays %00, not a NUL).
    body["instance"] = quote(request.path, safe="/:@!$&'()*+,;=-._~", errors="replace")
    rid = g.get("request_id")
    if rid:
        body["request_id"] = rid
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    response.headers["Content-Language"] = locale.value
    response.vary.add("Accept-Language")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="eduport"'
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def from_domain_error(error: DomainError) -> Response:
    if isinstance(error, GatewayMisconfigured):
        # The operator's problem, not the client's: the cause goes to the log only.
        log.error("payment provider refused our configuration: %s", error.message)
        return problem(503, error.code.replace("_", "-"), "Service unavailable",
                       "payments are unavailable right now; try again later")
    for kind, status in _DOMAIN_STATUS:
        if isinstance(error, kind):
            field = getattr(error, "field", None)
            extra = {"errors": {field: [error.message]}} if field else {}
            response = problem(status, error.code.replace("_", "-"), _title(status, error),
                               error.message, **extra)
            if isinstance(error, DeliveryFailed) and error.retry_after:
                # The vendor's own hint wins over the limiter's headers (see below).
                g.rate_limit_headers = {"Retry-After": str(min(error.retry_after, 3600))}
                response.headers.update(g.rate_limit_headers)
            if isinstance(error, TooManyAttempts | QuotaExceeded):
                # As every 429: when to come back, and the limit it ran into (these win over
                # the limiter's headers of other limits: see app._own_rate_limit_headers).
                limit = error.limit if isinstance(error, QuotaExceeded) else FREE_FAILURES
                g.rate_limit_headers = {
                    "Retry-After": str(error.retry_after),
                    "RateLimit-Limit": str(limit), "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(error.retry_after)}
                response.headers.update(g.rate_limit_headers)
            return response
    return problem(422, error.code.replace("_", "-"), "The request cannot be carried out",
                   error.message)


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    kind, title = _HTTP_TITLES.get(status, ("http-error", error.name))
    extra: dict[str, Any] = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        if "json" in messages and messages["json"] == ["Invalid JSON body."]:
            return problem(400, "malformed-json", "The body is not valid JSON",
                           "send a JSON document with Content-Type: application/json")
        # webargs groups errors by location (json, query, ...); clients want the fields.
        extra["errors"] = {k: v for location in messages.values() for k, v in
                           (location.items() if isinstance(location, dict) else [])}
    detail = error.description if status != 422 else "some fields are missing or not valid"
    response = problem(status, kind, title, detail, **extra)
    headers = dict(error.get_headers())
    for header in ("Retry-After", "Allow"):
        if header in headers:
            response.headers[header] = headers[header]
    return response


def from_unexpected(error: Exception) -> Response:
    log.error("unhandled error", exc_info=error)
    return problem(500, "internal-error", "Something went wrong on our side",
                   "the error was logged; quote the request id when you report it")


def _title(status: int, error: DomainError) -> str:
    if isinstance(error, InvalidToken):
        return "The link or token is not valid"
    if isinstance(error, InvalidSignature):
        return "The webhook signature is not valid"
    if isinstance(error, AdvisorRefused):
        return "Refused by the content policy"
    if status in _HTTP_TITLES:
        return _HTTP_TITLES[status][1]
    return {402: "Checkout required", 503: "Service unavailable"}.get(status, "Error")
