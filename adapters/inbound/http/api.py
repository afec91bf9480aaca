"""The flask-smorest ``Api`` whose error responses are problem documents."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from adapters.inbound.http.problems import from_http_exception


class ProblemApi(Api):  # type: ignore[misc]
    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http_exception(error)


def bearer_security(api: Any) -> None:
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
