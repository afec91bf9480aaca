"""Live classes' records through the fake unit of work the unit tests use and the SQL one on
SQLite and PostgreSQL, the same checks: sessions and participants (with their stretches of
presence) read back as stored, in the ports' orders; the transaction sees its own writes and
keeps nothing without a commit; the unique uid; and two transactions changing one record at
once, which each implementation settles in its own way (the tests say which)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.live import (
    SqlLiveSessionRepository,
    SqlLiveUnitOfWork,
    SqlParticipantRepository,
)
from application.accounts.published import Contact
from application.catalog.published import CourseCard
from application.live.ports import LiveSessionRepository, LiveUnitOfWork, ParticipantRepository
from domain.live.model import LiveSession, Participant, RoomRole, SessionStatus
from domain.shared.errors import Conflict
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.integration.area_records import T0, AreaRecords, records_for
from tests.unit.live.fakes import (
    FakeLiveSessionRepository,
    FakeLiveUnitOfWork,
    FakeParticipantRepository,
)

POSTGRES = pytest.mark.postgres
UNIT_OF_WORK = Contract(LiveUnitOfWork, {"fake": FakeLiveUnitOfWork,
                                         "sqlite": SqlLiveUnitOfWork,
                                         "postgres": SqlLiveUnitOfWork},
                        marks={"postgres": POSTGRES})
SESSIONS = Contract(LiveSessionRepository, {"fake": FakeLiveSessionRepository,
                                            "sqlite": SqlLiveSessionRepository,
                                            "postgres": SqlLiveSessionRepository},
                    marks={"postgres": POSTGRES})
PARTICIPANTS = Contract(ParticipantRepository, {"fake": FakeParticipantRepository,
                                                "sqlite": SqlParticipantRepository,
                                                "postgres": SqlParticipantRepository},
                        marks={"postgres": POSTGRES})
# The repositories run under the unit of work's params.
assert SESSIONS.implementations.keys() == PARTICIPANTS.implementations.keys() == \
    UNIT_OF_WORK.implementations.keys()

def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


class Live(AreaRecords):
    """The live classes' storage (see ``AreaRecords``): sessions and participants."""

    unit_of_work = UNIT_OF_WORK

    def sessions(self, uow: Any) -> Any:
        return self.repository(uow, SESSIONS)

    def participants(self, uow: Any) -> Any:
        return self.repository(uow, PARTICIPANTS)

    def dispatched(self) -> list[str]:
        """The event types of the outbox messages the live commits dispatched."""
        return sorted(message.event_type for message in self.dispatched_messages())

    def store(self, *records: LiveSession | Participant) -> None:
        with self() as uow:
            for record in records:
                if isinstance(record, LiveSession):
                    self.sessions(uow).add(record)
                else:
                    self.participants(uow).add(record)
            uow.commit()


def live_for(request: pytest.FixtureRequest, param: str | None = None) -> Live:
    return records_for(request, Live, FakeLiveUnitOfWork, SqlLiveUnitOfWork, param)


@pytest.fixture(params=UNIT_OF_WORK.params())
def live(request: pytest.FixtureRequest) -> Live:
    return live_for(request)


class Classroom:
    """A teacher's course with three students: Ann and Bob enrolled, Cy suspended."""

    def __init__(self, live: Live) -> None:
        self.teacher = live.user("Grace", Role.TEACHER)
        self.ann, self.bob, self.cy = (live.user(n) for n in ("Ann", "Bob", "Cy"))
        self.id = live.course(self.teacher)
        self.other = live.course(self.teacher, "Type systems")
        live.enroll(self.ann, self.id)
        live.enroll(self.bob, self.id)
        live.enroll(self.cy, self.id, suspended=True)

    def session(self, starts: float = 0, minutes: int = 60, course_id: str | None = None,
                title: str = "Parsing") -> LiveSession:
        return LiveSession.schedule(str(uuid.uuid4()), course_id or self.id, self.teacher,
                                    title, at(starts), minutes, "jitsi", at(-60))


@pytest.fixture
def course(live: Live) -> Classroom:
    return Classroom(live)


def looks(session: LiveSession) -> tuple[Any, ...]:
    return (session.id, session.course_id, session.teacher_id, session.title,
            session.starts_at, session.planned_minutes, session.provider, session.created_at,
            session.status, session.started_at, session.ended_at, session.version)


def looks_p(p: Participant) -> tuple[Any, ...]:
    return (p.id, p.session_id, p.user_id, p.uid, p.role, p.joined_at, p.version,
            [(x.id, x.started_at, x.last_seen_at, x.ended_at) for x in p.presences])


