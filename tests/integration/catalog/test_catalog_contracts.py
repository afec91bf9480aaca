"""The catalog ports' contracts, run against the fakes and the SQL adapters: the same data,
set up through the catalog's unit of work, must read back the same."""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.persistence.catalog import (
    SqlCatalogQueries,
    SqlCatalogUnitOfWork,
    SqlCourseRepository,
    SqlCourseStatistics,
    SqlEnrollmentRepository,
)
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.system import SystemClock, UuidGenerator
from application.catalog.ports import (
    CatalogQueries,
    CatalogUnitOfWork,
    CourseRepository,
    CourseStatistics,
    CourseStats,
    CourseSummary,
    EnrollmentRepository,
    EnrollmentSummary,
)
from application.shared.process_outbox_message import PROCESS_OUTBOX_JOB
from domain.accounts.model import EmailAddress, User
from domain.catalog.enrollment import Enrollment, EnrollmentStatus
from domain.catalog.model import Course, CourseStatus, LessonVideoRef
from domain.shared.errors import Conflict
from domain.shared.files import VideoKind
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.unit.accounts.fakes import FakeAccountsUnitOfWork
from tests.unit.catalog.fakes import (
    FakeCatalogQueries,
    FakeCatalogUnitOfWork,
    FakeCourseRepository,
    FakeCourseStatistics,
    FakeEnrollmentRepository,
)
from tests.unit.shared.fakes import FakeDatabase, FakeKernelUnitOfWork, FakeTaskQueue

T0 = datetime(2026, 1, 5, 9, 0, 0, 250000, tzinfo=UTC)


PRICE = Money(4900, "USD")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


CATALOG_UNIT_OF_WORK = Contract(CatalogUnitOfWork, {"fake": FakeCatalogUnitOfWork,
                                                    "sqlalchemy": SqlCatalogUnitOfWork})
COURSES = Contract(CourseRepository, {"fake": FakeCourseRepository,
                                      "sqlalchemy": SqlCourseRepository})
ENROLLMENTS = Contract(EnrollmentRepository, {"fake": FakeEnrollmentRepository,
                                              "sqlalchemy": SqlEnrollmentRepository})
STATISTICS = Contract(CourseStatistics, {"fake": FakeCourseStatistics,
                                         "sqlalchemy": SqlCourseStatistics})
CATALOG_QUERIES = Contract(CatalogQueries, {"fake": FakeCatalogQueries,
                                            "sqlalchemy": SqlCatalogQueries})
# The repositories and the queries run under the unit of work's params.
assert all(contract.implementations.keys() == CATALOG_UNIT_OF_WORK.implementations.keys()
           for contract in (COURSES, ENROLLMENTS, STATISTICS, CATALOG_QUERIES))


class Catalog:
    """One implementation of the catalog's storage: its units of work (each call opens a new
    one), their repositories and the queries over what they commit, all checked against their
    Contracts; the accounts' unit of work over the same records, for the users courses need;
    the jobs the catalog's commits dispatched."""

    def __init__(self, param: str, make: Callable[[], Any], accounts: Callable[[], Any],
                 queries: Callable[[], Any], kernel: Callable[[], Any],
                 queue: FakeTaskQueue) -> None:
        self.param, self._make, self.accounts, self.queue = param, make, accounts, queue
        self._queries, self._kernel = queries, kernel

    def __call__(self) -> Any:
        return CATALOG_UNIT_OF_WORK.build(self.param, self._make)

    def repository(self, uow: Any, contract: Contract) -> Any:
        """The repository the unit-of-work port declares of ``contract``'s port."""
        name = next(name for name, port in typing.get_type_hints(CatalogUnitOfWork).items()
                    if port is contract.port)
        return contract.build(self.param, lambda: getattr(uow, name))

    def queries(self) -> Any:
        return CATALOG_QUERIES.build(self.param, self._queries)

    def dispatched(self) -> list[str]:
        """The event types of the outbox messages whose jobs were dispatched, from the outbox."""
        assert {job for job, _ in self.queue.jobs} <= {PROCESS_OUTBOX_JOB}
        with self._kernel() as kernel:
            messages = [kernel.outbox.claim(message_id, datetime.now(UTC), timedelta(minutes=1))
                        for _, (message_id,) in self.queue.jobs]
        return sorted(message.event_type for message in messages if message is not None)

    # --- setting up data ---

    def user(self, full_name: str, role: Role = Role.TEACHER) -> str:
        someone = User.register(str(uuid.uuid4()), EmailAddress.parse(
            f"{uuid.uuid4().hex[:12]}@example.test"), full_name, role, "hashed", T0)
        with self.accounts() as uow:
            uow.users.add(someone)
            uow.commit()
        return someone.id

    def store(self, *aggregates: Course | Enrollment) -> None:
        with self() as uow:
            for aggregate in aggregates:
                contract = COURSES if isinstance(aggregate, Course) else ENROLLMENTS
                self.repository(uow, contract).add(aggregate)
            uow.commit()


