"""The files area's records through the fake unit of work the unit tests use and the SQL one
on SQLite and PostgreSQL, the same checks: uploads read back as stored, by id and by key;
the transaction sees its own writes and keeps nothing without a commit; the unique key; the
abandoned uploads a sweep takes, the storage an owner uses and the views of a course's
lessons; the discards that reach the outbox; and two transactions changing one file at once,
which each implementation settles in its own way (the tests say which)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from adapters.outbound.persistence.files import (
    SqlFileQueries,
    SqlFileRepository,
    SqlFilesUnitOfWork,
    SqlPlaybackGrants,
    stored_files,
)
from application.accounts.published import Contact
from application.catalog.published import CourseCard
from application.files.ports import (
    FileQueries,
    FileRepository,
    FilesUnitOfWork,
    LessonViews,
    PlaybackGrants,
)
from domain.files.model import FileStatus, OwnerKind, StoredFile, key_for
from domain.files.playback import PlaybackGrant
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.files import FilePurpose, VideoKind
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.integration.area_records import T0, AreaRecords, fake_records, records_for
from tests.unit.files.fakes import (
    FakeFileQueries,
    FakeFileRepository,
    FakeFilesUnitOfWork,
    FakePlaybackGrants,
)

POSTGRES = pytest.mark.postgres
UNIT_OF_WORK = Contract(FilesUnitOfWork, {"fake": FakeFilesUnitOfWork,
                                          "sqlite": SqlFilesUnitOfWork,
                                          "postgres": SqlFilesUnitOfWork},
                        marks={"postgres": POSTGRES})
FILES = Contract(FileRepository, {"fake": FakeFileRepository,
                                  "sqlite": SqlFileRepository,
                                  "postgres": SqlFileRepository},
                 marks={"postgres": POSTGRES})
QUERIES = Contract(FileQueries, {"fake": FakeFileQueries,
                                 "sqlite": SqlFileQueries,
                                 "postgres": SqlFileQueries},
                   marks={"postgres": POSTGRES})
GRANTS = Contract(PlaybackGrants, {"fake": FakePlaybackGrants,
                                   "sqlite": SqlPlaybackGrants,
                                   "postgres": SqlPlaybackGrants},
                  marks={"postgres": POSTGRES})
# The repositories run under the unit of work's params.
assert FILES.implementations.keys() == QUERIES.implementations.keys() == \
    GRANTS.implementations.keys() == UNIT_OF_WORK.implementations.keys()

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
GIB = 1024 * 1024 * 1024


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


class Records(AreaRecords):
    """The files area's storage (see ``AreaRecords``): uploads, their read side and the
    playback grants."""

    unit_of_work = UNIT_OF_WORK

    def files(self, uow: Any) -> Any:
        return self.repository(uow, FILES)

    def queries(self, uow: Any) -> Any:
        return self.repository(uow, QUERIES)

    def grants(self, uow: Any) -> Any:
        return self.repository(uow, GRANTS)

    def dispatched(self) -> list[tuple[str, dict[str, Any]]]:
        """The event types and payloads of the outbox messages the files' commits
        dispatched, in the order they were."""
        return [(message.event_type, dict(message.payload))
                for message in self.dispatched_messages()]

    def store(self, *files: StoredFile) -> None:
        with self() as uow:
            for file in files:
                self.files(uow).add(file)
            uow.commit()


def records_of(request: pytest.FixtureRequest, param: str | None = None) -> Records:
    return records_for(request, Records, FakeFilesUnitOfWork, SqlFilesUnitOfWork, param)


@pytest.fixture(params=UNIT_OF_WORK.params())
def records(request: pytest.FixtureRequest) -> Records:
    return records_of(request)


class People:
    """A teacher with a course, two students and another teacher with a course."""

    def __init__(self, records: Records) -> None:
        self.teacher = records.user("Grace", Role.TEACHER)
        self.alan = records.user("Alan", Role.TEACHER)
        self.ann, self.bob = records.user("Ann"), records.user("Bob")
        self.course = records.course(self.teacher)
        self.other_course = records.course(self.alan, "Type systems")


@pytest.fixture
def people(records: Records) -> People:
    return People(records)


def upload(uploader: str, *, purpose: FilePurpose = FilePurpose.COURSE_THUMBNAIL,
           status: FileStatus = FileStatus.PENDING, created: datetime = T0,
           completed: datetime | None = None, size: int = len(PNG),
           owner_kind: OwnerKind = OwnerKind.USER, owner_id: str | None = None,
           subject_id: str | None = None, content_type: str = "image/png",
           filename: str | None = None, key: str | None = None) -> StoredFile:
    return StoredFile(str(uuid.uuid4()), purpose, owner_kind, owner_id or uploader, uploader,
                      subject_id or str(uuid.uuid4()),
                      key or key_for(purpose, uuid.uuid4().hex), content_type, size, filename,
                      status, created, created + timedelta(minutes=15), completed)


def looks(file: StoredFile) -> tuple[Any, ...]:
    return (file.id, file.purpose, file.owner_kind, file.owner_id, file.uploader_id,
            file.subject_id, file.key, file.content_type, file.size, file.filename,
            file.status, file.created_at, file.expires_at, file.completed_at, file.version)


def complete(file: StoredFile, when: datetime) -> None:
    """The completion of an upload whose bytes are what it declared."""
    file.complete(when, file.size, file.content_type, file.content_type, PNG)


# --- uploads read back -----------------------------------------------------------------------


def test_uploads_read_back_as_stored_by_id_and_by_key(records: Records,
                                                       people: People) -> None:
    thumbnail = upload(people.teacher, subject_id=people.course, filename="Résumé «final».png")
    video = upload(people.teacher, purpose=FilePurpose.LESSON_VIDEO, status=FileStatus.READY,
                   created=at(1, 0.5), completed=at(7, 30.75), size=4 * GIB + 1,
                   content_type="video/mp4", subject_id=people.course)
    video.version = 3
    logo = upload(people.ann, purpose=FilePurpose.INSTITUTION_LOGO,
                  owner_kind=OwnerKind.INSTITUTION, owner_id=str(uuid.uuid4()),
                  status=FileStatus.ATTACHED, completed=at(2))
    expected = {f.id: looks(f) for f in (thumbnail, video, logo)}
    records.store(thumbnail, video, logo)
    with records() as uow:
        files = records.files(uow)
        for file in (thumbnail, video, logo):
            found = files.get(file.id)
            assert found is not None and looks(found) == expected[file.id]
            by_key = files.by_key(file.key)
            assert by_key is not None and looks(by_key) == expected[file.id]
        found = files.get(video.id)
        assert files.get(video.id) is found  # one copy in a transaction
        assert files.get(str(uuid.uuid4())) is None
        assert files.by_key(key_for(FilePurpose.COURSE_THUMBNAIL, uuid.uuid4().hex)) is None
    # the values come back in their own types, the times in UTC
    assert (type(found.purpose), type(found.owner_kind), type(found.status)) == (
        FilePurpose, OwnerKind, FileStatus)
    assert found.created_at.utcoffset() == found.completed_at.utcoffset() == timedelta(0)
    assert type(found.size) is int and found.size == 4 * GIB + 1


def test_an_added_upload_is_seen_by_its_transaction_and_kept_only_on_commit(
        records: Records, people: People) -> None:
    file = upload(people.teacher)
    with records() as uow:
        files = records.files(uow)
        files.add(file)
        assert files.get(file.id) is not None
        found = files.by_key(file.key)
        assert found is not None and found.id == file.id  # before any commit
    with records() as uow:  # that one rolled back
        assert records.files(uow).get(file.id) is None
        assert records.files(uow).by_key(file.key) is None


def test_changes_are_kept_only_on_commit(records: Records, people: People) -> None:
    file = upload(people.teacher, subject_id=people.course)
    records.store(file)
    with records() as uow:
        complete(records.files(uow).get(file.id), at(1, 0.5))
        uow.commit()
    with records() as uow:
        found = records.files(uow).get(file.id)
        assert (found.status, found.version) == (FileStatus.READY, 2)  # the commit is seen
        found.attach(file.purpose, people.teacher, people.course)  # no commit
    with records() as uow:
        kept = records.files(uow).by_key(file.key)
        kept.discard(at(3))
        uow.rollback()  # an explicit rollback drops the change and its event
        uow.commit()  # nothing left to commit
    with records() as uow:
        kept = records.files(uow).get(file.id)
    assert (kept.status, kept.completed_at, kept.version) == (FileStatus.READY, at(1, 0.5), 2)
    assert records.dispatched() == []


def test_a_key_is_unique(records: Records, people: People) -> None:
    first = upload(people.teacher)
    records.store(first)
    second = upload(people.bob, purpose=FilePurpose.COURSE_THUMBNAIL, key=first.key)
    with pytest.raises(Conflict), records() as uow:
        records.files(uow).add(second)
        uow.commit()
    with records() as uow:
        assert records.files(uow).get(second.id) is None
        kept = records.files(uow).by_key(first.key)
        assert kept is not None and kept.id == first.id


# --- what a discard leaves for the outbox ----------------------------------------------------


def test_a_committed_discard_reaches_the_outbox_once(records: Records, people: People) -> None:
    file, other = upload(people.teacher), upload(people.teacher)
    records.store(file, other)
    assert records.dispatched() == []  # storing raised nothing
    with records() as uow:
        records.files(uow).get(file.id).discard(at(5))
        uow.commit()
    with records() as uow:
        records.files(uow).get(file.id).discard(at(6))  # already discarded: nothing new
        uow.commit()
    with records() as uow:
        kept = records.files(uow).get(file.id)
        untouched = records.files(uow).get(other.id)
    assert (kept.status, kept.version) == (FileStatus.DISCARDED, 2)
    assert (untouched.status, untouched.version) == (FileStatus.PENDING, 1)
    assert records.dispatched() == [("FileDiscarded", {"file_id": file.id, "key": file.key})]


def test_a_refusal_at_completion_is_kept_with_its_discard(records: Records,
                                                          people: People) -> None:
    file = upload(people.teacher)
    records.store(file)
    with records() as uow:
        found = records.files(uow).get(file.id)
        with pytest.raises(InvalidValue):
            found.complete(at(1), file.size + 1, "image/png", "image/png", PNG)
        uow.commit()  # as CompleteUpload does: the refusal stands
    with records() as uow:
        kept = records.files(uow).get(file.id)
    assert (kept.status, kept.completed_at, kept.version) == (FileStatus.REJECTED, None, 2)
    assert records.dispatched() == [("FileDiscarded", {"file_id": file.id, "key": file.key})]


# --- the sweep's files -----------------------------------------------------------------------


def test_abandoned_uploads_are_the_old_pending_and_ready_ones_oldest_first(
        records: Records, people: People) -> None:
    pending_cutoff, ready_cutoff = at(100), at(200)
    oldest_pending = upload(people.teacher, created=at(10))
    old_pending = upload(people.ann, created=at(99, 59))
    new_pending = upload(people.teacher, created=at(100, 1))  # before the ready cutoff only
    # ready ones are judged by their completion, not their creation
    old_ready = upload(people.teacher, status=FileStatus.READY, created=at(50),
                       completed=at(199))
    late_ready = upload(people.teacher, status=FileStatus.READY, created=at(5),
                        completed=at(201))
    in_use = [upload(people.teacher, status=status, created=at(1), completed=at(2))
              for status in (FileStatus.ATTACHED, FileStatus.DISCARDED, FileStatus.REJECTED)]
    records.store(new_pending, old_ready, late_ready, old_pending, oldest_pending, *in_use)
    with records() as uow:
        files = records.files(uow)
        found = files.abandoned(pending_cutoff, ready_cutoff, 10)
        assert [f.id for f in found] == [oldest_pending.id, old_ready.id, old_pending.id]
        assert [f.id for f in files.abandoned(pending_cutoff, ready_cutoff, 2)] == [
            oldest_pending.id, old_ready.id]
        assert files.abandoned(at(0), at(0), 10) == []
        # what the transaction changed is what it reads
        found[0].discard(at(300))
        assert [f.id for f in files.abandoned(pending_cutoff, ready_cutoff, 10)] == [
            old_ready.id, old_pending.id]
        for file in found:
            file.discard(at(300))
        uow.commit()
    with records() as uow:
        assert records.files(uow).abandoned(pending_cutoff, ready_cutoff, 10) == []
    assert sorted(payload["file_id"] for _, payload in records.dispatched()) == sorted(
        f.id for f in found)


# --- the read side ---------------------------------------------------------------------------


def test_bytes_stored_sums_the_owners_ready_and_attached_files(records: Records,
                                                               people: People) -> None:
    institution = str(uuid.uuid4())
    mine = [upload(people.teacher, status=FileStatus.READY, completed=at(1), size=1000),
            upload(people.teacher, purpose=FilePurpose.LESSON_VIDEO, content_type="video/mp4",
                   status=FileStatus.ATTACHED, completed=at(1), size=4 * GIB + 7)]
    not_counted = [upload(people.teacher, status=status, size=10 ** n)
                   for n, status in enumerate((FileStatus.PENDING, FileStatus.REJECTED,
                                               FileStatus.DISCARDED))]
    # the same id as another kind of owner, and someone else
    namesake = upload(people.bob, owner_kind=OwnerKind.INSTITUTION, owner_id=people.teacher,
                      status=FileStatus.READY, completed=at(1), size=50)
    theirs = upload(people.ann, status=FileStatus.READY, completed=at(1), size=70)
    logo = upload(people.bob, owner_kind=OwnerKind.INSTITUTION, owner_id=institution,
                  status=FileStatus.ATTACHED, completed=at(1), size=300)
    records.store(*mine, *not_counted, namesake, theirs, logo)
    with records() as uow:
        queries = records.queries(uow)
        assert queries.bytes_stored(OwnerKind.USER, people.teacher) == (1000 + 4 * GIB + 7, 2)
        assert queries.bytes_stored(OwnerKind.INSTITUTION, people.teacher) == (50, 1)
        assert queries.bytes_stored(OwnerKind.USER, people.ann) == (70, 1)
        assert queries.bytes_stored(OwnerKind.INSTITUTION, institution) == (300, 1)
        assert queries.bytes_stored(OwnerKind.USER, people.bob) == (0, 0)
        assert queries.bytes_stored(OwnerKind.USER, str(uuid.uuid4())) == (0, 0)
        stored, count = queries.bytes_stored(OwnerKind.USER, people.teacher)
    assert type(stored) is int and type(count) is int
    with records() as uow:  # a discard committed leaves the sum
        records.files(uow).get(mine[0].id).discard(at(2))
        uow.commit()
    with records() as uow:
        assert records.queries(uow).bytes_stored(OwnerKind.USER, people.teacher) == (
            4 * GIB + 7, 1)


def grant(course_id: str, lesson_id: str, viewer_id: str, when: datetime,
          kind: VideoKind = VideoKind.FILE) -> PlaybackGrant:
    return PlaybackGrant(str(uuid.uuid4()), course_id, lesson_id, viewer_id, kind, when)


def test_lesson_views_count_the_grants_and_the_viewers_of_the_courses_lessons(
        records: Records, people: People) -> None:
    first, second, elsewhere = (str(uuid.uuid4()) for _ in range(3))
    silent = records.course(people.teacher, "Silent")
    with records() as uow:
        grants = records.grants(uow)
        for number in range(3):
            grants.add(grant(people.course, first, people.ann, at(number)))
        grants.add(grant(people.course, first, people.bob, at(4), VideoKind.VAULT))
        grants.add(grant(people.course, second, people.bob, at(5)))
        grants.add(grant(people.other_course, elsewhere, people.ann, at(6)))
        grants.add(grant(people.other_course, first, people.ann, at(7)))  # not this course's
        uow.commit()
    with records() as uow:
        records.grants(uow).add(grant(people.course, second, people.ann, at(8)))  # no commit
    with records() as uow:
        queries = records.queries(uow)
        views = sorted(queries.lesson_views(people.course), key=lambda v: v.lesson_id)
        other = queries.lesson_views(people.other_course)
        nothing = queries.lesson_views(silent)
    assert views == sorted([LessonViews(first, 4, 2), LessonViews(second, 1, 1)],
                           key=lambda v: v.lesson_id)
    assert sorted(other, key=lambda v: v.lesson_id) == sorted(
        [LessonViews(elsewhere, 1, 1), LessonViews(first, 1, 1)], key=lambda v: v.lesson_id)
    assert nothing == []


def test_the_roster_and_the_people_are_read_in_the_files_transaction(
        records: Records, people: People) -> None:
    with records() as uow:
        assert uow.roster.course(people.course) == CourseCard(people.course, "Compilers",
                                                              people.teacher)
        assert uow.roster.course(str(uuid.uuid4())) is None
        ann = uow.people.contact(people.ann)
        assert isinstance(ann, Contact) and (ann.user_id, ann.full_name) == (people.ann, "Ann")
        assert uow.people.contact(str(uuid.uuid4())) is None


# --- two transactions at once ----------------------------------------------------------------
#
# ``get`` locks the file for the rest of the transaction (SELECT ... FOR UPDATE on
# PostgreSQL; SQLite makes every writer wait for the one before it from its first
# statement): a second transaction waits for the first and reads what it committed, so both
# changes land one after the other. The version in the UPDATE is the guard behind the lock:
# a write naming a version that is no longer stored is refused with Conflict. The fakes keep
# one copy per transaction and neither lock nor check versions: the last commit wins (the SQL
# side's job), as in the live records' suite.


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=POSTGRES)])
def database_records(request: pytest.FixtureRequest) -> Records:
    return records_of(request)


def waiting_for_a_file_lock(engine: Any) -> bool:
    """Whether a PostgreSQL backend is waiting for a lock on a stored file's row."""
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%FROM stored_files%FOR UPDATE%'")).scalar())


