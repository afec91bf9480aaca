"""Retention: processed outbox messages and webhook deliveries are purged after their time;
unprocessed and failed ones never are. Run on the fake unit of work and on SQLAlchemy over
SQLite and PostgreSQL, through the use case the cron calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from application.shared.config import RetentionPolicy
from application.shared.ports import InboxDelivery, OutboxMessage
from application.shared.purge_processed_records import PurgeProcessedRecords, PurgeResult
from tests.conftest import fresh_database, mapped_engine
from tests.unit.all_areas import FakeUnitOfWork
from tests.unit.shared.fakes import FakeClock, FakeDatabase, FakeTaskQueue

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = RetentionPolicy(outbox=timedelta(days=7), webhooks=timedelta(days=30), batch=2)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unit_of_work(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    if request.param == "fake":
        db = FakeDatabase()
        yield lambda: FakeUnitOfWork(db, queue=FakeTaskQueue())
        return
    from adapters.outbound.persistence.database import session_factory
    from adapters.outbound.system import UuidGenerator
    from tests.conftest import all_areas_unit_of_work

    with mapped_engine(fresh_database(request, tmp_path, request.param)) as engine:
        sessions = session_factory(engine)
        yield lambda: all_areas_unit_of_work()(sessions, FakeClock(NOW), UuidGenerator(),
                                           FakeTaskQueue())


def message(mid: str, days_ago: float) -> OutboxMessage:
    return OutboxMessage(mid, "UserRegistered", {"n": mid}, NOW - timedelta(days=days_ago))


def delivery(did: str, days_ago: float) -> InboxDelivery:
    return InboxDelivery(did, "stripe", f"evt_{did}", "payment_intent.succeeded", {"id": did},
                         NOW - timedelta(days=days_ago))


def seed(uow_factory: Callable[[], Any]) -> None:
    """Outbox: five processed 8 days ago, one processed yesterday, one failed 20 days ago.
    Webhooks: three processed 31 days ago, one processed 5 days ago, one failed and one never
    tried, both 40 days old."""
    with uow_factory() as uow:
        for i in range(7):
            uow.outbox.add(message(f"m{i}", 20))
        for i in range(6):
            uow.webhooks.add(delivery(f"d{i}", 40))
        uow.commit()
    with uow_factory() as uow:
        for i in range(5):
            uow.outbox.mark_handled(f"m{i}", "send_welcome")
            uow.outbox.mark_processed(f"m{i}", NOW - timedelta(days=8), "ran")
        uow.outbox.mark_processed("m5", NOW - timedelta(days=1), "ran")
        tried = NOW - timedelta(days=19)
        assert uow.outbox.claim("m6", tried, timedelta(minutes=5)) is not None
        uow.outbox.release("m6", "mailer: DeliveryFailed", tried, tried + timedelta(minutes=1))
        for i in range(3):
            uow.webhooks.mark_processed(f"d{i}", NOW - timedelta(days=31), "settled")
        uow.webhooks.mark_processed("d3", NOW - timedelta(days=5), "settled")
        assert uow.webhooks.claim("d4", tried, timedelta(minutes=5)) is not None
        uow.webhooks.release("d4", "GatewayUnavailable", tried, tried + timedelta(minutes=1))
        uow.commit()


def purge(uow_factory: Callable[[], Any]) -> PurgeResult:
    return PurgeProcessedRecords(uow_factory(), FakeClock(NOW), POLICY)()


def test_only_processed_records_past_retention_are_deleted(
    unit_of_work: Callable[[], Any]
) -> None:
    seed(unit_of_work)

    # batches of 2: five outbox messages take three transactions, three deliveries two
    assert purge(unit_of_work) == PurgeResult(outbox_messages=5, webhook_deliveries=3)

    with unit_of_work() as uow:
        later = NOW + timedelta(days=365)
        # what is left: the recent one is processed (nothing to relay); the failed one is not,
        # and is due for its retry
        assert uow.outbox.due(later, later, 10) == ["m6"]
        assert uow.outbox.claim("m5", later, timedelta(minutes=1)) is None
        assert [uow.webhooks.get(f"d{i}") for i in range(3)] == [None, None, None]
        assert uow.webhooks.get("d3") is not None
        assert uow.webhooks.failed(10) == ["d4"]
        assert uow.webhooks.due(later, later, 10) == ["d4", "d5"]
    assert purge(unit_of_work) == PurgeResult(0, 0)  # nothing more to do


def test_a_purged_event_delivered_again_is_stored_again(unit_of_work: Callable[[], Any]) -> None:
    seed(unit_of_work)
    purge(unit_of_work)
    with unit_of_work() as uow:
        assert uow.webhooks.add(delivery("d0", 0)) is True  # forgotten: new work, not duplicate
        assert uow.webhooks.add(delivery("d3", 0)) is False  # still remembered
        uow.commit()


def test_handler_records_go_with_their_messages(engine: Engine) -> None:
    from adapters.outbound.persistence import tables as t
    from adapters.outbound.persistence.database import session_factory
    from adapters.outbound.system import UuidGenerator
    from tests.conftest import all_areas_unit_of_work

    sessions = session_factory(engine)

    def uow_factory() -> Any:
        return all_areas_unit_of_work()(sessions, FakeClock(NOW), UuidGenerator(), FakeTaskQueue())

    seed(uow_factory)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.outbox_handled)).scalar() == 5
    purge(uow_factory)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.outbox_handled)).scalar() == 0
        assert connection.execute(select(func.count()).select_from(t.outbox)).scalar() == 2
