"""Live classes' use cases, built by the real injector over fakes (public Jitsi rooms unless a
test hands a use case other rooms): who schedules, starts, joins and beats, the attendance,
passes and the floor, the students told when a class starts, and the presence channel."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from adapters.outbound.live.agora import AgoraVideoRooms
from application.live.admission import Admission
from application.live.announce_live_session import NotifySessionStarted
from application.live.authorize_presence import MayEnterSession
from application.live.end_live_session import EndLiveSession, EndLiveSessionCommand
from application.live.get_attendance import (
    Attendance,
    AttendanceLine,
    GetAttendance,
    GetAttendanceQuery,
    Interval,
)
from application.live.get_live_session import GetLiveSession, GetLiveSessionQuery
from application.live.give_the_floor import GiveTheFloor, GiveTheFloorCommand
from application.live.join_live_session import JoinLiveSession, JoinLiveSessionCommand
from application.live.list_active_sessions import (
    ListSessionsByStatus,
    ListSessionsByStatusQuery,
)
from application.live.list_live_sessions import ListLiveSessions, ListLiveSessionsQuery
from application.live.record_presence import (
    PresenceResult,
    PresenceSignal,
    RecordPresence,
    RecordPresenceCommand,
)
from application.live.renew_room_pass import RenewRoomPass, RenewRoomPassQuery
from application.live.schedule_live_session import (
    ScheduleLiveSession,
    ScheduleLiveSessionCommand,
)
from application.live.session_views import SessionView
from application.live.start_live_session import StartLiveSession, StartLiveSessionCommand
from application.shared.ports import Principal
from application.shared.process_outbox_message import ProcessOutboxMessage
from domain.accounts.model import User
from domain.catalog.enrollment import Enrollment, EnrollmentStatus
from domain.catalog.model import Course, CourseStatus
from domain.live.events import LiveSessionStarted
from domain.live.model import LiveSession, Participant, RoomRole, SessionStatus
from domain.shared.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.conftest import World

TEACHER = Principal("teacher-1", Role.TEACHER)
ANN = Principal("student-1", Role.STUDENT)  # enrolled
BOB = Principal("student-2", Role.STUDENT)  # enrolled, never comes
CY = Principal("student-3", Role.STUDENT)  # not enrolled
DEE = Principal("student-4", Role.STUDENT)  # enrolled, suspended by a dispute
ADMIN = Principal("admin-1", Role.PLATFORM_ADMIN)
ALAN = Principal("teacher-2", Role.TEACHER)  # another course's teacher
NAMES = {TEACHER: "Grace Hopper", ANN: "Ann Lee", BOB: "Bob Lee", CY: "Cy Lee",
         DEE: "Dee Lee", ADMIN: "Root Admin", ALAN: "Alan Turing"}
COURSE = "course-1"
ROOM = re.compile(r"[a-z0-9-]{1,63}")


@pytest.fixture
def world() -> World:
    """A published course of Grace's: Ann and Bob enrolled, Dee suspended, Cy outside it."""
    world = World()
    now = world.clock.now()
    for who, name in NAMES.items():
        world.db.users[who.user_id] = User(who.user_id, f"{name.split()[0].lower()}@example.test",
                                           name, Role(who.role), "hashed", now)
    world.db.courses[COURSE] = Course(COURSE, TEACHER.user_id, "Compilers", "compilers", "",
                                      Money.zero("USD"), now, now,
                                      status=CourseStatus.PUBLISHED, published_at=now)
    for who, status in ((ANN, EnrollmentStatus.ACTIVE), (BOB, EnrollmentStatus.ACTIVE),
                        (DEE, EnrollmentStatus.SUSPENDED)):
        world.db.enrollments[f"e-{who.user_id}"] = Enrollment(
            f"e-{who.user_id}", who.user_id, COURSE, now, status=status)
    return world


def schedule(world: World, in_minutes: float = 10, title: str = "Parsing",
             minutes: int = 60, who: Principal = TEACHER, **given: object) -> SessionView:
    view: SessionView = world.build(ScheduleLiveSession, **given)(ScheduleLiveSessionCommand(
        who, COURSE, title, world.clock.now() + timedelta(minutes=in_minutes), minutes))
    return view


def start(world: World, session_id: str, who: Principal = TEACHER) -> SessionView:
    view: SessionView = world.build(StartLiveSession)(StartLiveSessionCommand(who, session_id))
    return view


