"""Jobs through RQ on a real Redis, and what happens when Redis is down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.integration.mail import messages

pytestmark = pytest.mark.redis
BODY = {"email": "ann@example.test", "password": "correct horse battery", "full_name": "Ann",
        "role": "student"}


def test_commits_enqueue_rq_jobs_that_a_worker_runs(
    tmp_path: Path, database_url: str, redis_url: str, engine: Engine
) -> None:
    from adapters.inbound.cli import run_worker
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, REDIS_URL=redis_url)
    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    assert client.post("/auth/register", json=BODY).status_code == 202

    queue = Queue(settings.queue_name, connection=Redis.from_url(redis_url))
    (job,) = queue.get_jobs()
    assert job.func_name == "adapters.inbound.worker.jobs.process_outbox_message"
    assert not job.retries_left  # RQ retries nothing: a failed row records its own retry
    mail = Path(settings.section(MessagingSettings).outbox_dir)
    assert messages(mail) == []  # nothing sent inside the request

    run_worker(settings, injector, burst=True, with_cron=False)
    assert sorted(m["Subject"] for m in messages(mail)) == [
        "Confirm your email address", "Welcome to eduport"]
    with engine.connect() as connection:
        assert connection.execute(select(t.outbox.c.processed_at).where(
            t.outbox.c.event_type == "UserRegistered")).scalar_one() is not None
    assert queue.count == 0


def test_a_redis_outage_does_not_fail_the_request(
    tmp_path: Path, database_url: str, engine: Engine, caplog: Any
) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, REDIS_URL="redis://127.0.0.1:1/0")
    client = create_app(build_injector(settings), settings).test_client()
    assert client.post("/auth/register", json=BODY).status_code == 202
    with engine.connect() as connection:
        pending = connection.execute(select(t.outbox.c.processed_at)).all()
    assert [row.processed_at for row in pending] == [None]  # left for the relay
    assert "left for the relay" in caplog.text
