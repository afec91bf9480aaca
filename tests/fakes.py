"""One ``Fake<Port>`` per port: in-memory, deterministic, asserted on by state."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from application.ports import (
    CourseStats,
    CourseSummary,
    EmailMessage,
    EnrollmentSummary,
    IssuedAccessToken,
    OneTimeClaims,
    OutboxMessage,
    Page,
    Principal,
    RefreshTokenRecord,
)
from domain.accounts import User
from domain.audit import AuditRecord
from domain.catalog import Course
from domain.enrollment import Enrollment
from domain.errors import AuthenticationFailed, Conflict, InvalidToken
from domain.model import Aggregate
from domain.money import Money


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeIdGenerator:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._counter):04d}"


class FakePasswordHasher:
    """Reversible on purpose: tests read what was hashed. Never use outside tests."""

    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "hashed:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    def verify_decoy(self, password: str) -> None:
        self.decoy_checks = getattr(self, "decoy_checks", 0) + 1


class FakeAccessTokens:
    def __init__(self, clock: FakeClock, ttl_seconds: int = 900) -> None:
        self.clock, self.ttl = clock, ttl_seconds
        self.issued: dict[str, tuple[Principal, datetime]] = {}

    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        token = f"access-{len(self.issued) + 1}"
        expires = self.clock.now() + timedelta(seconds=self.ttl)
        self.issued[token] = (Principal(user_id, role), expires)
        return IssuedAccessToken(token, self.ttl)

    def read(self, token: str) -> Principal:
        if token not in self.issued or self.issued[token][1] <= self.clock.now():
            raise AuthenticationFailed("the access token is not valid")
        return self.issued[token][0]


class FakeOneTimeTokens:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.issued: dict[str, tuple[str, OneTimeClaims]] = {}

    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        token = f"{purpose}-token-{len(self.issued) + 1}"
        claims = OneTimeClaims(f"jti-{len(self.issued) + 1}", user_id, self.clock.now() + ttl)
        self.issued[token] = (purpose, claims)
        return token

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        found = self.issued.get(token)
        if found is None or found[0] != purpose:
            raise InvalidToken("the link is not valid")
        if found[1].expires_at <= self.clock.now():
            raise InvalidToken("the link has expired")
        return found[1]

    def latest(self, purpose: str) -> str:
        return [t for t, (p, _) in self.issued.items() if p == purpose][-1]


class FakeMailer:
    def __init__(self) -> None:
        self.sent: dict[str, EmailMessage] = {}
        self.fail_next = 0

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        if self.fail_next:
            from domain.errors import DeliveryFailed

            self.fail_next -= 1
            raise DeliveryFailed("the fake mail service is down")
        self.sent.setdefault(idempotency_key, message)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.sent.values() if m.to == address]


class FakeTaskQueue:
    """Records jobs; ``run_with`` makes it execute them at once like the inline queue."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[str, ...]]] = []
        self.runner: Callable[..., object] | None = None

    def enqueue(self, job: str, *args: str) -> None:
        self.jobs.append((job, args))
        if self.runner is not None:
            self.runner(job, *args)


# --- persistence -----------------------------------------------------------------------------


@dataclass
class FakeDatabase:
    """The state a FakeUnitOfWork commits into; shared by all units of work of one test."""

    users: dict[str, User] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    students_count: dict[str, int] = field(default_factory=dict)
    revenue: dict[tuple[str, str], int] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    used_tokens: set[str] = field(default_factory=set)
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def _track(self, aggregate: Aggregate | None) -> None:
        if aggregate is not None and all(a is not aggregate for a in self.uow.seen):
            self.uow.seen.append(aggregate)


class FakeUserRepository(_Repo):
    def add(self, user: User) -> None:
        self.uow.staged_users[user.id] = user
        self._track(user)

    def get(self, user_id: str) -> User | None:
        user = self.uow.staged_users.get(user_id) or self.uow.db.users.get(user_id)
        self._track(user)
        return user

    def get_by_email(self, email: str) -> User | None:
        everyone = {**self.uow.db.users, **self.uow.staged_users}.values()
        user = next((u for u in everyone if u.email == email), None)
        self._track(user)
        return user