def live(world: World, **given: object) -> str:
    session = schedule(world, **given)
    start(world, session.id)
    return session.id


def join(world: World, session_id: str, who: Principal, **given: object) -> Admission:
    admission: Admission = world.build(JoinLiveSession, **given)(
        JoinLiveSessionCommand(who, session_id))
    return admission


def renew(world: World, session_id: str, who: Principal, **given: object) -> Admission:
    admission: Admission = world.build(RenewRoomPass, **given)(
        RenewRoomPassQuery(who, session_id))
    return admission


def signal(world: World, session_id: str, who: Principal,
           what: PresenceSignal = PresenceSignal.HEARTBEAT) -> PresenceResult:
    result: PresenceResult = world.build(RecordPresence)(
        RecordPresenceCommand(who, session_id, what))
    return result


def end(world: World, session_id: str, who: Principal = TEACHER,
        cancel: bool = False) -> SessionView:
    view: SessionView = world.build(EndLiveSession)(
        EndLiveSessionCommand(who, session_id, cancel))
    return view


def attendance(world: World, session_id: str, who: Principal = TEACHER) -> Attendance:
    found: Attendance = world.build(GetAttendance)(GetAttendanceQuery(who, session_id))
    return found


def stored(world: World, session_id: str) -> LiveSession:
    session: LiveSession = world.db.live_sessions[session_id]
    return session


def participant(world: World, session_id: str, who: Principal) -> Participant:
    (found,) = [p for p in world.db.live_participants.values()
                if p.session_id == session_id and p.user_id == who.user_id]
    assert isinstance(found, Participant)
    return found


def outbox(world: World) -> list[tuple[str, dict[str, object]]]:
    return [(row["message"].event_type, row["message"].payload)
            for row in world.db.outbox.values()]


def audit(world: World) -> list[tuple[str | None, str, str | None]]:
    return [(r.actor_id, r.action, r.object_id) for r in world.db.audit]


def at(world: World, start: datetime, minutes: float = 0, seconds: float = 0) -> None:
    world.clock.current = start + timedelta(minutes=minutes, seconds=seconds)


# --- scheduling and listing ------------------------------------------------------------------


def test_the_courses_teacher_schedules_sessions_its_people_list_soonest_first(
        world: World) -> None:
    later = schedule(world, in_minutes=24 * 60, title="Code generation", minutes=90)
    sooner = schedule(world, in_minutes=30, title="Parsing")
    assert (sooner.course_id, sooner.teacher_id, sooner.title, sooner.status,
            sooner.provider, sooner.planned_minutes) == (
        COURSE, TEACHER.user_id, "Parsing", "scheduled", "jitsi", 60)
    assert sooner.starts_at == world.clock.now() + timedelta(minutes=30)
    assert (sooner.started_at, sooner.ended_at) == (None, None)
    kept = stored(world, later.id)
    assert (kept.title, kept.planned_minutes, kept.status) == (
        "Code generation", 90, SessionStatus.SCHEDULED)
    assert audit(world) == [(TEACHER.user_id, "live_session.scheduled", later.id),
                            (TEACHER.user_id, "live_session.scheduled", sooner.id)]
    for who in (TEACHER, ANN, BOB, ADMIN):
        listed = world.build(ListLiveSessions)(ListLiveSessionsQuery(who, COURSE))
        assert [s.id for s in listed] == [sooner.id, later.id]
        found = world.build(GetLiveSession)(GetLiveSessionQuery(who, sooner.id))
        assert found == sooner
    for outsider in (CY, DEE, ALAN):
        with pytest.raises(PermissionDenied):
            world.build(ListLiveSessions)(ListLiveSessionsQuery(outsider, COURSE))
        with pytest.raises(PermissionDenied):
            world.build(GetLiveSession)(GetLiveSessionQuery(outsider, sooner.id))
    with pytest.raises(NotFound):
        world.build(ListLiveSessions)(ListLiveSessionsQuery(ANN, "no-such-course"))
    with pytest.raises(NotFound):
        world.build(GetLiveSession)(GetLiveSessionQuery(ANN, "no-such-session"))


@pytest.mark.parametrize("who", [ALAN, ADMIN, ANN, Principal(TEACHER.user_id, Role.STUDENT)],
                         ids=["another teacher", "an admin", "a student",
                              "the teacher's id without the teacher role"])