def test_on_the_databases_a_second_change_waits_for_the_first_and_builds_on_it(
        database_records: Records, request: pytest.FixtureRequest) -> None:
    records = database_records
    engine = request.getfixturevalue("postgres_engine") if records.param == "postgres" \
        else None
    people = People(records)
    file = upload(people.teacher, subject_id=people.course)
    records.store(file)
    holding = threading.Event()
    outcome: dict[str, Any] = {}

    def attach() -> None:  # waits until the completion below holds the file
        holding.wait()
        try:
            with records() as uow:
                found = records.files(uow).get(file.id)  # waits for the completion's commit
                outcome["read"] = (found.status, found.version)
                found.attach(file.purpose, people.teacher, people.course)
                uow.commit()
        except Exception as error:  # reported to the test
            outcome["error"] = error

    attaching = threading.Thread(target=attach)
    attaching.start()
    try:
        with records() as uow:
            completing = records.files(uow).get(file.id)  # the file is held from here on
            holding.set()
            if engine is not None:
                # Changed only once the other is seen waiting (or, were the file not held,
                # has read it): so it can only have read this change, or the old copy.
                deadline = time.monotonic() + 60
                while "read" not in outcome and not waiting_for_a_file_lock(engine) \
                        and time.monotonic() < deadline:
                    time.sleep(0.01)
            complete(completing, at(1))
            uow.commit()
    finally:
        holding.set()
        attaching.join(timeout=120)  # a guard against a hang, not a timing
    assert not attaching.is_alive()
    assert outcome == {"read": (FileStatus.READY, 2)}  # the completion, never the old copy
    with records() as uow:
        kept = records.files(uow).get(file.id)
    assert (kept.status, kept.completed_at, kept.version) == (FileStatus.ATTACHED, at(1), 3)


