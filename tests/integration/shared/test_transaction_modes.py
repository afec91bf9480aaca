"""How a unit of work's transaction locks, on SQLite and PostgreSQL: ``reading()`` only reads
and waits for no writer; ``optimistic()`` reads without a lock and writes under it, and a
version that moved on meanwhile is a Conflict on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.unit_of_work import ReadOnlyViolation
from domain.shared.errors import Conflict
from domain.shared.money import Money
from tests.conftest import fresh_database, mapped_engine
from tests.driver import count
from tests.integration.shared.test_persistence import new_user, saved_course, uow_factory
from tests.unit.shared.fakes import FakeClock

WAIT_S = 10.0  # far longer than any of these needs; a regression waits 30 s for the lock


@pytest.fixture
def make_uow(engine: Engine) -> Any:
    return uow_factory(engine)


def finishes(work: Callable[[], Any]) -> Any:
    """What ``work`` returned, run in a thread of its own while the caller holds a
    transaction open: it must not wait for that transaction to end."""
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert done, "it waited for the other transaction"
    return done[0]


def stored_user(make_uow: Any, email: str = "ann@example.test") -> str:
    with make_uow() as uow:
        user = new_user(make_uow.ids, email)
        uow.users.add(user)
        uow.commit()
    return user.id


def test_reading_waits_for_no_writer_and_sees_what_was_committed(make_uow: Any) -> None:
    ann = stored_user(make_uow)

    def read() -> Any:
        with make_uow().reading() as uow:
            return uow.users.get(ann).email

    with make_uow() as writing:  # holds SQLite's write lock from its first statement on
        writing.users.add(new_user(make_uow.ids, "bob@example.test"))
        writing.session.flush()
        assert finishes(read) == "ann@example.test"
        writing.commit()


def test_a_writer_does_not_wait_for_a_reading_unit_of_work(make_uow: Any,
                                                           engine: Engine) -> None:
    ann = stored_user(make_uow)

    def write() -> None:
        stored_user(make_uow, "bob@example.test")

    with make_uow().reading() as reading:
        assert reading.users.get(ann) is not None
        finishes(write)
    assert count(engine, t.users) == 2


def test_reading_cannot_commit_nor_write(make_uow: Any, engine: Engine) -> None:
    with make_uow().reading() as uow:
        uow.users.add(new_user(make_uow.ids))
        with pytest.raises(RuntimeError, match="reading"):
            uow.commit()
    user = new_user(make_uow.ids, "bob@example.test")
    with make_uow().reading() as uow, pytest.raises(ReadOnlyViolation):
        # On PostgreSQL its statements run in autocommit: a write would be kept at once.
        uow.session.execute(insert(t.users).values(
            id=user.id, email=user.email, full_name=user.full_name, role=user.role,
            password_hash="x", created_at=user.created_at))
    assert count(engine, t.users) == 0


def test_reading_is_for_the_next_block_only(make_uow: Any, engine: Engine) -> None:
    uow = make_uow()
    with uow.reading():
        pass
    with uow:
        uow.users.add(new_user(make_uow.ids))
        uow.commit()
    assert count(engine, t.users) == 1


@pytest.mark.postgres
def test_on_postgresql_reading_opens_no_transaction(postgres_engine: Engine) -> None:
    from psycopg.pq import TransactionStatus

    make_uow = uow_factory(postgres_engine)
    ann = stored_user(make_uow)
    with make_uow().reading() as uow:
        assert uow.users.get(ann) is not None
        dbapi = uow.session.connection().connection.dbapi_connection
        assert dbapi.info.transaction_status is TransactionStatus.IDLE


def test_optimistic_reads_wait_for_no_writer(make_uow: Any) -> None:
    ann = stored_user(make_uow)

    def read() -> Any:
        with make_uow().optimistic() as uow:
            return uow.users.get(ann).email

    with make_uow() as writing:
        writing.users.add(new_user(make_uow.ids, "bob@example.test"))
        writing.session.flush()
        assert finishes(read) == "ann@example.test"
        writing.commit()


def test_an_optimistic_write_of_a_version_that_moved_on_is_a_conflict(
        make_uow: Any, engine: Engine) -> None:
    course = saved_course(make_uow, Money(100, "USD"), (("intro", False, None),))
    with make_uow().optimistic() as late, make_uow().optimistic() as early:
        mine, theirs = late.courses.get(course.id), early.courses.get(course.id)
        assert mine.version == theirs.version
        theirs.edit(FakeClock().now(), title="Python, again")
        early.commit()  # on SQLite too: the late one read without holding a lock
        mine.edit(FakeClock().now(), title="Python, late")
        with pytest.raises(Conflict, match="changed by another request"):
            late.commit()
    with engine.connect() as connection:
        title = connection.execute(select(t.courses.c.title)).scalar_one()
    assert title == "Python, again"


def test_an_optimistic_unit_of_work_takes_savepoints_and_commits(make_uow: Any,
                                                                 engine: Engine) -> None:
    with make_uow().optimistic() as uow:
        with uow.session.begin_nested():  # before any write: the write lock comes first
            uow.users.add(new_user(make_uow.ids))
        uow.commit()
    with make_uow().optimistic() as uow:
        uow.users.add(new_user(make_uow.ids, "bob@example.test"))
        uow.commit()
    assert count(engine, t.users) == 2


def test_a_writer_that_failed_or_rolled_back_leaves_the_lock_to_the_next(
        make_uow: Any, engine: Engine) -> None:
    stored_user(make_uow)
    with pytest.raises(Conflict), make_uow() as uow:  # the same address: refused at commit
        uow.users.add(new_user(make_uow.ids))
        uow.commit()
    with make_uow() as uow:  # written, then left without a commit
        uow.users.add(new_user(make_uow.ids, "bob@example.test"))
        uow.session.flush()
    with make_uow().optimistic() as uow:  # took the lock at its write, then failed
        uow.users.add(new_user(make_uow.ids, "cy@example.test"))
        uow.session.flush()
        uow.rollback()
    finishes(lambda: stored_user(make_uow, "dee@example.test"))
    assert count(engine, t.users) == 2


def _synchronous(uow: Any) -> int:
    """SQLite's ``synchronous`` of the unit of work's connection (2 is FULL, 1 NORMAL)."""
    return int(uow.session.connection().exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_an_optimistic_commit_that_need_not_last_skips_the_sync_and_only_it(
        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    # SQLite only: PostgreSQL commits every transaction synchronously (ADR 13). Blocks one
    # after the other reuse the one pooled connection the previous one left.
    url = fresh_database(request, tmp_path, "sqlite")
    with mapped_engine(url) as engine:
        check_synchronous_after_a_heartbeat_like_commit(uow_factory(engine))


def check_synchronous_after_a_heartbeat_like_commit(make_uow: Any) -> None:
    ann = stored_user(make_uow)
    with make_uow().optimistic(durable=False) as uow:
        assert _synchronous(uow) == 1
        uow.users.get(ann).full_name = "Ann, beating"
        uow.commit()
    for later in (make_uow(), make_uow().optimistic(), make_uow().reading()):
        with later as uow:
            assert _synchronous(uow) == 2, "a durable transaction after it syncs again"
    with make_uow().reading() as uow:
        assert uow.users.get(ann).full_name == "Ann, beating"