def test_only_the_courses_teacher_schedules(world: World, who: Principal) -> None:
    with pytest.raises(PermissionDenied, match="only the course's teacher"):
        schedule(world, who=who)
    assert world.db.live_sessions == {} and world.db.audit == []


def test_scheduling_an_unknown_course_or_a_bad_plan_stores_nothing(world: World) -> None:
    with pytest.raises(NotFound):
        world.build(ScheduleLiveSession)(ScheduleLiveSessionCommand(
            TEACHER, "no-such-course", "Parsing", world.clock.now(), 60))
    with pytest.raises(InvalidValue):
        schedule(world, minutes=2)
    with pytest.raises(InvalidValue):
        schedule(world, in_minutes=-60)  # an hour ago
    with pytest.raises(InvalidValue):
        schedule(world, title=" ")
    assert world.db.live_sessions == {} and world.db.audit == [] and world.db.outbox == {}


# --- starting and ending ---------------------------------------------------------------------


def test_only_the_teacher_starts_and_the_start_goes_into_the_outbox(world: World) -> None:
    session = schedule(world)
    for who, error in ((ANN, PermissionDenied), (ADMIN, PermissionDenied),
                       (ALAN, PermissionDenied), (CY, PermissionDenied)):
        with pytest.raises(error):
            start(world, session.id, who)
    assert stored(world, session.id).status is SessionStatus.SCHEDULED
    assert world.db.outbox == {}
    with pytest.raises(NotFound):
        start(world, "no-such-session")
    world.clock.advance(minutes=12)  # two minutes late
    started = start(world, session.id)
    assert (started.status, started.started_at) == ("live", world.clock.now())
    assert stored(world, session.id).status is SessionStatus.LIVE
    assert outbox(world) == [("LiveSessionStarted", {
        "session_id": session.id, "course_id": COURSE, "teacher_id": TEACHER.user_id,
        "title": "Parsing"})]
    (message_id,) = world.db.outbox
    assert world.queue.jobs == [("process_outbox_message", (message_id,))]
    assert audit(world)[-1] == (TEACHER.user_id, "live_session.started", session.id)
    with pytest.raises(Conflict):
        start(world, session.id)  # once only
    assert len(world.db.outbox) == 1


def test_the_teacher_or_an_admin_ends_a_live_session_and_cancels_a_scheduled_one(
        world: World) -> None:
    session_id = live(world)
    for who in (ANN, CY, ALAN):
        with pytest.raises(PermissionDenied):
            end(world, session_id, who)
    with pytest.raises(Conflict):
        end(world, session_id, cancel=True)  # live: it can only end
    world.clock.advance(minutes=45)
    ended = end(world, session_id, ADMIN)
    assert (ended.status, ended.ended_at) == ("ended", world.clock.now())
    with pytest.raises(Conflict):
        end(world, session_id)
    planned = schedule(world, in_minutes=60)
    with pytest.raises(Conflict):
        end(world, planned.id)  # never started: it is canceled, not ended
    canceled = end(world, planned.id, cancel=True)
    assert canceled.status == "canceled" and stored(world, planned.id).ended_at is not None
    with pytest.raises(Conflict):
        start(world, planned.id)
    assert audit(world) == [
        (TEACHER.user_id, "live_session.scheduled", session_id),
        (TEACHER.user_id, "live_session.started", session_id),
        (ADMIN.user_id, "live_session.ended", session_id),
        (TEACHER.user_id, "live_session.scheduled", planned.id),
        (TEACHER.user_id, "live_session.canceled", planned.id)]


# --- joining ---------------------------------------------------------------------------------


def test_who_joins_and_with_what_rights(world: World) -> None:
    session_id = live(world)
    host, ann, admin = (join(world, session_id, who) for who in (TEACHER, ANN, ADMIN))
    assert (host.role, ann.role, admin.role) == ("host", "audience", "audience")
    assert host.session_id == ann.session_id == admin.session_id == session_id
    room = host.room_pass.room
    assert room == ann.room_pass.room == admin.room_pass.room
    assert ROOM.fullmatch(room) and session_id not in room
    assert ann.room_pass.provider == "jitsi" and ann.room_pass.token is None
    assert ann.room_pass.display_name == "Ann Lee"
    assert (ann.room_pass.join_url or "").startswith(f"https://meet.jit.si/{room}#")
    for who in (CY, DEE, ALAN):
        with pytest.raises(PermissionDenied):
            join(world, session_id, who)
    with pytest.raises(NotFound):
        join(world, "no-such-session", ANN)
    roles = {p.user_id: p.role for p in world.db.live_participants.values()}
    assert roles == {TEACHER.user_id: RoomRole.HOST, ANN.user_id: RoomRole.AUDIENCE,
                     ADMIN.user_id: RoomRole.AUDIENCE}
    for who in (TEACHER, ANN, ADMIN):
        p = participant(world, session_id, who)
        assert p.uid == Participant.uid_for(session_id, who.user_id)
        assert p.joined_at == world.clock.now() and p.is_present(world.clock.now())
    world.clock.advance(minutes=1)
    again = join(world, session_id, ANN)  # a reload: the same room, the same record
    assert again.room_pass == ann.room_pass and len(world.db.live_participants) == 3
    assert len(participant(world, session_id, ANN).presences) == 1