@pytest.fixture(params=CATALOG_UNIT_OF_WORK.params())
def catalog(request: pytest.FixtureRequest) -> Catalog:
    queue = FakeTaskQueue()
    if request.param == "fake":
        db = FakeDatabase()
        return Catalog("fake", lambda: FakeCatalogUnitOfWork(db, queue=queue),
                       lambda: FakeAccountsUnitOfWork(db), lambda: FakeCatalogQueries(db),
                       lambda: FakeKernelUnitOfWork(db), queue)
    engine = request.getfixturevalue("contract_engine")
    sessions = session_factory(engine)

    def sql(kind: type[Any], jobs: FakeTaskQueue) -> Callable[[], Any]:
        return lambda: kind(sessions, SystemClock(), UuidGenerator(), jobs)

    return Catalog("sqlalchemy", sql(SqlCatalogUnitOfWork, queue),
                   sql(SqlAccountsUnitOfWork, FakeTaskQueue()), lambda: SqlCatalogQueries(engine),
                   sql(SqlKernelUnitOfWork, FakeTaskQueue()), queue)


def course(teacher_id: str, title: str, slug: str | None = None, *, created: float = 0,
           lessons: int = 1, published: float | None = None,
           price: Money = PRICE, thumbnail: str | None = None) -> Course:
    made = Course(str(uuid.uuid4()), teacher_id, title, slug or f"course-{uuid.uuid4().hex[:8]}",
                  f"All about {title}", price, at(created), at(created), thumbnail)
    for number in range(1, lessons + 1):
        made.add_lesson(str(uuid.uuid4()), f"Lesson {number}", f"lesson-{number}",
                        number == 1, LessonVideoRef(VideoKind.VAULT, f"video{number}"),
                        at(created))
    if published is not None:
        made.publish(at(published))
    return made


def enrollment(student_id: str, of: Course, hours: float) -> Enrollment:
    return Enrollment.start(str(uuid.uuid4()), student_id, of, at(hours))


def looks(found: Course) -> tuple[Any, ...]:
    """What a course read back must keep."""
    return (found.id, found.teacher_id, found.title, found.slug, found.description,
            found.price, found.thumbnail_key, found.status, found.created_at, found.published_at,
            [(lesson.id, lesson.title, lesson.slug, lesson.position, lesson.is_free_preview,
              lesson.video_kind, lesson.video_ref) for lesson in found.lessons])


# --- CatalogUnitOfWork -----------------------------------------------------------------------


def test_unit_of_work_contract_commits_all_or_nothing(catalog: Catalog) -> None:
    teacher, student = catalog.user("Ada Lovelace"), catalog.user("Sam", Role.STUDENT)
    kept, dropped = course(teacher, "Kept", published=1), course(teacher, "Dropped", published=1)
    with catalog() as uow:
        uow.courses.add(dropped)
        uow.enrollments.add(enrollment(student, dropped, 2))
        uow.statistics.record_enrollment(dropped.id)
    with catalog() as uow:
        uow.courses.add(kept)
        uow.enrollments.add(enrollment(student, kept, 2))
        assert catalog.queue.jobs == []  # nothing is dispatched before the commit
        uow.commit()
    with catalog() as uow:
        assert uow.courses.get(dropped.id) is None
        assert uow.enrollments.get(student, dropped.id) is None
        assert uow.courses.get(kept.id) is not None
        assert uow.enrollments.get(student, kept.id) is not None
    assert catalog.dispatched() == ["CoursePublished", "StudentEnrolled"]


