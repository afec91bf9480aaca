"""The flask-smorest ``Api`` whose error responses are problem documents, and whose OpenAPI
document says so: every 4xx and 5xx an operation can answer is declared with
``application/problem+json`` and the Problem schema, with the headers that come with it.

What holds for every operation is declared here, once, rather than on each view:

- ``requires(...)`` guards a view: ``security: bearerAuth``, 401 (with ``WWW-Authenticate``)
  and, when roles are named, 403. A view that does not use it declares no security.
- every operation: 400 (a NUL in the address; a malformed body or header), 500, and 503 with
  ``Retry-After`` (the database, Redis or a provider is unavailable); with a request body,
  413; with path parameters, 404; with a body or query schema, 422 with ``errors``.
- every operation but the probes is rate limited (ADR 16: the named limits per address,
  account or user, the webhooks' per provider, and every call with a valid token counted
  against its user's): 429 with ``Retry-After``, and any answer may carry ``RateLimit-*``.
- every answer carries ``X-Request-ID``.
- a PATCH whose body schema names no required field changes nothing without a body: its
  body is optional.
"""

from __future__ import annotations

import http
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from apispec import BasePlugin
from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from adapters.inbound.http.auth import REQUIRED_ROLES
from adapters.inbound.http.problems import from_http_exception
from adapters.inbound.http.schemas import PROBLEM_CONTENT_TYPE, ProblemSchema

BEARER = "bearerAuth"
# The endpoints no limit counts (the limiter's own list is in app.py; the conformance tests
# check that the two agree by running into the limits).
NOT_RATE_LIMITED = ("health.",)

_HEADERS: dict[str, dict[str, Any]] = {
    "X_REQUEST_ID": {
        "description": "The request's id: the caller's X-Request-ID when it is 8 to 64 safe "
                       "characters, else a new one. Quote it when reporting a problem.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{8,64}$"}},
    "RETRY_AFTER": {
        "description": "Seconds to wait before trying again.",
        "required": True, "schema": {"type": "integer", "minimum": 0}},
    "WWW_AUTHENTICATE": {
        "description": "The scheme to authenticate with: Bearer.",
        "required": True, "schema": {"type": "string", "pattern": "^Bearer"}},
    # On the answers of rate-limited operations (all but the probes), when a limit counted
    # the request.
    "RATELIMIT_LIMIT": {
        "description": "Requests allowed in the window of the nearest limit (on the answers "
                       "of rate-limited operations, when a limit counted the request).",
        "schema": {"type": "integer", "minimum": 0}},
    "RATELIMIT_REMAINING": {
        "description": "Requests left in that window.",
        "schema": {"type": "integer", "minimum": 0}},
    "RATELIMIT_RESET": {
        "description": "Seconds until that window resets.",
        "schema": {"type": "integer", "minimum": 0}},
}
_RATE_LIMIT_HEADERS = {"RateLimit-Limit": "RATELIMIT_LIMIT",
                       "RateLimit-Remaining": "RATELIMIT_REMAINING",
                       "RateLimit-Reset": "RATELIMIT_RESET"}
# The headers an answer of this status always carries, besides X-Request-ID.
_STATUS_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": "WWW_AUTHENTICATE"},
    429: {"Retry-After": "RETRY_AFTER", **_RATE_LIMIT_HEADERS},
    503: {"Retry-After": "RETRY_AFTER"},
}

# What the central declarations say when the view did not say more.
_DESCRIPTIONS = {
    400: "The request could not be read: a body that is not JSON (or nested too deep, or "
         "holding a NUL), a NUL in the address, or a malformed header",
    401: "No valid access token: send 'Authorization: Bearer <token>'",
    403: "The caller's role may not do this",
    404: "Not found",
    413: "The body is larger than the server accepts",
    422: "The body or the query is not valid: 'errors' says what, per field",
    429: "Too many requests (from this address, for this account or user): wait "
         "Retry-After seconds",
    500: "Something went wrong on our side; the request id is logged",
    503: "A dependency (the database, Redis, a provider) is unavailable: retry after "
         "Retry-After seconds",
}


def problem_response_doc(status: int, description: str | None = None) -> dict[str, Any]:
    """An OpenAPI response object for a problem answer of ``status`` (header and schema names
    are resolved by apispec)."""
    phrase = http.HTTPStatus(status).phrase
    return {
        "description": description or _DESCRIPTIONS.get(status, phrase),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": "Problem"}},
        "headers": {"X-Request-ID": "X_REQUEST_ID", **_RATE_LIMIT_HEADERS,
                    **_STATUS_HEADERS.get(status, {})},
    }


