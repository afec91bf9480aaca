"""How request bodies are read as JSON: like Flask, but a document nested deeper than any
request needs, or a string that is not storable text (a lone surrogate such as ``"\\ud800"``,
which JSON's escapes allow, or a NUL, which PostgreSQL refuses), is a malformed body (400),
refused before authentication or any use case sees it. NULs in the URL are refused too."""

from __future__ import annotations

import json
from typing import Any

import flask
import flask_smorest
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

MAX_DEPTH = 32  # our deepest request is 3 levels; Python's own limit is about 1,000


class MalformedJson(json.JSONDecodeError):
    """Flask and webargs answer it as a body that is not JSON (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "(the request body)", 0)


def strict_loads(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` with the checks above; ``MalformedJson`` (a ``JSONDecodeError``) when
    the document breaks one."""
    try:
        document = json.loads(text, **kwargs)
    except RecursionError as error:
        raise MalformedJson(f"nested deeper than {MAX_DEPTH} levels") from error
    check(document)
    return document


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s, **kwargs)


def check(document: Any) -> None:
    """Raises ``MalformedJson`` for nesting deeper than ``MAX_DEPTH`` or a string (key or
    value) that cannot be encoded as UTF-8. Iterative: the check cannot overflow itself."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedJson(f"nested deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    _text(key)
                pending.append((item, depth + 1))


def _text(value: str) -> None:
    if "\x00" in value:  # PostgreSQL cannot store it, and no text needs it
        raise MalformedJson("a string holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedJson("a string holds a lone surrogate, which is not text") from error


def install_url_checks(app: flask.Flask) -> None:
    """A NUL in the path or the query (``%00``) is refused the same way, before any view."""

    @app.before_request
    def refuse_nul() -> None:
        query = flask.request.args
        if "\x00" in flask.request.path or any(
                "\x00" in key or "\x00" in value for key, value in query.items(multi=True)):
            from werkzeug.exceptions import BadRequest

            raise BadRequest("the address holds a NUL character (%00)")


class StrictFlaskParser(FlaskParser):
    """webargs' parser (what ``@blp.arguments`` reads bodies with), with the same checks."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        return strict_loads(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """Every area's blueprint: flask-smorest's, reading bodies with ``StrictFlaskParser``."""

    ARGUMENTS_PARSER = StrictFlaskParser()