def test_a_session_that_is_not_live_admits_nobody(world: World) -> None:
    session = schedule(world)
    for who in (TEACHER, ANN):
        with pytest.raises(Conflict, match="scheduled, not live"):
            join(world, session.id, who)
    assert world.db.live_participants == {}
    start(world, session.id)
    join(world, session.id, ANN)
    end(world, session.id)
    for who in (ANN, BOB):
        with pytest.raises(Conflict, match="ended, not live"):
            join(world, session.id, who)
    with pytest.raises(Conflict):
        renew(world, session.id, ANN)  # no new passes either
    with pytest.raises(Conflict):
        signal(world, session.id, ANN)
    assert {p.user_id for p in world.db.live_participants.values()} == {ANN.user_id}


def test_nobody_new_is_admitted_past_the_planned_end_and_the_grace(world: World) -> None:
    session_id = live(world, in_minutes=0)  # 60 minutes, and 30 of grace
    began = world.clock.now()
    at(world, began, minutes=89, seconds=59)
    assert join(world, session_id, ANN).role == "audience"
    at(world, began, minutes=90)
    with pytest.raises(Conflict, match="planned end"):
        join(world, session_id, BOB)
    with pytest.raises(Conflict, match="planned end"):
        renew(world, session_id, ANN)


def test_the_uid_is_stable_across_renewals_and_skips_one_taken(world: World) -> None:
    agora = AgoraVideoRooms("app-id-0123456789abcdef", "certificate-0123456789abcdef")
    session_id = live(world, rooms=agora)
    assert stored(world, session_id).provider == "agora"
    # Someone already holds the uid Ann's would be: she gets the next candidate.
    clash = Participant.uid_for(session_id, ANN.user_id)
    world.db.live_participants["p-x"] = Participant("p-x", session_id, BOB.user_id, clash,
                                                    RoomRole.AUDIENCE, world.clock.now())
    first = join(world, session_id, ANN, rooms=agora)
    assert first.room_pass.uid == Participant.uid_for(session_id, ANN.user_id, 1) != clash
    assert first.room_pass.provider == "agora" and first.room_pass.token
    presences = [(x.id, x.started_at) for x in participant(world, session_id, ANN).presences]
    world.clock.advance(minutes=20)
    renewed = renew(world, session_id, ANN, rooms=agora)
    assert renewed.room_pass.uid == first.room_pass.uid
    assert renewed.room_pass.room == first.room_pass.room
    assert participant(world, session_id, ANN).uid == first.room_pass.uid
    # a renewal is no sign of presence: the stretch is as it was
    assert [(x.id, x.started_at) for x in
            participant(world, session_id, ANN).presences] == presences
    with pytest.raises(Conflict, match="runs on agora"):
        join(world, session_id, TEACHER)  # the injector's rooms are Jitsi's


def test_a_renewal_needs_a_join_and_a_right_to_be_there(world: World) -> None:
    session_id = live(world)
    with pytest.raises(Conflict, match="join the session first"):
        renew(world, session_id, BOB)
    with pytest.raises(PermissionDenied):
        renew(world, session_id, CY)
    first = join(world, session_id, ANN)
    assert renew(world, session_id, ANN).room_pass == first.room_pass


# --- presence --------------------------------------------------------------------------------