def participant(session: LiveSession, user_id: str, joined: datetime,
                role: RoomRole = RoomRole.AUDIENCE, uid: int | None = None) -> Participant:
    return Participant(str(uuid.uuid4()), session.id, user_id,
                       uid if uid is not None else Participant.uid_for(session.id, user_id),
                       role, joined)


# --- sessions --------------------------------------------------------------------------------


def test_sessions_read_back_as_stored_and_their_events_are_dispatched(
        live: Live, course: Classroom) -> None:
    planned, held = course.session(starts=30, minutes=45), course.session()
    held.start(at(1))
    held.end(at(58, 30.5))
    expected = [looks(planned), looks(held)]
    live.store(planned, held)
    with live() as uow:
        sessions = live.sessions(uow)
        found = [sessions.get(planned.id), sessions.get(held.id)]
        assert sessions.get(str(uuid.uuid4())) is None
    assert [looks(s) for s in found] == expected
    assert found[1].status is SessionStatus.ENDED and found[1].version == 3
    assert live.dispatched() == ["LiveSessionEnded", "LiveSessionStarted"]


def test_sessions_of_a_course_soonest_first_and_by_status_oldest_first(
        live: Live, course: Classroom) -> None:
    late, early, middle = course.session(120), course.session(-10), course.session(60)
    elsewhere = course.session(0, course_id=course.other)
    for started in (late, early, elsewhere):
        started.start(at(0))
    live.store(late, early, middle, elsewhere)
    with live() as uow:
        sessions = live.sessions(uow)
        assert [s.id for s in sessions.for_course(course.id)] == [early.id, middle.id, late.id]
        assert [s.id for s in sessions.for_course(course.other)] == [elsewhere.id]
        assert sessions.for_course(str(uuid.uuid4())) == []
        assert [s.id for s in sessions.with_status(SessionStatus.LIVE, 10)] == [
            early.id, elsewhere.id, late.id]
        assert [s.id for s in sessions.with_status(SessionStatus.LIVE, 2)] == [
            early.id, elsewhere.id]
        assert [s.id for s in sessions.with_status(SessionStatus.SCHEDULED, 10)] == [middle.id]
        assert sessions.with_status(SessionStatus.ENDED, 10) == []
        # the transaction sees its own changes, before any commit
        loaded = sessions.get(middle.id)
        loaded.start(at(61))
        assert [s.id for s in sessions.with_status(SessionStatus.LIVE, 10)] == [
            early.id, elsewhere.id, middle.id, late.id]
        assert sessions.with_status(SessionStatus.SCHEDULED, 10) == []
        added = course.session(200)
        sessions.add(added)
        assert [s.id for s in sessions.for_course(course.id)][-1] == added.id
    with live() as uow:  # nothing was committed
        sessions = live.sessions(uow)
        assert [s.id for s in sessions.with_status(SessionStatus.SCHEDULED, 10)] == [middle.id]
        assert sessions.get(added.id) is None
        for ended in (sessions.get(early.id), sessions.get(late.id)):
            ended.end(at(300))
        uow.commit()
    with live() as uow:  # ended ones: the latest start first, the recent ones within reach
        ended_ids = [s.id for s in live.sessions(uow).with_status(SessionStatus.ENDED, 10)]
        assert ended_ids == [late.id, early.id]
        assert [s.id for s in live.sessions(uow).with_status(SessionStatus.ENDED, 1)] == [
            late.id]


def test_session_changes_are_kept_only_on_commit(live: Live, course: Classroom) -> None:
    session = course.session()
    live.store(session)
    with live() as uow:
        live.sessions(uow).get(session.id).start(at(2))
        uow.commit()
    with live() as uow:
        live.sessions(uow).get(session.id).end(at(50))  # no commit
    with live() as uow:
        found = live.sessions(uow).get(session.id)
    assert (found.status, found.started_at, found.ended_at, found.version) == (
        SessionStatus.LIVE, at(2), None, 2)
    assert live.dispatched() == ["LiveSessionStarted"]  # the end was never written


# --- participants ----------------------------------------------------------------------------


