"""The SQL idempotency store on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.idempotency import SqlIdempotencyStore
from application.shared.errors import IdempotencyMismatch
from application.shared.ports import StoredResponse
from domain.shared.errors import Conflict
from tests.unit.shared.fakes import FakeClock

HASH, OTHER_HASH = "a" * 64, "b" * 64
CREATED = StoredResponse(201, '{"id":"pay-1"}')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(engine: Engine, clock: FakeClock) -> SqlIdempotencyStore:
    return SqlIdempotencyStore(engine, clock)


def test_the_first_request_holds_the_key_and_repeats_get_its_answer(
        store: SqlIdempotencyStore, engine: Engine, clock: FakeClock) -> None:
    assert store.begin("user-1", "key-1", HASH) is None
    with engine.connect() as connection:
        row = connection.execute(select(t.idempotency_keys)).one()
    assert (row.scope, row.key, row.request_hash, row.state) == ("user-1", "key-1", HASH,
                                                                 "in_flight")
    assert row.locked_until == clock.now() + timedelta(seconds=60)

    store.finish("user-1", "key-1", CREATED)
    assert store.begin("user-1", "key-1", HASH) == CREATED
    clock.advance(hours=1)  # a finished key is answered however late the repeat comes
    assert store.begin("user-1", "key-1", HASH) == CREATED


def test_another_request_with_the_key_is_a_mismatch(store: SqlIdempotencyStore) -> None:
    store.begin("user-1", "key-1", HASH)
    with pytest.raises(IdempotencyMismatch, match="different request"):
        store.begin("user-1", "key-1", OTHER_HASH)
    store.finish("user-1", "key-1", CREATED)
    with pytest.raises(IdempotencyMismatch):
        store.begin("user-1", "key-1", OTHER_HASH)


def test_a_repeat_while_the_first_runs_is_a_conflict(store: SqlIdempotencyStore,
                                                     clock: FakeClock) -> None:
    store.begin("user-1", "key-1", HASH)
    clock.advance(seconds=59)
    with pytest.raises(Conflict, match="still in progress"):
        store.begin("user-1", "key-1", HASH)


def test_a_holder_whose_lease_ran_out_is_replaced(store: SqlIdempotencyStore,
                                                  clock: FakeClock) -> None:
    store.begin("user-1", "key-1", HASH)
    clock.advance(seconds=60)
    assert store.begin("user-1", "key-1", HASH) is None  # taken over, with a new lease
    with pytest.raises(Conflict):
        store.begin("user-1", "key-1", HASH)
    with pytest.raises(IdempotencyMismatch):  # a takeover never changes the request
        store.begin("user-1", "key-1", OTHER_HASH)
    store.finish("user-1", "key-1", CREATED)
    store.finish("user-1", "key-1", StoredResponse(200, "{}"))  # the first answer stays
    assert store.begin("user-1", "key-1", HASH) == CREATED


def test_the_lease_is_configurable(engine: Engine, clock: FakeClock) -> None:
    store = SqlIdempotencyStore(engine, clock, lease=timedelta(seconds=5))
    store.begin("user-1", "key-1", HASH)
    clock.advance(seconds=5)
    assert store.begin("user-1", "key-1", HASH) is None


def test_an_abandoned_key_runs_afresh_but_a_finished_one_stays(
        store: SqlIdempotencyStore) -> None:
    store.begin("user-1", "key-1", HASH)
    store.abandon("user-1", "key-1")
    assert store.begin("user-1", "key-1", OTHER_HASH) is None  # even with another body
    store.finish("user-1", "key-1", CREATED)
    store.abandon("user-1", "key-1")
    with pytest.raises(IdempotencyMismatch):
        store.begin("user-1", "key-1", HASH)
    assert store.begin("user-1", "key-1", OTHER_HASH) == CREATED


def test_keys_are_scoped_to_their_caller(store: SqlIdempotencyStore) -> None:
    store.begin("user-1", "key-1", HASH)
    store.finish("user-1", "key-1", CREATED)
    assert store.begin("user-2", "key-1", OTHER_HASH) is None


def test_purge_forgets_old_finished_keys(store: SqlIdempotencyStore, clock: FakeClock) -> None:
    store.begin("user-1", "old", HASH)
    store.finish("user-1", "old", CREATED)
    store.begin("user-1", "running", HASH)
    clock.advance(hours=25)
    store.begin("user-1", "new", HASH)
    store.finish("user-1", "new", CREATED)
    assert store.purge() == 1
    assert store.begin("user-1", "old", OTHER_HASH) is None
    assert store.begin("user-1", "new", HASH) == CREATED


@pytest.mark.parametrize("expired", [False, True], ids=["new-key", "expired-lease"])
def test_of_ten_racing_requests_exactly_one_holds_the_key(
        store: SqlIdempotencyStore, clock: FakeClock, expired: bool) -> None:
    if expired:
        store.begin("user-1", "key-1", HASH)
        clock.advance(minutes=5)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race() -> None:
        barrier.wait()
        try:
            result = store.begin("user-1", "key-1", HASH)
            outcome = "holder" if result is None else "replay"
        except Conflict:
            outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 9 + ["holder"]
