"""The lean webhook accept path (docs/adr/0015) keeps the inbox's promise: a 2xx only once
the delivery is committed and queued, duplicates 200 ``{"duplicate": true}``, forged
deliveries and failures answered as problem+json; and a pooled connection that idled is
pinged and replaced when dead."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from injector import Module, provider, singleton
from sqlalchemy import create_engine, func, select, text

from adapters.outbound.persistence.database import build_engine, normalise_url, ping_after_idle
from adapters.outbound.persistence.shared import webhook_events
from application.shared.ports import TaskQueue
from tests.conftest import make_settings
from tests.vendor_servers.stripe_server import sign_stripe_payload

WEBHOOK_SECRET = "whsec_hot_path"


class RecordingQueue:
    """Records each enqueue and whether its delivery was already committed at that moment."""

    def __init__(self, database_url: str) -> None:
        self.engine = build_engine(database_url, pool_size=1)
        self.enqueued: list[tuple[str, str, bool]] = []
        self.fail_with: BaseException | None = None

    def enqueue(self, job: str, *args: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        with self.engine.connect() as other:  # another connection: sees committed rows only
            committed = other.execute(select(func.count()).select_from(webhook_events)
                                      .where(webhook_events.c.id == args[0])).scalar_one()
        self.enqueued.append((job, args[0], committed == 1))


@pytest.fixture
def inbox(tmp_path: Path, database_url: str) -> Any:
    from bootstrap import build_injector, create_app

    queue = RecordingQueue(database_url)

    class Queue(Module):
        @singleton
        @provider
        def task_queue(self) -> TaskQueue:
            return queue  # type: ignore[return-value]

    settings = make_settings(tmp_path, database_url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    app = create_app(build_injector(settings, Queue()), settings)
    yield app.test_client(), queue
    queue.engine.dispose()


def event(event_id: str) -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "type": "payment_intent.succeeded",
        "created": int(time.time()), "livemode": False,
        "data": {"object": {"id": f"pi_{event_id}", "object": "payment_intent",
                            "status": "succeeded", "metadata": {}}},
    }).encode()


def deliver(client: Any, body: bytes, secret: str = WEBHOOK_SECRET) -> Any:
    signature = sign_stripe_payload(body, secret, int(time.time()))
    return client.post("/webhooks/stripe", data=body,
                       headers={"Stripe-Signature": signature,
                                "Content-Type": "application/json"})


def test_a_2xx_comes_only_after_the_commit_and_the_enqueue(inbox: Any) -> None:
    client, queue = inbox
    answer = deliver(client, event("evt_hot_1"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json() == {"received": True, "duplicate": False}
    assert answer.headers.get("X-Request-ID")  # the app's after-request hooks still ran
    [(job, _, committed)] = queue.enqueued
    assert job == "process_webhook_event"
    assert committed, "the job was queued before its delivery was committed"


def test_the_same_delivery_again_is_a_200_duplicate_and_not_queued_twice(inbox: Any) -> None:
    client, queue = inbox
    body = event("evt_hot_2")
    assert deliver(client, body).get_json() == {"received": True, "duplicate": False}
    again = deliver(client, body)
    assert again.status_code == 200
    assert again.get_json() == {"received": True, "duplicate": True}
    assert len(queue.enqueued) == 1


def test_a_forged_delivery_is_a_400_problem_and_nothing_is_stored(inbox: Any) -> None:
    client, queue = inbox
    answer = deliver(client, event("evt_hot_3"), secret="whsec_forged")
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == 400
    assert queue.enqueued == []
    # The thread's use case is reused after a refusal, and still works.
    assert deliver(client, event("evt_hot_4")).status_code == 200


def test_an_unexpected_failure_is_a_500_problem_and_the_next_delivery_works(
    inbox: Any,
) -> None:
    client, queue = inbox
    queue.fail_with = RuntimeError("boom")
    answer = deliver(client, event("evt_hot_5"))
    assert answer.status_code == 500
    assert answer.mimetype == "application/problem+json"
    queue.fail_with = None
    assert deliver(client, event("evt_hot_6")).get_json() == {"received": True,
                                                              "duplicate": False}
    assert [delivery_id for _, delivery_id, _ in queue.enqueued]  # only the second


def test_a_pooled_connection_that_idled_is_pinged_and_replaced_when_dead(
    tmp_path: Path,
) -> None:
    engine = create_engine(normalise_url(f"sqlite:///{tmp_path / 'ping.db'}"),
                           pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_s=0.0)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        first = connection.connection.dbapi_connection
    assert first is not None
    first.close()  # the server went away while the connection sat in the pool
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert connection.connection.dbapi_connection is not first
    engine.dispose()


def test_a_connection_back_in_the_pool_only_just_now_is_not_pinged(tmp_path: Path) -> None:
    engine = create_engine(normalise_url(f"sqlite:///{tmp_path / 'ping.db'}"),
                           pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_s=3600.0)
    pings: list[object] = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or original(  # type: ignore[method-assign]
        dbapi_connection)
    for _ in range(3):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    assert pings == []
    engine.dispose()