def test_participants_read_back_with_their_presences_first_joined_first(
        live: Live, course: Classroom) -> None:
    session, other = course.session(), course.session(90)
    live.store(session, other)
    ann = participant(session, course.ann, at(2))
    ann.arrive("x-" + uuid.uuid4().hex, at(2))
    ann.beat("b-" + uuid.uuid4().hex, at(2, 30))
    ann.leave(at(3, 5))
    ann.beat("x-" + uuid.uuid4().hex, at(10))  # back after the leave: a second stretch
    teacher = participant(session, course.teacher, at(0, 0.5), RoomRole.HOST)
    teacher.arrive("x-" + uuid.uuid4().hex, at(0, 0.5))
    bob = participant(session, course.bob, at(5), RoomRole.SPEAKER)  # given the floor
    elsewhere = participant(other, course.ann, at(1))
    expected = {p.id: looks_p(p) for p in (ann, teacher, bob, elsewhere)}
    live.store(ann, bob, teacher, elsewhere)
    with live() as uow:
        participants = live.participants(uow)
        everyone = participants.for_session(session.id)
        assert [p.id for p in everyone] == [teacher.id, ann.id, bob.id]
        assert [looks_p(p) for p in everyone] == [expected[p.id] for p in everyone]
        found = participants.get(session.id, course.ann)
        assert found is not None and looks_p(found) == expected[ann.id]
        assert looks_p(participants.get(other.id, course.ann)) == expected[elsewhere.id]
        assert participants.get(session.id, course.cy) is None
        assert participants.get(str(uuid.uuid4()), course.ann) is None
        assert participants.for_session(str(uuid.uuid4())) == []
    assert [x.ended_at for x in found.presences] == [at(3, 5), None]
    assert found.present_seconds(at(10, 30)) == 65 + 30


def test_participant_changes_are_kept_only_on_commit(live: Live, course: Classroom) -> None:
    session = course.session()
    ann = participant(session, course.ann, at(0))
    ann.arrive("x-1-" + uuid.uuid4().hex, at(0))
    live.store(session, ann)
    with live() as uow:
        found = live.participants(uow).get(session.id, course.ann)
        found.beat("b-" + uuid.uuid4().hex, at(0, 30))  # the stretch goes on
        found.role = RoomRole.SPEAKER
        assert live.participants(uow).get(session.id, course.ann) is found  # one copy
        uow.commit()
    with live() as uow:
        found = live.participants(uow).get(session.id, course.ann)
        found.leave(at(1))
        found.beat("x-2-" + uuid.uuid4().hex, at(5))  # no commit
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    assert (kept.role, kept.version, len(kept.presences)) == (RoomRole.SPEAKER, 3, 1)
    assert (kept.presences[0].last_seen_at, kept.presences[0].ended_at) == (at(0, 30), None)


def test_a_taken_uid_is_seen_at_once_by_its_transaction_and_by_others_after_commit(
        live: Live, course: Classroom) -> None:
    session, other = course.session(), course.session(60)
    live.store(session, other)
    uid = Participant.uid_for(session.id, course.ann)
    with live() as uow:
        participants = live.participants(uow)
        assert participants.uid_taken(session.id, uid) is False
        participants.add(participant(session, course.ann, at(0), uid=uid))
        assert participants.uid_taken(session.id, uid) is True  # before any commit
        assert participants.uid_taken(other.id, uid) is False
        assert participants.get(session.id, course.ann) is not None
    with live() as uow:  # that one rolled back
        assert live.participants(uow).uid_taken(session.id, uid) is False
        assert live.participants(uow).get(session.id, course.ann) is None
    live.store(participant(session, course.ann, at(0), uid=uid))
    with live() as uow:
        participants = live.participants(uow)
        assert participants.uid_taken(session.id, uid) is True
        assert participants.uid_taken(session.id, uid + 1) is False
        assert participants.uid_taken(other.id, uid) is False


@pytest.mark.parametrize("clash", ["the same user", "the same uid"])
def test_one_participant_per_user_and_one_uid_per_session(live: Live, course: Classroom,
                                                          clash: str) -> None:
    session = course.session()
    first = participant(session, course.ann, at(0))
    live.store(session, first)
    second = participant(session, course.ann, at(1)) if clash == "the same user" else \
        participant(session, course.bob, at(1), uid=first.uid)
    with pytest.raises(Conflict), live() as uow:  # a join that raced past uid_taken
        live.participants(uow).add(second)
        uow.commit()
    with live() as uow:
        assert [p.id for p in live.participants(uow).for_session(session.id)] == [first.id]


def test_two_participants_with_one_uid_in_one_transaction_collide(
        live: Live, course: Classroom) -> None:
    session = course.session()
    live.store(session)
    uid = Participant.uid_for(session.id, course.ann)
    with pytest.raises(Conflict), live() as uow:
        live.participants(uow).add(participant(session, course.ann, at(0), uid=uid))
        live.participants(uow).add(participant(session, course.bob, at(0), uid=uid))
        uow.commit()
    with live() as uow:
        assert live.participants(uow).for_session(session.id) == []