def test_heartbeats_keep_a_participant_present_and_a_leave_ends_it(world: World) -> None:
    session_id = live(world)
    with pytest.raises(Conflict, match="join the session first"):
        signal(world, session_id, ANN)
    with pytest.raises(Conflict, match="join the session first"):
        signal(world, session_id, ANN, PresenceSignal.LEAVE)
    assert world.db.live_participants == {}
    joined = world.clock.now()
    join(world, session_id, ANN)
    for beat in range(1, 5):
        at(world, joined, seconds=30 * beat)
        assert signal(world, session_id, ANN) == PresenceResult(True, 30 * beat)
    at(world, joined, minutes=2, seconds=10)
    assert signal(world, session_id, ANN, PresenceSignal.LEAVE) == PresenceResult(False, 130)
    p = participant(world, session_id, ANN)
    assert [(x.started_at, x.ended_at) for x in p.presences] == [
        (joined, joined + timedelta(minutes=2, seconds=10))]
    at(world, joined, minutes=3)
    assert signal(world, session_id, ANN) == PresenceResult(True, 130)  # back: a new stretch
    assert len(participant(world, session_id, ANN).presences) == 2


def test_a_student_whose_enrollment_is_revoked_mid_class_is_refused(world: World) -> None:
    session_id = live(world)
    joined = world.clock.now()
    join(world, session_id, ANN)
    at(world, joined, seconds=30)
    signal(world, session_id, ANN)
    world.db.enrollments[f"e-{ANN.user_id}"].revoke()  # refunded in full
    at(world, joined, seconds=60)
    with pytest.raises(PermissionDenied):
        signal(world, session_id, ANN)
    with pytest.raises(PermissionDenied):
        renew(world, session_id, ANN)
    with pytest.raises(PermissionDenied):
        join(world, session_id, ANN)
    (stretch,) = participant(world, session_id, ANN).presences  # no new stretch either
    assert stretch.started_at == joined


def test_a_revoked_students_presence_ends_when_their_heartbeat_is_refused(
        world: World) -> None:
    session_id = live(world)
    joined = world.clock.now()
    join(world, session_id, ANN)
    world.db.enrollments[f"e-{ANN.user_id}"].revoke()
    at(world, joined, seconds=30)
    with pytest.raises(PermissionDenied):
        signal(world, session_id, ANN)
    p = participant(world, session_id, ANN)
    assert not p.is_present(world.clock.now())
    assert p.presences[-1].ended_at == world.clock.now()


# --- attendance ------------------------------------------------------------------------------


def run_class(world: World) -> tuple[str, datetime]:
    """A 30-minute class: the teacher there throughout (leaving at 29:50), Ann from 2:00 to
    10:00, dropped five minutes, back from 15:00 to her leave at 20:10; the admin looking in
    from 5:00 to 5:45; Bob never came. Ended at 30:00."""
    session_id = live(world, in_minutes=0)
    began = world.clock.now()
    timeline: list[tuple[float, Principal, str]] = [(0, TEACHER, "join")]
    timeline += [(s, TEACHER, "beat") for s in range(30, 29 * 60 + 31, 30)]
    timeline += [(29 * 60 + 50, TEACHER, "leave")]
    timeline += [(120, ANN, "join")] + [(s, ANN, "beat") for s in range(150, 601, 30)]
    timeline += [(s, ANN, "beat") for s in range(900, 1201, 30)] + [(1210, ANN, "leave")]
    timeline += [(300, ADMIN, "join"), (330, ADMIN, "beat"), (345, ADMIN, "leave")]
    for second, who, what in sorted(timeline, key=lambda step: step[0]):
        at(world, began, seconds=second)
        if what == "join":
            join(world, session_id, who)
        else:
            signal(world, session_id, who,
                   PresenceSignal.LEAVE if what == "leave" else PresenceSignal.HEARTBEAT)
        if second == 16 * 60 and who is ANN:  # mid-class, Ann back in the room
            mid = attendance(world, session_id)
            (ann,) = [line for line in mid.participants if line.user_id == ANN.user_id]
            assert mid.status == "live" and ann.intervals == (
                Interval(began + timedelta(minutes=2), began + timedelta(minutes=10)),
                Interval(began + timedelta(minutes=15), None))  # still there
            assert (ann.seconds, ann.minutes) == (480 + 60, 9)
    at(world, began, minutes=30)
    end(world, session_id)
    return session_id, began