def test_unit_of_work_contract_a_conflict_stores_nothing(catalog: Catalog) -> None:
    teacher, student = catalog.user("Ada Lovelace"), catalog.user("Sam", Role.STUDENT)
    first = course(teacher, "First", published=1)
    catalog.store(first, enrollment(student, first, 2))
    jobs = len(catalog.queue.jobs)
    other = course(teacher, "Other", published=3)
    with pytest.raises(Conflict), catalog() as uow:  # enrolled twice: one request lost
        uow.enrollments.add(enrollment(student, first, 4))
        uow.courses.add(other)
        uow.commit()
    with catalog() as uow:
        assert uow.courses.get(other.id) is None
    assert len(catalog.queue.jobs) == jobs


# --- CourseRepository ------------------------------------------------------------------------


def test_courses_contract_round_trip(catalog: Catalog) -> None:
    teacher = catalog.user("Ada Lovelace")
    made = course(teacher, "Compilers", "compilers", lessons=3, published=2,
                  price=Money(1999, "EUR"), thumbnail="thumbs/compilers.png")
    expected = looks(made)
    with catalog() as uow:
        catalog.repository(uow, COURSES).add(made)
        uow.commit()
    with catalog() as uow:
        courses = catalog.repository(uow, COURSES)
        found = courses.get(made.id)
        assert courses.get(str(uuid.uuid4())) is None
    assert found is not None and looks(found) == expected
    assert found.status is CourseStatus.PUBLISHED and [lesson.position for lesson in
                                                       found.lessons] == [1, 2, 3]


def test_courses_contract_slugs(catalog: Catalog) -> None:
    teacher = catalog.user("Ada Lovelace")
    with catalog() as uow:
        courses = catalog.repository(uow, COURSES)
        courses.add(course(teacher, "Dropped", "dropped"))
        assert courses.slug_taken("dropped")  # the transaction sees its own writes
    catalog.store(course(teacher, "Kept", "kept"))
    with catalog() as uow:
        courses = catalog.repository(uow, COURSES)
        assert courses.slug_taken("kept") is True
        assert courses.slug_taken("dropped") is False
        assert courses.slug_taken("kept-2") is False


def test_courses_contract_a_slug_belongs_to_one_course(catalog: Catalog) -> None:
    teacher = catalog.user("Ada Lovelace")
    first = course(teacher, "First", "compilers")
    catalog.store(first)
    with pytest.raises(Conflict), catalog() as uow:  # a concurrent creation lost
        catalog.repository(uow, COURSES).add(course(teacher, "Second", "compilers"))
        uow.commit()
    with catalog() as uow:
        assert catalog.repository(uow, COURSES).get(first.id).title == "First"


def test_courses_contract_changes_are_saved_only_on_commit(catalog: Catalog) -> None:
    teacher = catalog.user("Ada Lovelace")
    made = course(teacher, "Compilers", lessons=2)
    catalog.store(made)
    with catalog() as uow:
        loaded = catalog.repository(uow, COURSES).get(made.id)
        loaded.edit(at(1), title="Compilers, again", price=Money(2500, "USD"))
        loaded.add_lesson(str(uuid.uuid4()), "Parsing", "parsing", False, None, at(1))
        loaded.reorder_lessons([lesson.id for lesson in reversed(loaded.lessons)], at(1))
        loaded.publish(at(2))
        expected = looks(loaded)
        uow.commit()
    with catalog() as uow:
        catalog.repository(uow, COURSES).get(made.id).edit(at(3), title="Lost")  # no commit
    with catalog() as uow:
        saved = catalog.repository(uow, COURSES).get(made.id)
    assert looks(saved) == expected
    assert [lesson.title for lesson in saved.lessons] == ["Parsing", "Lesson 2", "Lesson 1"]


# --- EnrollmentRepository --------------------------------------------------------------------


def test_enrollments_contract_round_trip(catalog: Catalog) -> None:
    teacher, student = catalog.user("Ada Lovelace"), catalog.user("Sam", Role.STUDENT)
    first, second = course(teacher, "First", published=1), course(teacher, "Second", published=1)
    catalog.store(first, second)
    made = Enrollment.start(str(uuid.uuid4()), student, first, at(2), source="payment:p-1")
    with catalog() as uow:
        enrollments = catalog.repository(uow, ENROLLMENTS)
        enrollments.add(made)
        assert enrollments.get(student, first.id) is not None  # sees its own writes
        uow.commit()
    with catalog() as uow:
        catalog.repository(uow, ENROLLMENTS).add(enrollment(student, second, 3))  # no commit
    with catalog() as uow:
        enrollments = catalog.repository(uow, ENROLLMENTS)
        found = enrollments.get(student, first.id)
        assert enrollments.get(student, second.id) is None
        assert enrollments.get(teacher, first.id) is None
    assert found is not None
    assert (found.id, found.student_id, found.course_id, found.enrolled_at, found.source,
            found.status) == (made.id, student, first.id, at(2), "payment:p-1",
                              EnrollmentStatus.ACTIVE)


