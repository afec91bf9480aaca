"""A mail service that throttles eduport: the messages wait for the service's Retry-After
(longer than the first backoff step), then go out once each, on the embedded default's
inline jobs, with Mailgun's local peer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from application.shared.relay_outbox import RelayOutbox
from tests.conftest import ClockModule, make_settings
from tests.driver import PASSWORD, create_admin, log_in
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.mailgun_server import FakeMailgun

KEY, DOMAIN = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "mg.eduport.test"



@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun(api_key=KEY, domains=(DOMAIN,)) as fake:
        yield fake


def test_a_throttled_message_waits_for_retry_after_and_is_sent_once(
        tmp_path: Path, database_url: str, mailgun: FakeMailgun) -> None:
    from bootstrap import build_injector, create_app

    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    settings = make_settings(tmp_path, database_url, MAIL_MAILER="mailgun",
                             MAILGUN_DOMAIN=DOMAIN, MAILGUN_SECRET=KEY,
                             MAILGUN_ENDPOINT=mailgun.url)
    injector = build_injector(settings, ClockModule(clock))
    client = create_app(injector, settings).test_client()
    try:
        mailgun.fail_next(1, 429, retry_after=120)
        assert client.post("/auth/register", json={
            "email": "ann@example.test", "password": PASSWORD, "full_name": "Ann Lee",
            "role": "student"}).status_code == 202
        create_admin(injector, "root@example.test", "Root")
        root = log_in(client, "root@example.test")

        def log() -> list[tuple[Any, ...]]:
            found = client.get("/admin/messages", headers=root,
                               query_string={"recipient": "ann@example.test"}).get_json()
            return sorted((d["kind"], d["status"], d["attempts"]) for d in found)

        # the welcome waits; the verification, another handler, went out regardless
        assert log() == [("verify_email", "sent", 1), ("welcome", "deferred", 1)]
        assert [m.subject for m in to_ann(mailgun)] == ["Confirm your email address"]
        (row,) = outbox_rows(injector.get(Engine))  # UserRegistered, for the welcome
        assert _utc(row.retry_at) - clock.now() == timedelta(seconds=120)  # not 10 s

        relay = injector.get(RelayOutbox)
        clock.advance(seconds=119)
        assert relay().redispatched == ()
        clock.advance(seconds=1)
        assert len(relay().redispatched) == 1
        assert log() == [("verify_email", "sent", 1), ("welcome", "sent", 2)]
        assert sorted(m.subject or "" for m in to_ann(mailgun)) == [
            "Confirm your email address", "Welcome to eduport"]
        clock.advance(hours=1)
        assert relay().redispatched == ()  # nothing is sent twice
        assert len(to_ann(mailgun)) == 2
    finally:
        injector.get(Engine).dispose()


def to_ann(mailgun: FakeMailgun) -> list[Any]:
    return [m for m in mailgun.messages if m.to == ["ann@example.test"]]


def outbox_rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(t.outbox.c.retry_at, t.outbox.c.last_error)
                                       .where(t.outbox.c.processed_at.is_(None))))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps no zone
