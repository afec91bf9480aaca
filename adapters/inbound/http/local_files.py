"""The local file store's links, served by eduport itself: ``PUT /files/<key>`` takes an
upload and ``GET /files/<key>`` serves a download, each on the signed, expiring link
``LocalFileStorage`` made. The link is the authority, not a session: whoever holds it may
use it until it expires, as with an S3 presigned URL."""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import ClientDisconnected

from adapters.inbound.http.problems import problem
from adapters.outbound.files.local import LinkRefused, LocalFileStorage

# status -> the problem's kind and title; the reason of the refusal is its detail.
_PROBLEMS = {
    400: ("bad-request", "The request could not be read"),
    403: ("invalid-link", "The link or token is not valid"),
    404: ("not-found", "Not found"),
    411: ("length-required", "The request needs a Content-Length"),
    412: ("precondition-failed", "The link was used already"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def local_files_blueprint(storage: LocalFileStorage) -> Blueprint:
    blueprint = Blueprint("local_files", __name__)

    @blueprint.put("/files/<path:key>")
    def upload(key: str) -> Response:
        """Stores the body on a signed upload link: 204, or a problem and nothing stored."""
        query = _query()
        if query is None:
            return _refused(LinkRefused(400, "a link's parameters appear once each"))
        # The signed size is the limit here (the store checks the length against it before
        # reading), not the app's limit for JSON bodies.
        request.max_content_length = request.content_length
        try:
            storage.accept_upload(key, query, request.headers.get("Content-Type"),
                                  request.stream, request.content_length)
        except LinkRefused as refused:
            return _refused(refused)
        except ClientDisconnected:
            return _refused(LinkRefused(400, "the body ended before its Content-Length"))
        return Response(status=204)

    @blueprint.get("/files/<path:key>")
    def download(key: str) -> Response:
        """Serves the object on a signed download link."""
        query = _query()
        if query is None:
            return _refused(LinkRefused(400, "a link's parameters appear once each"))
        try:
            found = storage.open_download(key, query)
            response = send_file(found.path, mimetype=found.content_type, conditional=True)
        except LinkRefused as refused:
            return _refused(refused)
        except FileNotFoundError:  # deleted between the check and the read
            return _refused(LinkRefused(404, "there is no file at this link"))
        # As stored, byte for byte: send_file would add a charset to text types.
        response.headers["Content-Type"] = found.content_type
        response.headers["Content-Disposition"] = found.disposition
        # Private: the link is a credential; no shared cache keeps it past its expiry.
        response.headers["Cache-Control"] = f"private, max-age={found.max_age}"
        # Served from eduport's own origin: a browser must never run an upload as a page.
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return blueprint


def _query() -> dict[str, str] | None:
    """The link's parameters, or None when one is repeated (which value was signed?)."""
    if any(len(values) > 1 for values in request.args.listvalues()):
        return None
    return request.args.to_dict()


def _refused(refused: LinkRefused) -> Response:
    kind, title = _PROBLEMS.get(refused.status, ("bad-request", "The request could not be read"))
    return problem(refused.status, kind, title, refused.reason)