def test_attendance_lists_each_stretch_the_minutes_begun_and_who_never_came(
        world: World) -> None:
    session_id, began = run_class(world)

    def t(minutes: float, seconds: float = 0) -> datetime:
        return began + timedelta(minutes=minutes, seconds=seconds)

    world.clock.advance(hours=3)  # read later: nothing after the end counts
    for reader in (TEACHER, ADMIN):
        assert attendance(world, session_id, reader) == Attendance(session_id, "ended", (
            AttendanceLine(TEACHER.user_id, "Grace Hopper", "host",
                           (Interval(t(0), t(29, 50)),), 1790, 30),
            AttendanceLine(ANN.user_id, "Ann Lee", "audience",
                           (Interval(t(2), t(10)), Interval(t(15), t(20, 10))), 790, 14),
            AttendanceLine(ADMIN.user_id, "Root Admin", "audience",
                           (Interval(t(5), t(5, 45)),), 45, 1),
        ), ((BOB.user_id, "Bob Lee"),))  # not Dee (suspended) nor Cy (not enrolled)
    for who in (ANN, CY):
        with pytest.raises(PermissionDenied):
            attendance(world, session_id, who)


def test_an_ended_sessions_attendance_has_nobody_still_there(world: World) -> None:
    session_id = live(world, in_minutes=0)
    began = world.clock.now()
    join(world, session_id, ANN)
    at(world, began, seconds=30)
    signal(world, session_id, ANN)
    at(world, began, seconds=45)
    end(world, session_id)  # Ann was still in the room
    (ann,) = attendance(world, session_id).participants
    assert (ann.seconds, ann.minutes) == (45, 1)
    assert ann.intervals == (Interval(began, began + timedelta(seconds=45)),)


def test_a_leave_after_the_end_adds_no_time(world: World) -> None:
    session_id = live(world, in_minutes=0)
    began = world.clock.now()
    join(world, session_id, ANN)
    at(world, began, seconds=30)
    signal(world, session_id, ANN)
    at(world, began, seconds=60)
    end(world, session_id)
    at(world, began, seconds=100)  # the tab closes 40 s after the end
    signal(world, session_id, ANN, PresenceSignal.LEAVE)
    (ann,) = attendance(world, session_id).participants
    assert ann.seconds == 60


# --- the floor -------------------------------------------------------------------------------


def test_giving_the_floor_makes_the_next_pass_a_speakers(world: World) -> None:
    session = schedule(world)
    with pytest.raises(Conflict):
        world.build(GiveTheFloor)(GiveTheFloorCommand(TEACHER, session.id, ANN.user_id))
    start(world, session.id)
    give = world.build(GiveTheFloor)
    assert give(GiveTheFloorCommand(TEACHER, session.id, ANN.user_id)) == "speaker"
    assert join(world, session.id, ANN).role == "speaker"  # given before she came
    first_uid = participant(world, session.id, ANN).uid
    assert give(GiveTheFloorCommand(TEACHER, session.id, ANN.user_id, speaks=False)) == \
        "audience"
    assert renew(world, session.id, ANN).role == "audience"
    assert give(GiveTheFloorCommand(TEACHER, session.id, ANN.user_id)) == "speaker"
    assert renew(world, session.id, ANN).role == "speaker"
    assert participant(world, session.id, ANN).uid == first_uid
    assert participant(world, session.id, ANN).role is RoomRole.SPEAKER
    for who in (ANN, ADMIN, ALAN):
        with pytest.raises(PermissionDenied):
            give(GiveTheFloorCommand(who, session.id, BOB.user_id))
    for outsider in (CY, DEE, TEACHER):
        with pytest.raises(InvalidValue, match="not a student"):
            give(GiveTheFloorCommand(TEACHER, session.id, outsider.user_id))
    give(GiveTheFloorCommand(TEACHER, session.id, BOB.user_id))  # Bob never comes
    lines = attendance(world, session.id)
    assert [line.user_id for line in lines.participants] == [ANN.user_id]
    assert lines.absent == ((BOB.user_id, "Bob Lee"),)


# --- telling the students --------------------------------------------------------------------


