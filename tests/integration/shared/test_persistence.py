"""The unit of work, repositories and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.migrations_runner import (
    DatabaseNotMigrated,
    current_revision,
    ensure_migrated,
    head_revision,
)
from domain.accounts.model import EmailAddress, User
from domain.catalog.model import Course, LessonVideoRef
from domain.shared.errors import Conflict
from domain.shared.files import VideoKind
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.conftest import all_areas_unit_of_work
from tests.driver import count
from tests.unit.shared.fakes import FakeClock, FakeTaskQueue


class Ids:
    def __init__(self) -> None:
        self.n = 0
        self.lock = threading.Lock()

    def new_id(self) -> str:
        with self.lock:
            self.n += 1
            return f"00000000-0000-0000-0000-{self.n:012d}"


@pytest.fixture
def make_uow(engine: Engine) -> Any:
    return uow_factory(engine)




def uow_factory(engine: Engine) -> Any:
    sessions, clock, ids, queue = session_factory(engine), FakeClock(), Ids(), FakeTaskQueue()

    def make() -> Any:
        return all_areas_unit_of_work()(sessions, clock, ids, queue)

    make.queue = queue  # type: ignore[attr-defined]
    make.ids = ids  # type: ignore[attr-defined]
    return make


def new_user(ids: Ids, email: str = "ann@example.test", role: Role = Role.TEACHER) -> User:
    return User.register(ids.new_id(), EmailAddress.parse(email), "Ann", role, "hash",
                         datetime(2026, 1, 1, tzinfo=UTC))


def test_the_schema_matches_the_tables_after_migrating(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    ensure_migrated(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, t.metadata) == []


def test_an_unmigrated_database_is_refused(tmp_path: Any) -> None:
    from adapters.outbound.persistence.database import build_engine

    with pytest.raises(DatabaseNotMigrated, match="eduport migrate"):
        ensure_migrated(build_engine(f"sqlite:///{tmp_path}/empty.sqlite3"))


def test_without_commit_nothing_is_kept(make_uow: Any, engine: Engine) -> None:
    with make_uow() as uow:
        uow.users.add(new_user(make_uow.ids))
    with pytest.raises(RuntimeError), make_uow() as uow:
        uow.users.add(new_user(make_uow.ids, "bob@example.test"))
        uow.session.flush()
        raise RuntimeError("the use case failed half way")
    assert count(engine, t.users) == 0 and count(engine, t.outbox) == 0


def test_events_land_in_the_outbox_in_the_same_commit_and_are_dispatched_after(
    make_uow: Any, engine: Engine
) -> None:
    with make_uow() as uow:
        user = new_user(make_uow.ids)
        uow.users.add(user)
        uow.commit()
    with engine.connect() as connection:
        rows = connection.execute(select(t.outbox)).mappings().all()
    assert [(r["event_type"], r["payload"]["user_id"]) for r in rows] == [
        ("UserRegistered", user.id)]
    assert make_uow.queue.jobs == [("process_outbox_message", (rows[0]["id"],))]
    assert rows[0]["occurred_at"].tzinfo is not None


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def saved_course(make_uow: Any, price: Money,
                 lessons: tuple[tuple[str, bool, str | None], ...]) -> Course:
    """A teacher and a course with these (slug, free preview, video) lessons, committed."""
    ids = make_uow.ids
    with make_uow() as uow:
        teacher = new_user(ids)
        uow.users.add(teacher)
        course = Course(ids.new_id(), teacher.id, "Python", "python", "", price, NOW, NOW)
        for slug, free, video in lessons:
            course.add_lesson(ids.new_id(), slug.title(), slug, free, video, NOW)
        uow.courses.add(course)
        uow.commit()
    return course


def test_entities_round_trip_with_money_enums_and_ordered_lessons(make_uow: Any) -> None:
    now = NOW
    course = saved_course(make_uow, Money(1999, "KWD"),
                          (("intro", True, None),
                           ("types", False, LessonVideoRef(VideoKind.VAULT, "video1"))))
    with make_uow() as uow:
        loaded = uow.courses.get(course.id)
        assert loaded is not None
        assert loaded.price == Money(1999, "KWD")
        assert [lesson.slug for lesson in loaded.lessons] == ["intro", "types"]
        assert [lesson.video for lesson in loaded.lessons] == [
            None, LessonVideoRef(VideoKind.VAULT, "video1")]
        loaded.reorder_lessons([loaded.lessons[1].id, loaded.lessons[0].id], now)
        uow.commit()
    with make_uow() as uow:
        reloaded = uow.courses.get(course.id)
        assert reloaded is not None and [lsn.slug for lsn in reloaded.lessons] == ["types", "intro"]
        user = uow.users.get(course.teacher_id)
        assert user is not None and user.role is Role.TEACHER


@pytest.mark.postgres
def test_two_edits_of_one_course_at_once_cannot_both_be_saved(postgres_engine: Engine) -> None:
    """Two of a teacher's tabs add a lesson at the same moment: both read three lessons, and
    without a version both would save position 4. (SQLite serialises writers from their
    first read, so this interleaving exists only on PostgreSQL.)"""
    engine, make_uow = postgres_engine, uow_factory(postgres_engine)
    ids, now = make_uow.ids, NOW
    course = saved_course(make_uow, Money(0, "USD"),
                          tuple((slug, False, None) for slug in ("one", "two", "three")))
    with make_uow() as first, make_uow() as second:
        mine, theirs = first.courses.get(course.id), second.courses.get(course.id)
        assert mine is not None and theirs is not None
        theirs.add_lesson(ids.new_id(), "Four", "four", False, None, now)
        second.commit()
        mine.add_lesson(ids.new_id(), "Extra", "extra", False, None, now)
        with pytest.raises(Conflict, match="changed by another request"):
            first.commit()
    with engine.connect() as connection:
        rows = connection.execute(select(t.lessons.c.slug, t.lessons.c.position)
                                  .order_by(t.lessons.c.position)).all()
        version = connection.execute(select(t.courses.c.version)).scalar_one()
    assert [tuple(r) for r in rows] == [("one", 1), ("two", 2), ("three", 3), ("four", 4)]
    assert version == 5  # created with three lessons (4), then one more


def test_a_uniqueness_collision_is_a_conflict(make_uow: Any, engine: Engine) -> None:
    with make_uow() as uow:
        uow.users.add(new_user(make_uow.ids))
        uow.commit()
    with pytest.raises(Conflict), make_uow() as uow:
        uow.users.add(new_user(make_uow.ids))
        uow.commit()
    assert count(engine, t.users) == 1


def test_concurrent_counters_lose_no_update(make_uow: Any, engine: Engine) -> None:
    ids, now = make_uow.ids, datetime(2026, 1, 1, tzinfo=UTC)
    with make_uow() as uow:
        teacher = new_user(ids)
        uow.users.add(teacher)
        course = Course(ids.new_id(), teacher.id, "Python", "python", "", Money(500, "USD"),
                        now, now)
        uow.courses.add(course)
        uow.commit()

    def bump() -> None:
        with make_uow() as uow:
            uow.statistics.record_enrollment(course.id)
            uow.statistics.record_revenue(course.id, Money(500, "USD"))
            uow.commit()

    threads = [threading.Thread(target=bump) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        students = connection.execute(select(t.course_stats.c.students_count)).scalar_one()
        revenue = connection.execute(select(t.course_revenue.c.amount_minor)).scalar_one()
    assert (students, revenue) == (10, 5000)


def test_outbox_claims_are_exclusive_across_sessions(make_uow: Any) -> None:
    from datetime import timedelta

    with make_uow() as uow:
        uow.users.add(new_user(make_uow.ids))
        uow.commit()
    ((_, (message_id,)),) = make_uow.queue.jobs
    now = datetime.now(UTC)
    with make_uow() as first:
        assert first.outbox.claim(message_id, now, timedelta(minutes=5)) is not None
        first.commit()
    with make_uow() as second:
        assert second.outbox.claim(message_id, now, timedelta(minutes=5)) is None
        assert second.outbox.due(now + timedelta(hours=1), now, 10) == []
        assert second.outbox.due(now + timedelta(hours=1), now + timedelta(minutes=6),
                                      10) == [message_id]
