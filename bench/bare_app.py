"""Bare Flask app: the "framework overhead only" baseline for eduport benchmarks.

``GET /bare`` answers a pre-serialised JSON page of 20 items (built once at import, so no
per-request work beyond Flask/Werkzeug/gunicorn itself). ``POST /bare-webhook`` reads the raw
body and answers ``{}``, the baseline for webhook endpoints.

Run: ``python -m gunicorn bench.bare_app:app`` (or through ``bench.harness.start_gunicorn``).
"""

from __future__ import annotations

import json

from flask import Flask, Response, request

PAGE_SIZE = 20


def _item(i: int) -> dict[str, object]:
    return {
        "id": f"0190a6f2-7c1e-7b3a-9d4e-{i:012d}",
        "title": f"Introduction to topic number {i}",
        "description": "A short description of the course, of roughly realistic length.",
        "status": "published",
        "owner_id": f"0190a6f2-0000-7000-8000-{i:012d}",
        "tags": ["math", "beginner"],
        "created_at": "2024-06-01T12:00:00+00:00",
        "updated_at": "2024-06-02T08:30:00+00:00",
    }


BARE_PAGE: dict[str, object] = {
    "items": [_item(i) for i in range(PAGE_SIZE)],
    "page": 1,
    "page_size": PAGE_SIZE,
    "total": 1000,
    "next_cursor": "eyJpZCI6ICIwMTkwYTZmMi03YzFlLTdiM2EtOWQ0ZS0wMDAwMDAwMDAwMTkifQ",
}
BARE_BODY: bytes = json.dumps(BARE_PAGE, separators=(",", ":")).encode()
_EMPTY_BODY = b"{}"

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")


@app.get("/bare")
def bare() -> Response:
    return Response(BARE_BODY, mimetype="application/json")


@app.post("/bare-webhook")
def bare_webhook() -> Response:
    request.get_data()  # read the raw body, as a real webhook handler must
    return Response(_EMPTY_BODY, mimetype="application/json")