def test_every_actively_enrolled_student_is_told_once_when_the_class_starts(
        world: World) -> None:
    session_id = live(world)
    (message_id,) = world.db.outbox
    result = world.build(ProcessOutboxMessage)(message_id)
    assert set(result.ran) == {"broadcast_started", "notify_started"} and result.error is None
    key = f"outbox:{message_id}:notify_started"
    assert sorted(world.mailer.sent) == [f"{key}:{ANN.user_id}", f"{key}:{BOB.user_id}"]
    assert sorted(m.to for m in world.mailer.sent.values()) == [
        "ann@example.test", "bob@example.test"]
    notes = sorted(world.db.notifications.values(), key=lambda n: n.user_id)
    assert [(n.user_id, n.kind.value, n.idempotency_key) for n in notes] == [
        (ANN.user_id, "live_session_started", f"{key}:{ANN.user_id}"),
        (BOB.user_id, "live_session_started", f"{key}:{BOB.user_id}")]
    assert notes[0].data["session_id"] == session_id
    assert notes[0].data["course"] == "Compilers" and notes[0].data["title"] == "Parsing"
    # the handler runs again (a retry after a failure part-way): nobody is told twice
    event = LiveSessionStarted(session_id=session_id, course_id=COURSE,
                               teacher_id=TEACHER.user_id, title="Parsing")
    notify = world.build(NotifySessionStarted)
    notify(event, key)
    notify(event, key)
    assert len(world.mailer.sent) == 2 and len(world.db.notifications) == 2
    assert sorted((d.recipient, d.attempts) for d in world.db.deliveries.values()) == [
        ("ann@example.test", 1), ("bob@example.test", 1)]
    assert world.build(ProcessOutboxMessage)(message_id).skipped


def test_other_events_and_unknown_courses_tell_nobody(world: World) -> None:
    notify = world.build(NotifySessionStarted)
    notify(LiveSessionStarted(session_id="s", course_id="no-such-course",
                              teacher_id=TEACHER.user_id, title="Ghost"), "outbox:1:n")
    from domain.live.events import LiveSessionEnded

    notify(LiveSessionEnded(session_id="s", course_id=COURSE), "outbox:2:n")
    assert world.mailer.sent == {} and world.db.notifications == {}


# --- the presence channel and the admins' view -----------------------------------------------


def test_the_presence_channel_admits_whoever_may_enter_a_live_session(world: World) -> None:
    session = schedule(world)
    may_enter = world.build(MayEnterSession)
    everyone = (TEACHER, ANN, BOB, ADMIN, CY, DEE, ALAN)
    assert [may_enter(who, session.id) for who in everyone] == [False] * 7  # not live yet
    start(world, session.id)
    assert [may_enter(who, session.id) for who in everyone] == [
        True, True, True, True, False, False, False]
    assert may_enter(ANN, "no-such-session") is False
    end(world, session.id)
    assert [may_enter(who, session.id) for who in everyone] == [False] * 7


def test_admins_see_the_live_sessions_and_how_many_are_in_them(world: World) -> None:
    quiet, busy = live(world, in_minutes=5), live(world, in_minutes=0)
    schedule(world, in_minutes=60)  # not live
    join(world, busy, ANN)
    join(world, busy, BOB)
    world.clock.advance(minutes=1)
    signal(world, busy, ANN)  # Bob goes quiet, still within the timeout
    found = world.build(ListSessionsByStatus)(ListSessionsByStatusQuery(ADMIN))
    assert [(a.session.id, a.participants, a.present) for a in found] == [
        (busy, 2, 2), (quiet, 0, 0)]  # oldest start first
    world.clock.advance(minutes=2)
    found = world.build(ListSessionsByStatus)(ListSessionsByStatusQuery(ADMIN))
    assert [(a.session.id, a.participants, a.present) for a in found] == [
        (busy, 2, 0), (quiet, 0, 0)]
    scheduled = world.build(ListSessionsByStatus)(
        ListSessionsByStatusQuery(ADMIN, SessionStatus.SCHEDULED))
    assert [a.session.status for a in scheduled] == ["scheduled"]
    assert len(world.build(ListSessionsByStatus)(ListSessionsByStatusQuery(ADMIN, limit=1))) \
        == 1
    for who in (TEACHER, ANN):
        with pytest.raises(PermissionDenied):
            world.build(ListSessionsByStatus)(ListSessionsByStatusQuery(who))


def test_a_session_nobody_ended_counts_no_presence_past_its_grace(world: World) -> None:
    session_id = live(world, in_minutes=0, minutes=30)
    join(world, session_id, ANN)
    for _ in range(120):  # beats every 30 s: 30 planned minutes + 30 of grace
        world.clock.advance(seconds=30)
        signal(world, session_id, ANN)
    world.clock.advance(seconds=30)
    with pytest.raises(Conflict):  # the teacher forgot to end it; Ann's app beats on
        signal(world, session_id, ANN)
    world.clock.advance(hours=4)
    (ann,) = attendance(world, session_id).participants
    assert ann.seconds == 60 * 60  # the hour passes admitted, not the four after it
