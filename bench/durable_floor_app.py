"""The durable floor: the least a webhook endpoint can do and still keep the inbox's promise.

``POST /floor-webhook`` does what eduport's accept path must do, with nothing else: check the
``Stripe-Signature`` HMAC with the standard library, parse the JSON, insert the delivery into
``durable_floor_events`` (a copy of ``webhook_events``, same unique key) with one prepared
statement on a psycopg connection of its own thread, commit, push the new id onto a Redis list
(the cheapest possible enqueue, far cheaper than an RQ job), and answer. No framework beyond
Flask, no dependency injection, no unit of work, no pool, no logging, no RQ.

``bench.webhooks`` measures it against the bare endpoint in the same run as eduport: its ratio
is the ceiling any implementation of a durable accept reaches on the machine at hand. Bench
code only: nothing in eduport imports it.

Environment: ``DATABASE_URL`` (with the bench schema's search_path), ``REDIS_URL``,
``EDUPORT_QUEUE`` and ``STRIPE_WEBHOOK_SECRET``, as for eduport in the same run, and
``FLOOR_APPLICATION_NAME``, the application_name of its PostgreSQL connections.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
from flask import Flask, Response, request
from redis import Redis

TABLE = "durable_floor_events"
TOLERANCE_S = 300
INSERT = (
    f"INSERT INTO {TABLE} "  # noqa: S608  (TABLE is a constant, not input)
    "(id, provider, event_id, event_type, payload, received_at, attempts) "
    "VALUES (%s, 'stripe', %s, %s, %s::json, %s, 0) "
    "ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
)

app = Flask(__name__)
_local = threading.local()


def floor_list_key(queue_name: str) -> str:
    """Where the floor pushes ids: an ``rq:`` key naming the run's queue (its cleanup takes it)."""
    return f"rq:floor:{queue_name}"


def _connection() -> psycopg.Connection[tuple[object, ...]]:
    connection = getattr(_local, "connection", None)
    if connection is None:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        # Its own application_name: the bench counts these backends apart from eduport's.
        name = os.environ.get("FLOOR_APPLICATION_NAME", "durable-floor")
        connection = _local.connection = psycopg.connect(url, application_name=name)
    return connection


@functools.cache  # built on first use, after gunicorn forked; one client per process
def _queue() -> tuple[Redis, str]:
    return Redis.from_url(os.environ["REDIS_URL"]), floor_list_key(os.environ["EDUPORT_QUEUE"])


@functools.cache
def _secret() -> bytes:
    return os.environ["STRIPE_WEBHOOK_SECRET"].encode()


def _signed(body: bytes, header: str, secret: bytes) -> bool:
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key == "t"]
    signatures = [value for key, value in parts if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        return False
    if abs(time.time() - int(timestamps[0])) > TOLERANCE_S:
        return False
    expected = hmac.new(secret, timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given) for given in signatures)


@app.post("/floor-webhook")
def floor_webhook() -> Response:
    body = request.get_data(cache=False)
    if not _signed(body, request.headers.get("Stripe-Signature", ""), _secret()):
        return Response(b'{"title":"unsigned"}', status=400, mimetype="application/problem+json")
    event = json.loads(body)
    delivery_id = str(uuid.uuid4())
    connection = _connection()
    with connection.cursor() as cursor:
        cursor.execute(INSERT, (delivery_id, event["id"], event["type"], body.decode(),
                                datetime.now(UTC)), prepare=True)
        stored = cursor.fetchone() is not None
    connection.commit()
    if stored:
        redis, key = _queue()
        redis.rpush(key, delivery_id)
    answer = b'{"received":true,"duplicate":%s}' % (b"false" if stored else b"true")
    return Response(answer, mimetype="application/json")


@app.get("/healthz")
def healthz() -> Response:
    return Response(b'{"status":"ok"}', mimetype="application/json")