class FakeCourseRepository(_Repo):
    def add(self, course: Course) -> None:
        self.uow.staged_courses[course.id] = course
        self._track(course)

    def get(self, course_id: str) -> Course | None:
        course = self.uow.staged_courses.get(course_id) or self.uow.db.courses.get(course_id)
        self._track(course)
        return course

    def slug_taken(self, slug: str) -> bool:
        everyone = {**self.uow.db.courses, **self.uow.staged_courses}.values()
        return any(c.slug == slug for c in everyone)


class FakeEnrollmentRepository(_Repo):
    def add(self, enrollment: Enrollment) -> None:
        self.uow.staged_enrollments[enrollment.id] = enrollment
        self._track(enrollment)

    def get(self, student_id: str, course_id: str) -> Enrollment | None:
        everyone = {**self.uow.db.enrollments, **self.uow.staged_enrollments}.values()
        found = next((e for e in everyone
                      if e.student_id == student_id and e.course_id == course_id), None)
        self._track(found)
        return found

    def for_student(self, student_id: str) -> list[Enrollment]:
        everyone = {**self.uow.db.enrollments, **self.uow.staged_enrollments}.values()
        found = sorted((e for e in everyone if e.student_id == student_id),
                       key=lambda e: (e.enrolled_at, e.id), reverse=True)
        for enrollment in found:
            self._track(enrollment)
        return found


class FakeCourseStatistics(_Repo):
    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        self.uow.staged_ops.append(lambda db: db.students_count.__setitem__(
            course_id, db.students_count.get(course_id, 0) + delta))

    def record_revenue(self, course_id: str, amount: Money) -> None:
        key = (course_id, amount.currency)
        self.uow.staged_ops.append(lambda db: db.revenue.__setitem__(
            key, db.revenue.get(key, 0) + amount.amount_minor))


class FakeAuditLog(_Repo):
    def append(self, record: AuditRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.audit.append(record))

    def list(self, limit: int, before: datetime | None = None) -> list[AuditRecord]:
        records = [r for r in self.uow.db.audit if before is None or r.occurred_at < before]
        return sorted(records, key=lambda r: r.occurred_at, reverse=True)[:limit]


class FakeRefreshTokenStore(_Repo):
    def add(self, record: RefreshTokenRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.refresh_tokens.__setitem__(record.id, record))

    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        found = next((r for r in self.uow.db.refresh_tokens.values()
                      if r.token_hash == token_hash), None)
        return replace(found) if found else None

    def mark_used(self, record_id: str, now: datetime) -> bool:
        record = self.uow.db.refresh_tokens[record_id]
        if record.used_at is not None:
            return False
        self.uow.staged_ops.append(lambda db: setattr(db.refresh_tokens[record_id], "used_at", now))
        return True

    def revoke_family(self, family_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.family_id == family_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)

    def revoke_user(self, user_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.user_id == user_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)


class FakeUsedTokens(_Repo):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        if token_id in self.uow.db.used_tokens:
            return False
        self.uow.staged_ops.append(lambda db: db.used_tokens.add(token_id))
        return True


class FakeOutbox(_Repo):
    def add(self, message: OutboxMessage) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox.__setitem__(message.id, {
            "message": message, "processed_at": None, "locked_until": None, "handled": set(),
            "attempts": 0, "last_error": None}))

    def claim(self, message_id: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
        row = self.uow.db.outbox.get(message_id)
        if row is None or row["processed_at"] is not None:
            return None
        if row["locked_until"] is not None and row["locked_until"] >= now:
            return None
        row["locked_until"], row["attempts"] = now + lease, row["attempts"] + 1
        return replace(row["message"], handled_by=frozenset(row["handled"]))

    def mark_handled(self, message_id: str, handler: str) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox[message_id]["handled"].add(handler))

    def mark_processed(self, message_id: str, now: datetime) -> None:
        def done(db: FakeDatabase) -> None:
            db.outbox[message_id].update(processed_at=now, locked_until=None)
        self.uow.staged_ops.append(done)

    def release(self, message_id: str, error: str) -> None:
        def release(db: FakeDatabase) -> None:
            db.outbox[message_id].update(locked_until=None, last_error=error)
        self.uow.staged_ops.append(release)

    def stranded(self, older_than: datetime, now: datetime, limit: int) -> list[str]:
        return [mid for mid, row in self.uow.db.outbox.items()
                if row["processed_at"] is None and row["message"].occurred_at < older_than
                and (row["locked_until"] is None or row["locked_until"] < now)][:limit]