def test_an_explicit_rollback_drops_the_changes_and_their_events(
        live: Live, course: Classroom) -> None:
    started = course.session()
    started.start(at(0))
    with live() as uow:
        live.sessions(uow).add(started)
        uow.rollback()
        uow.commit()  # nothing left to commit
    with live() as uow:
        assert live.sessions(uow).get(started.id) is None
    assert live.dispatched() == []


# --- the roster and the directory, in the same transaction -----------------------------------


def test_the_roster_and_the_people_are_read_in_the_live_transaction(
        live: Live, course: Classroom) -> None:
    with live() as uow:
        assert uow.roster.course(course.id) == CourseCard(course.id, "Compilers",
                                                          course.teacher)
        assert uow.roster.course(str(uuid.uuid4())) is None
        assert uow.roster.is_active_student(course.id, course.ann) is True
        assert uow.roster.is_active_student(course.id, course.cy) is False  # suspended
        assert uow.roster.is_active_student(course.other, course.ann) is False
        assert uow.roster.is_active_student(course.id, course.teacher) is False
        assert sorted(uow.roster.active_students(course.id)) == sorted([course.ann,
                                                                        course.bob])
        assert uow.roster.active_students(course.other) == []
        ann = uow.people.contact(course.ann)
        assert isinstance(ann, Contact) and (ann.user_id, ann.full_name, ann.locale) == (
            course.ann, "Ann", "en")
        assert ann.email.startswith("ann-") and ann.email.endswith("@example.test")
        assert uow.people.contact(str(uuid.uuid4())) is None


# --- two transactions at once ----------------------------------------------------------------
#
# On PostgreSQL two transactions read the same version; the second to commit names a version
# that is gone and gets Conflict. SQLite makes every writer wait for the one before it from
# its first statement, so the second reads what the first committed. The fakes keep one copy
# per transaction and do not check versions: the last commit wins (the SQL side's job).


@pytest.fixture(params=["fake", pytest.param("postgres", marks=POSTGRES)])
def overlapping(request: pytest.FixtureRequest) -> Live:
    """Where two transactions can be open at once in one thread."""
    return live_for(request)


def beating(course: Classroom, live: Live) -> tuple[LiveSession, Participant]:
    session = course.session()
    session.start(at(0))
    ann = participant(session, course.ann, at(0))
    ann.arrive("x-" + uuid.uuid4().hex, at(0))
    live.store(session, ann)
    return session, ann


def test_a_heartbeat_and_a_leave_of_one_participant_at_once(overlapping: Live) -> None:
    live = overlapping
    course = Classroom(live)
    session, _ = beating(course, live)
    with live() as leaving, live() as beating_:
        mine = live.participants(leaving).get(session.id, course.ann)
        theirs = live.participants(beating_).get(session.id, course.ann)
        assert mine is not theirs and mine.version == theirs.version == 2
        theirs.beat("b-" + uuid.uuid4().hex, at(0, 30))
        beating_.commit()
        mine.leave(at(0, 40))
        if live.param == "fake":
            leaving.commit()  # the fake does not see the beat it overwrites
        else:
            with pytest.raises(Conflict, match="changed by another request"):
                leaving.commit()
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    (stretch,) = kept.presences
    if live.param == "fake":
        assert (kept.version, stretch.last_seen_at, stretch.ended_at) == (3, at(0, 40),
                                                                          at(0, 40))
    else:  # the heartbeat stands; the leave was refused, to be retried on fresh data
        assert (kept.version, stretch.last_seen_at, stretch.ended_at) == (3, at(0, 30), None)


def test_a_saved_heartbeat_extends_the_stretch_or_opens_one_after_a_silence(
        live: Live) -> None:
    course = Classroom(live)
    session, _ = beating(course, live)
    for beat_at in (at(0, 30), at(5)):  # 30 s later: the same stretch; 4.5 min later: a new one
        with live() as uow:
            ann = live.participants(uow).get(session.id, course.ann)
            ann.beat("b-" + uuid.uuid4().hex, beat_at)
            live.participants(uow).save_presence(ann)
            uow.commit()
    stretches = [(at(0), at(0, 30), None), (at(5), at(5), None)]
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    assert [(x.started_at, x.last_seen_at, x.ended_at) for x in kept.presences] == stretches
    with live() as uow:  # written only by the commit
        ann = live.participants(uow).get(session.id, course.ann)
        ann.beat("b-" + uuid.uuid4().hex, at(5, 30))
        live.participants(uow).save_presence(ann)
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    assert [(x.started_at, x.last_seen_at, x.ended_at) for x in kept.presences] == stretches