class ProblemApi(Api):  # type: ignore[misc]
    # No catch-all "default": every status an operation can answer is declared.
    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)

    def _init_spec(self, **options: Any) -> None:
        plugins = [*(options.pop("extra_plugins", None) or ()), TruthfulResponses(self._app)]
        super()._init_spec(extra_plugins=plugins, **options)

    def _register_responses(self) -> None:
        """The responses flask-smorest refers to by name (UNPROCESSABLE_ENTITY for a schema
        that refuses the input...) and ours: problem documents, with their headers."""
        spec = self.spec
        spec.components.schema("Problem", schema=ProblemSchema)
        for name, header in _HEADERS.items():
            spec.components.header(name, header)
        for status in http.HTTPStatus:
            if status >= 400:
                spec.components.response(status.name, problem_response_doc(status), lazy=True)
            else:
                spec.components.response(status.name, {"description": status.phrase},
                                          lazy=True)


class TruthfulResponses(BasePlugin):  # type: ignore[misc]
    """Adds what every operation can answer to its declared responses (see the module)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.spec: Any = None

    def init_spec(self, spec: Any) -> None:
        self.spec = spec

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        view = self.app.view_functions.get(rule.endpoint) if rule is not None else None
        view_class = getattr(view, "view_class", None)
        has_path_parameters = bool(rule is not None and rule.arguments)
        rate_limited = rule is not None and not rule.endpoint.startswith(NOT_RATE_LIMITED)
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            function = getattr(view_class, method, None) if view_class else view
            declare(operation, getattr(function, REQUIRED_ROLES, None), has_path_parameters,
                    rate_limited)
            if method == "patch" and "requestBody" in operation:
                self._optional_patch_body(operation["requestBody"])

    def _optional_patch_body(self, body: dict[str, Any]) -> None:
        for media in body.get("content", {}).values():
            schema = media.get("schema", {})
            ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
            resolved = self.spec.components.schemas.get(ref.rsplit("/", 1)[-1], schema)
            if not resolved.get("required"):
                body["required"] = False


def declare(operation: dict[str, Any], roles: tuple[str, ...] | None,
            has_path_parameters: bool, rate_limited: bool) -> None:
    responses: dict[str, Any] = {str(code): response for code, response in
                                 operation.get("responses", {}).items()}
    if roles is not None:
        operation["security"] = [{BEARER: []}]
        responses.setdefault("401", "UNAUTHORIZED")
        if roles:
            responses.setdefault("403", "FORBIDDEN")
    responses.setdefault("400", "BAD_REQUEST")
    if "requestBody" in operation:
        responses.setdefault("413", "REQUEST_ENTITY_TOO_LARGE")
    if has_path_parameters:
        responses.setdefault("404", "NOT_FOUND")
    if rate_limited:
        responses.setdefault("429", "TOO_MANY_REQUESTS")
    responses.setdefault("500", "INTERNAL_SERVER_ERROR")
    responses.setdefault("503", "SERVICE_UNAVAILABLE")
    for code, response in list(responses.items()):
        status = int(code)
        if isinstance(response, str):
            continue  # a named component: it has its headers already
        response = deepcopy(response)
        headers = response.setdefault("headers", {})
        headers.setdefault("X-Request-ID", "X_REQUEST_ID")
        for name, component in _STATUS_HEADERS.get(status, {}).items():
            headers.setdefault(name, component)
        if rate_limited:  # the limiter counts before the view runs: any answer may say
            for name, component in _RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, component)
        if status >= 400:
            _check_problem(code, response)
        responses[code] = response
    operation["responses"] = dict(sorted(responses.items()))


def _check_problem(code: str, response: Mapping[str, Any]) -> None:
    """An error answer declared with another content type than problem+json is a mistake in
    the view's declaration: refuse to publish a document that says so."""
    content = response.get("content", {})
    if set(content) != {PROBLEM_CONTENT_TYPE}:
        raise ValueError(f"a {code} answer is a problem document ({PROBLEM_CONTENT_TYPE}), "
                         f"declared as {sorted(content)}")


def bearer_security(api: Any) -> None:
    api.spec.components.security_scheme(
        BEARER, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                 "description": "An access token from POST /auth/login or /auth/refresh"})