def test_on_the_databases_a_write_naming_a_version_no_longer_stored_is_refused(
        database_records: Records) -> None:
    records = database_records
    people = People(records)
    file = upload(people.teacher)
    records.store(file)
    with records() as uow:
        found = records.files(uow).get(file.id)
        # A writer that took no lock moved the row on meanwhile.
        uow.session.execute(update(stored_files).where(stored_files.c.id == file.id)
                            .values(version=2, status=FileStatus.DISCARDED))
        complete(found, at(1))
        with pytest.raises(Conflict, match="changed by another request"):
            uow.commit()
    with records() as uow:
        kept = records.files(uow).get(file.id)
    assert (kept.status, kept.completed_at, kept.version) == (FileStatus.PENDING, None, 1)
    assert records.dispatched() == []


def test_in_the_fake_two_changes_of_one_file_at_once_the_last_commit_wins() -> None:
    records = fake_records(Records, FakeFilesUnitOfWork)
    people = People(records)
    file = upload(people.teacher, subject_id=people.course)
    records.store(file)
    with records() as completing, records() as sweeping:
        mine = records.files(completing).get(file.id)
        theirs = records.files(sweeping).get(file.id)
        assert mine is not theirs and mine.version == theirs.version == 1
        complete(mine, at(1))
        completing.commit()
        theirs.discard(at(2))  # read pending: the fake does not see the completion
        sweeping.commit()
    with records() as uow:
        kept = records.files(uow).get(file.id)
    assert (kept.status, kept.completed_at, kept.version) == (FileStatus.DISCARDED, None, 2)
    assert records.dispatched() == [("FileDiscarded", {"file_id": file.id, "key": file.key})]


@pytest.fixture(params=["fake", pytest.param("postgres", marks=POSTGRES)])
def overlapping(request: pytest.FixtureRequest) -> Records:
    """Where two transactions can be open at once in one thread without one waiting."""
    return records_of(request)


def test_two_sweeps_at_once_take_each_file_once_on_postgres(overlapping: Records) -> None:
    records = overlapping
    people = People(records)
    old = [upload(people.teacher, created=at(n)) for n in range(3)]
    records.store(*old)
    with records() as first, records() as second:
        taken = records.files(first).abandoned(at(10), at(10), 2)
        assert [f.id for f in taken] == [old[0].id, old[1].id]
        rest = records.files(second).abandoned(at(10), at(10), 10)
        if records.param == "fake":  # no locks: the second sees them all
            assert [f.id for f in rest] == [f.id for f in old]
        else:  # the files the first holds are skipped, not waited for
            assert [f.id for f in rest] == [old[2].id]