def test_a_heartbeat_saved_after_a_leave_committed_is_refused(overlapping: Live) -> None:
    live = overlapping
    course = Classroom(live)
    session, _ = beating(course, live)
    with live() as leaving, live() as beating_:
        mine = live.participants(beating_).get(session.id, course.ann)
        theirs = live.participants(leaving).get(session.id, course.ann)
        theirs.leave(at(0, 20))
        leaving.commit()
        mine.beat("b-" + uuid.uuid4().hex, at(0, 30))
        if live.param == "fake":  # it checks no versions (see above)
            live.participants(beating_).save_presence(mine)
            return
        with pytest.raises(Conflict, match="changed by another request"):
            live.participants(beating_).save_presence(mine)
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    (stretch,) = kept.presences  # the leave stands, and the late beat opened nothing
    assert (kept.version, stretch.last_seen_at, stretch.ended_at) == (3, at(0, 20), at(0, 20))


def test_two_ends_of_one_session_at_once(overlapping: Live) -> None:
    live = overlapping
    course = Classroom(live)
    session, _ = beating(course, live)
    with live() as admin, live() as teacher:
        mine = live.sessions(admin).get(session.id)
        theirs = live.sessions(teacher).get(session.id)
        theirs.end(at(50))
        teacher.commit()
        mine.end(at(51))  # both read it live
        if live.param == "fake":
            admin.commit()
        else:
            with pytest.raises(Conflict, match="changed by another request"):
                admin.commit()
    with live() as uow:
        kept = live.sessions(uow).get(session.id)
    ended = live.dispatched().count("LiveSessionEnded")
    if live.param == "fake":
        assert (kept.ended_at, kept.version, ended) == (at(51), 3, 2)  # told twice
    else:
        assert (kept.status, kept.ended_at, kept.version, ended) == (
            SessionStatus.ENDED, at(50), 3, 1)


def run_at_once(*work: Callable[[], None]) -> list[BaseException | None]:
    """Each piece of work in a thread of its own, started together; what each raised."""
    barrier = threading.Barrier(len(work))
    outcomes: list[BaseException | None] = [None] * len(work)

    def run(number: int) -> None:
        barrier.wait()
        try:
            work[number]()
        except Exception as error:  # reported to the test
            outcomes[number] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def sqlite_live(request: pytest.FixtureRequest) -> Live:
    return live_for(request, "sqlite")


def test_on_sqlite_a_heartbeat_and_a_leave_at_once_both_land_one_after_the_other(
        sqlite_live: Live) -> None:
    live = sqlite_live
    course = Classroom(live)
    session, _ = beating(course, live)

    def change(what: Callable[[Participant], None]) -> Callable[[], None]:
        def work() -> None:
            with live() as uow:
                what(live.participants(uow).get(session.id, course.ann))
                uow.commit()
        return work

    outcomes = run_at_once(change(lambda p: p.beat("b-" + uuid.uuid4().hex, at(0, 30))),
                           change(lambda p: p.leave(at(0, 40))))
    assert outcomes == [None, None]
    with live() as uow:
        kept = live.participants(uow).get(session.id, course.ann)
    assert kept.version == 4  # each read what the other committed: nothing lost
    shapes = {"beat, then leave": [(at(0), at(0, 40))],
              "leave, then beat": [(at(0), at(0, 40)), (at(0, 30), None)]}
    assert [(x.started_at, x.ended_at) for x in kept.presences] in shapes.values()


def test_on_sqlite_two_ends_at_once_end_it_once(sqlite_live: Live) -> None:
    live = sqlite_live
    course = Classroom(live)
    session, _ = beating(course, live)

    def ending(moment: datetime) -> Callable[[], None]:
        def work() -> None:
            with live() as uow:
                live.sessions(uow).get(session.id).end(moment)
                uow.commit()
        return work

    outcomes = run_at_once(ending(at(50)), ending(at(51)))
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    with live() as uow:
        kept = live.sessions(uow).get(session.id)
    winner = at(50) if outcomes[0] is None else at(51)
    assert (kept.status, kept.ended_at, kept.version) == (SessionStatus.ENDED, winner, 3)
    assert live.dispatched().count("LiveSessionEnded") == 1