def test_enrollments_contract_changes_are_saved_only_on_commit(catalog: Catalog) -> None:
    teacher, student = catalog.user("Ada Lovelace"), catalog.user("Sam", Role.STUDENT)
    paid = course(teacher, "Paid", published=1)
    catalog.store(paid, enrollment(student, paid, 2))
    with catalog() as uow:
        assert catalog.repository(uow, ENROLLMENTS).get(student, paid.id).suspend()
        uow.commit()
    with catalog() as uow:
        assert catalog.repository(uow, ENROLLMENTS).get(student, paid.id).revoke()  # no commit
    with catalog() as uow:
        status = catalog.repository(uow, ENROLLMENTS).get(student, paid.id).status
    assert status is EnrollmentStatus.SUSPENDED


def test_enrollments_contract_one_per_student_and_course(catalog: Catalog) -> None:
    teacher, student = catalog.user("Ada Lovelace"), catalog.user("Sam", Role.STUDENT)
    paid = course(teacher, "Paid", published=1)
    first = enrollment(student, paid, 2)
    catalog.store(paid, first)
    with pytest.raises(Conflict), catalog() as uow:
        catalog.repository(uow, ENROLLMENTS).add(enrollment(student, paid, 3))
        uow.commit()
    with catalog() as uow:
        assert catalog.repository(uow, ENROLLMENTS).get(student, paid.id).id == first.id


# --- CourseStatistics (read through CatalogQueries.statistics) -------------------------------


def test_statistics_contract_add_up_students_and_revenue(catalog: Catalog) -> None:
    teacher = catalog.user("Ada Lovelace")
    counted, other = course(teacher, "Counted", published=1), course(teacher, "Other")
    catalog.store(counted, other)
    assert catalog.queries().statistics(counted.id) == CourseStats(counted.id, 0, ())
    with catalog() as uow:
        statistics = catalog.repository(uow, STATISTICS)
        statistics.record_enrollment(counted.id)
        statistics.record_enrollment(counted.id, 2)
        statistics.record_enrollment(counted.id, delta=-1)  # a refund
        statistics.record_revenue(counted.id, Money(4900, "USD"))
        statistics.record_revenue(counted.id, Money(1500, "EUR"))
        statistics.record_revenue(counted.id, Money(-900, "USD"))
        uow.commit()
    with catalog() as uow:
        statistics = catalog.repository(uow, STATISTICS)
        statistics.record_enrollment(counted.id, 5)  # no commit
        statistics.record_revenue(counted.id, Money(100, "GBP"))
    stats = catalog.queries().statistics(counted.id)
    assert (stats.course_id, stats.students_count) == (counted.id, 2)
    assert sorted(stats.revenue, key=lambda money: money.currency) == [
        Money(1500, "EUR"), Money(4000, "USD")]
    assert catalog.queries().statistics(other.id) == CourseStats(other.id, 0, ())


# --- CatalogQueries --------------------------------------------------------------------------


class Listing:
    """A catalog of two teachers' courses, some published (two at the same moment), one a
    draft, and a student's enrollments."""

    def __init__(self, catalog: Catalog) -> None:
        self.ada, self.bob = catalog.user("Ada Lovelace"), catalog.user("Bob Barker")
        self.student, self.other_student = (catalog.user("Sam", Role.STUDENT),
                                            catalog.user("Kim", Role.STUDENT))
        self.rust = course(self.bob, "Rust in production", created=1, published=9)
        self.types = course(self.ada, "Type systems", created=2, published=8)
        self.theory = course(self.bob, "Type theory", created=3, published=8)
        self.intro = course(self.ada, "Intro to RUST", created=4, lessons=2, published=7,
                            price=Money(0, "USD"), thumbnail="thumbs/intro.png")
        self.compilers = course(self.ada, "Compilers", created=5, published=6)
        self.python = course(self.bob, "100% Python_basics", created=6, published=5)
        self.draft = course(self.ada, "Rust, a draft", created=7)
        suspended = enrollment(self.student, self.python, 11)
        suspended.suspend()
        catalog.store(self.rust, self.types, self.theory, self.intro, self.compilers,
                      self.python, self.draft)
        self.enrollments = [enrollment(self.student, self.compilers, 12), suspended,
                            enrollment(self.student, self.intro, 10)]  # newest first
        catalog.store(*self.enrollments, enrollment(self.other_student, self.rust, 13))