class FakeUnitOfWork:
    """Stages changes and applies them to the FakeDatabase only on commit, like a transaction.

    Entities fetched are the database's own objects (as an identity map would hand out), so
    tests should commit or discard the whole use case, as real code does.
    """

    def __init__(self, db: FakeDatabase | None = None, clock: FakeClock | None = None,
                 ids: FakeIdGenerator | None = None, queue: FakeTaskQueue | None = None) -> None:
        self.db = db or FakeDatabase()
        self.clock, self.ids = clock or FakeClock(), ids or FakeIdGenerator()
        self.queue = queue or FakeTaskQueue()
        self.commits = 0
        self.users = FakeUserRepository(self)
        self.courses = FakeCourseRepository(self)
        self.enrollments = FakeEnrollmentRepository(self)
        self.statistics = FakeCourseStatistics(self)
        self.audit = FakeAuditLog(self)
        self.refresh_tokens = FakeRefreshTokenStore(self)
        self.used_tokens = FakeUsedTokens(self)
        self.outbox = FakeOutbox(self)
        self._reset()

    def _reset(self) -> None:
        self.seen: list[Aggregate] = []
        self.staged_users: dict[str, User] = {}
        self.staged_courses: dict[str, Course] = {}
        self.staged_enrollments: dict[str, Enrollment] = {}
        self.staged_ops: list[Callable[[FakeDatabase], None]] = []

    def __enter__(self) -> Self:
        self._reset()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()

    def commit(self) -> None:
        for enrollment in self.staged_enrollments.values():
            if any(e.student_id == enrollment.student_id and e.course_id == enrollment.course_id
                   and e.id != enrollment.id for e in self.db.enrollments.values()):
                raise Conflict("the change collides with one made at the same time")
        written = []
        for aggregate in self.seen:
            while aggregate.events:
                event = aggregate.events.pop(0)
                message = OutboxMessage(self.ids.new_id(), event.name, event.payload(),
                                        self.clock.now())
                self.outbox.add(message)
                written.append(message.id)
        self.db.users.update(self.staged_users)
        self.db.courses.update(self.staged_courses)
        self.db.enrollments.update(self.staged_enrollments)
        for op in self.staged_ops:
            op(self.db)
        self.commits += 1
        self._reset()
        for message_id in written:
            self.queue.enqueue("process_outbox_message", message_id)

    def rollback(self) -> None:
        self._reset()


class FakeCatalogQueries:
    """Reads the FakeDatabase the way the SQL queries read tables."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def _summary(self, course: Course) -> CourseSummary:
        teacher = self.db.users.get(course.teacher_id)
        return CourseSummary(course.id, course.slug, course.title, course.teacher_id,
                             teacher.full_name if teacher else "", course.price,
                             course.thumbnail_key, len(course.lessons), course.published_at)

    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        found = [c for c in self.db.courses.values() if c.is_published
                 and (not search or search.lower() in c.title.lower())]
        found.sort(key=lambda c: (c.published_at, c.id), reverse=True)
        start = (page - 1) * page_size
        return Page([self._summary(c) for c in found[start:start + page_size]], page,
                    page_size, len(found))

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]:
        mine = [c for c in self.db.courses.values() if c.teacher_id == teacher_id]
        mine.sort(key=lambda c: (-c.created_at.timestamp(), c.id))
        return [self._summary(c) for c in mine]

    def statistics(self, course_id: str) -> CourseStats:
        revenue = tuple(Money(amount, currency) for (cid, currency), amount
                        in sorted(self.db.revenue.items()) if cid == course_id)
        return CourseStats(course_id, self.db.students_count.get(course_id, 0), revenue)

    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        mine = [e for e in self.db.enrollments.values() if e.student_id == student_id]
        mine.sort(key=lambda e: (-e.enrolled_at.timestamp(), e.id))
        return [EnrollmentSummary(e.id, e.course_id, self.db.courses[e.course_id].title,
                                  self.db.courses[e.course_id].slug, e.status.value,
                                  e.enrolled_at) for e in mine]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
