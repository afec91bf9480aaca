"""``Idempotency-Key`` for POSTs that move money: a retried request gets the first answer.

Usage on a flask-smorest ``MethodView`` method, outermost below the route::

    @idempotent
    @blp.arguments(CheckoutSchema)
    @blp.response(201, CheckoutResultSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])  # optional: documents the header
    def post(self, data): ...

Semantics (after Stripe's): without the header the view runs as usual. With it, the key is
scoped to the authenticated caller. The first request holds the key while it runs; a repeat
with the same method, path, query and body gets the stored status and body back with
``Idempotent-Replayed: true``; a repeat with another body is a 422 problem; a repeat while the
first one still runs is a 409 problem. An answer below 500 is kept, including a domain error
the view raised (a declined card is declined again on replay); a 5xx, an unexpected exception
or an HTTP error raised before the view ran (request validation) releases the key, so a retry
runs afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import Response, current_app, request
from werkzeug.exceptions import BadRequest

from adapters.inbound.http.auth import current_principal
from application.shared.ports import IdempotencyStore, StoredResponse
from domain.shared.errors import DomainError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
IDEMPOTENCY_EXTENSION = "eduport.idempotency"
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "A key of your choosing (a UUID) that makes retries safe: a repeat with "
                   "the same key and body returns the first response, with "
                   f"`{REPLAYED_HEADER}: true`; the same key with another body is a 422.",
}


def idempotent(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        _check(key)
        scope = current_principal().user_id
        store: IdempotencyStore = current_app.extensions[IDEMPOTENCY_EXTENSION]
        stored = store.begin(scope, key, request_fingerprint())
        if stored is not None:
            return _replay(stored)
        response = _run(store, scope, key, view, args, kwargs)
        if response.status_code >= 500:
            _abandon(store, scope, key)
            return response
        try:
            store.finish(scope, key, StoredResponse(response.status_code,
                                                    response.get_data(as_text=True)))
        except Exception:
            # The work is done: answer it. The key stays in flight until its lease runs out.
            log.exception("could not store the response of an idempotent request")
        return response

    return cast(F, wrapper)


def request_fingerprint() -> str:
    """sha256 of the method, path, sorted query and canonical JSON body (raw bytes when the
    body is not JSON): the same request always hashes the same, whatever its key order."""
    payload = request.get_json(silent=True)
    if payload is None:
        body = request.get_data(cache=True)
    else:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
    query = urlencode(sorted(request.args.items(multi=True)))
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), query.encode()):
        digest.update(part + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _check(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise BadRequest(
            f"the {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
            "(a UUID is a good key)")


def _run(store: IdempotencyStore, scope: str, key: str, view: Callable[..., Any],
         args: tuple[Any, ...], kwargs: dict[str, Any]) -> Response:
    """Runs the view; releases the key and re-raises when there is no answer worth keeping."""
    try:
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except DomainError as error:
            # The view ran and refused: its problem answer is the request's answer.
            response = current_app.make_response(current_app.handle_user_exception(error))
            if response.status_code >= 500:
                raise
    except BaseException:
        _abandon(store, scope, key)
        raise
    return response


def _abandon(store: IdempotencyStore, scope: str, key: str) -> None:
    try:
        store.abandon(scope, key)
    except Exception:
        log.exception("could not release an Idempotency-Key; it frees itself when its lease ends")


def _replay(stored: StoredResponse) -> Response:
    mimetype = "application/problem+json" if stored.status >= 400 else "application/json"
    response = Response(stored.body, status=stored.status, mimetype=mimetype)
    response.headers[REPLAYED_HEADER] = "true"
    return response