@pytest.fixture
def listing(catalog: Catalog) -> Listing:
    return Listing(catalog)


def ids(courses: Any) -> list[str]:
    return [found.id for found in courses]


def test_queries_contract_published_newest_first(catalog: Catalog, listing: Listing) -> None:
    page = catalog.queries().published(1, 20, None)
    assert (page.page, page.page_size, page.total) == (1, 20, 6)
    found = ids(page.items)
    assert found[0] == listing.rust.id
    assert set(found[1:3]) == {listing.types.id, listing.theory.id}  # published at once
    assert found[3:] == [listing.intro.id, listing.compilers.id, listing.python.id]
    assert listing.draft.id not in found


def test_queries_contract_published_in_pages(catalog: Catalog, listing: Listing) -> None:
    queries = catalog.queries()
    everything = ids(queries.published(1, 20, None).items)
    pages = [queries.published(number, 2, None) for number in (1, 2, 3, 4)]
    assert [(page.page, page.page_size, page.total) for page in pages] == [
        (1, 2, 6), (2, 2, 6), (3, 2, 6), (4, 2, 6)]
    assert [ids(page.items) for page in pages] == [everything[0:2], everything[2:4],
                                                    everything[4:6], []]


def test_queries_contract_published_searched_by_title(catalog: Catalog, listing: Listing
                                                      ) -> None:
    queries = catalog.queries()
    rust = [listing.rust.id, listing.intro.id]  # not the draft
    assert ids(queries.published(1, 20, "rust").items) == rust
    assert ids(queries.published(1, 20, "RuSt").items) == rust
    assert queries.published(1, 20, "rust").total == 2
    second = queries.published(2, 1, "RUST")
    assert (ids(second.items), second.total) == ([listing.intro.id], 2)
    assert ids(queries.published(1, 20, "type").items)[0] in {listing.types.id,
                                                             listing.theory.id}
    for literal in ("%", "_", "0% p"):  # no wildcards
        assert ids(queries.published(1, 20, literal).items) == [listing.python.id]
    nothing = queries.published(1, 20, "haskell")
    assert (list(nothing.items), nothing.total) == ([], 0)


def test_queries_contract_summaries(catalog: Catalog, listing: Listing) -> None:
    intro = listing.intro
    summary = CourseSummary(intro.id, intro.slug, "Intro to RUST", listing.ada, "Ada Lovelace",
                            Money(0, "USD"), "thumbs/intro.png", 2, at(7))
    found = catalog.queries().published(1, 20, "intro").items
    assert list(found) == [summary]
    assert summary in catalog.queries().by_teacher(listing.ada)


def test_queries_contract_by_teacher(catalog: Catalog, listing: Listing) -> None:
    queries = catalog.queries()
    ada = [listing.draft, listing.compilers, listing.intro, listing.types]  # newest first
    assert ids(queries.by_teacher(listing.ada)) == ids(ada)  # drafts included
    assert ids(queries.by_teacher(listing.bob)) == ids([listing.python, listing.theory,
                                                        listing.rust])
    assert queries.by_teacher(listing.student) == []


def test_queries_contract_enrollments_of(catalog: Catalog, listing: Listing) -> None:
    queries = catalog.queries()
    courses = {found.id: found for found in (listing.compilers, listing.python, listing.intro)}
    assert queries.enrollments_of(listing.student) == [
        EnrollmentSummary(e.id, e.course_id, courses[e.course_id].title,
                          courses[e.course_id].slug, status, e.enrolled_at)
        for e, status in zip(listing.enrollments, ("active", "suspended", "active"),
                             strict=True)]
    assert queries.enrollments_of(listing.ada) == []
