"""The live classes' domain, minute by minute with explicit times: a session's status moves,
scheduling rules, and a participant's presence from joins, heartbeats and leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.live.events import LiveSessionCanceled, LiveSessionEnded, LiveSessionStarted
from domain.live.model import (
    MAX_UID,
    PRESENCE_TIMEOUT,
    LiveSession,
    Participant,
    RoomRole,
    SessionStatus,
)
from domain.shared.errors import Conflict, InvalidValue

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # the class is planned at 10:00


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


HOUR_BEFORE = T0 - timedelta(hours=1)


def scheduled(now: datetime = HOUR_BEFORE, starts_at: datetime = T0, minutes: int = 60,
              title: str = "Parsing") -> LiveSession:
    return LiveSession.schedule("s-1", "c-1", "t-1", title, starts_at, minutes, "jitsi", now)


def moved(to: SessionStatus) -> LiveSession:
    session = scheduled()
    if to is SessionStatus.LIVE:
        session.start(at(0))
    elif to is SessionStatus.ENDED:
        session.start(at(0))
        session.end(at(60))
    elif to is SessionStatus.CANCELED:
        session.cancel(at(-30))
    session.events.clear()
    return session


def participant(joined: datetime = T0) -> Participant:
    return Participant("p-1", "s-1", "u-1", Participant.uid_for("s-1", "u-1"),
                       RoomRole.AUDIENCE, joined)


def stretches(p: Participant, now: datetime) -> list[tuple[datetime, datetime]]:
    """Each stretch of presence as (from, to), ``to`` being ``now`` while it goes on."""
    return [(x.started_at, x.end(now)) for x in p.presences]


# --- scheduling ------------------------------------------------------------------------------


def test_a_scheduled_session_keeps_what_was_planned() -> None:
    session = scheduled(title="  Parsing  ")
    assert (session.id, session.course_id, session.teacher_id, session.title) == (
        "s-1", "c-1", "t-1", "Parsing")
    assert (session.status, session.starts_at, session.planned_minutes, session.provider) == (
        SessionStatus.SCHEDULED, T0, 60, "jitsi")
    assert (session.created_at, session.started_at, session.ended_at) == (at(-60), None, None)
    assert session.version == 1 and session.events == []
    assert session.planned_end == at(60)


@pytest.mark.parametrize(("title", "minutes", "starts_at", "problem"), [
    ("", 60, T0, "title"),
    ("   ", 60, T0, "title"),
    ("x" * 201, 60, T0, "title"),
    ("Parsing", 4, T0, "lasts"),
    ("Parsing", 8 * 60 + 1, T0, "lasts"),
    ("Parsing", 0, T0, "lasts"),
    ("Parsing", 60, datetime(2026, 3, 2, 10, 0), "time zone"),
    ("Parsing", 60, at(-76), "past"),  # 16 minutes before now
    ("Parsing", 60, at(-24 * 60), "past"),
])
def test_scheduling_refuses_what_cannot_take_place(title: str, minutes: int,
                                                   starts_at: datetime, problem: str) -> None:
    with pytest.raises(InvalidValue, match=problem):
        scheduled(now=at(-60), starts_at=starts_at, minutes=minutes, title=title)


@pytest.mark.parametrize(("title", "minutes", "starts_at"), [
    ("x" * 200, 60, T0), ("P", 5, T0), ("Parsing", 8 * 60, T0),
    ("Parsing", 60, at(-75)),  # 15 minutes back is starting now
    ("Parsing", 60, datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))),
])
def test_scheduling_accepts_the_limits(title: str, minutes: int, starts_at: datetime) -> None:
    session = scheduled(now=at(-60), starts_at=starts_at, minutes=minutes, title=title)
    assert (session.title, session.planned_minutes, session.starts_at) == (
        title, minutes, starts_at)


# --- status moves ----------------------------------------------------------------------------


def test_a_session_goes_live_then_ends() -> None:
    session = scheduled()
    session.start(at(10))  # ten minutes late
    assert (session.status, session.started_at, session.version) == (
        SessionStatus.LIVE, at(10), 2)
    assert session.planned_end == at(70)  # the planned hour counts from the actual start
    session.ensure_live()
    session.end(at(75))
    assert (session.status, session.ended_at, session.version) == (
        SessionStatus.ENDED, at(75), 3)
    assert session.events == [
        LiveSessionStarted(session_id="s-1", course_id="c-1", teacher_id="t-1",
                           title="Parsing"),
        LiveSessionEnded(session_id="s-1", course_id="c-1")]


def test_a_scheduled_session_is_canceled() -> None:
    session = scheduled()
    session.cancel(at(-5))
    assert (session.status, session.ended_at, session.started_at, session.version) == (
        SessionStatus.CANCELED, at(-5), None, 2)
    assert session.events == [LiveSessionCanceled(session_id="s-1", course_id="c-1")]


@pytest.mark.parametrize(("status", "move"), [
    (SessionStatus.LIVE, "start"), (SessionStatus.ENDED, "start"),
    (SessionStatus.CANCELED, "start"),
    (SessionStatus.SCHEDULED, "end"), (SessionStatus.ENDED, "end"),
    (SessionStatus.CANCELED, "end"),
    (SessionStatus.LIVE, "cancel"), (SessionStatus.ENDED, "cancel"),
    (SessionStatus.CANCELED, "cancel"),
])
def test_illegal_moves_are_conflicts_and_change_nothing(status: SessionStatus,
                                                        move: str) -> None:
    session = moved(status)
    before = (session.status, session.started_at, session.ended_at, session.version)
    with pytest.raises(Conflict, match=f"a {status.value} session cannot be"):
        getattr(session, move)(at(90))
    assert (session.status, session.started_at, session.ended_at, session.version) == before
    assert session.events == []


@pytest.mark.parametrize("status", [SessionStatus.SCHEDULED, SessionStatus.ENDED,
                                    SessionStatus.CANCELED])
def test_only_a_live_session_is_live(status: SessionStatus) -> None:
    with pytest.raises(Conflict, match=f"the session is {status.value}, not live"):
        moved(status).ensure_live()
    moved(SessionStatus.LIVE).ensure_live()  # no error


# --- presence --------------------------------------------------------------------------------


def test_a_participant_beating_every_30_seconds_is_one_stretch() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    for beat in range(1, 21):  # 10:00:30 to 10:10:00
        p.beat(f"b-{beat}", at(seconds=30 * beat))
    assert len(p.presences) == 1
    assert (p.presences[0].id, p.presences[0].started_at, p.presences[0].last_seen_at) == (
        "x-1", at(0), at(10))
    assert p.is_present(at(10)) and p.present_seconds(at(10)) == 600
    assert p.version == 1 + 1 + 20  # each join and beat is a change


def test_silence_up_to_the_timeout_is_still_presence_and_past_it_ends_at_the_last_beat(
) -> None:
    p = participant()
    p.arrive("x-1", at(0))
    for beat in range(1, 21):
        p.beat(f"b-{beat}", at(seconds=30 * beat))  # until 10:10:00
    assert timedelta(seconds=90) == PRESENCE_TIMEOUT
    assert p.is_present(at(11)) and p.present_seconds(at(11)) == 660  # until now
    assert p.is_present(at(11, 30)) and p.present_seconds(at(11, 30)) == 690  # 90 s: still
    assert not p.is_present(at(11, 31))  # 91 s without a sign: gone since the last one
    assert p.present_seconds(at(11, 31)) == p.present_seconds(at(50)) == 600
    assert stretches(p, at(50)) == [(at(0), at(10))]


def test_a_five_minute_drop_ends_the_stretch_and_the_next_beat_starts_another() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    for beat in range(1, 21):
        p.beat(f"b-{beat}", at(seconds=30 * beat))  # until 10:10:00
    # the connection drops from 10:10 to 10:15: no beat for five minutes
    assert not p.is_present(at(12))
    p.beat("x-2", at(15))  # it came back
    assert p.is_present(at(15)) and len(p.presences) == 2
    for beat in range(1, 11):
        p.beat(f"c-{beat}", at(15, 30 * beat))  # until 10:20:00
    assert stretches(p, at(20)) == [(at(0), at(10)), (at(15), at(20))]
    assert [x.id for x in p.presences] == ["x-1", "x-2"]
    assert p.presences[0].ended_at is None  # closed by the silence, not by a leave
    assert p.present_seconds(at(20)) == 600 + 300


def test_leaving_ends_the_stretch_at_once() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    p.beat("b-1", at(0, 30))
    version = p.version
    p.leave(at(0, 45))
    assert not p.is_present(at(0, 45)) and p.version == version + 1
    assert (p.presences[0].last_seen_at, p.presences[0].ended_at) == (at(0, 45), at(0, 45))
    assert p.present_seconds(at(30)) == 45
    p.leave(at(1))  # leaving again changes nothing
    assert p.version == version + 1 and p.presences[0].ended_at == at(0, 45)


def test_a_leave_after_the_timeout_changes_nothing() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    p.beat("b-1", at(1))
    version = p.version
    p.leave(at(5))  # the tab closed long ago: the stretch ended at the last beat
    assert p.version == version and p.presences[0].ended_at is None
    assert stretches(p, at(5)) == [(at(0), at(1))] and p.present_seconds(at(5)) == 60


def test_joining_while_present_keeps_the_stretch_and_after_leaving_starts_another() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    p.arrive("x-2", at(0, 20))  # a second tab, or a reload
    assert [x.id for x in p.presences] == ["x-1"]
    p.beat("b-0", at(0, 50))
    p.beat("b-1", at(1, 20))
    p.leave(at(2))
    p.arrive("x-3", at(5))
    p.beat("b-2", at(5, 30))
    assert stretches(p, at(6)) == [(at(0), at(2)), (at(5), at(6))]
    p.leave(at(6))
    p.beat("x-4", at(7))  # a beat after a leave: back in the room
    assert [x.id for x in p.presences] == ["x-1", "x-3", "x-4"]
    assert p.is_present(at(7)) and p.present_seconds(at(7)) == 120 + 60


def test_no_presence_is_no_time() -> None:
    p = participant()
    assert not p.is_present(at(0)) and p.present_seconds(at(30)) == 0
    p.leave(at(1))  # leaving without having come changes nothing
    assert p.presences == [] and p.version == 1


def test_a_join_while_present_is_a_sign_of_life() -> None:
    p = participant()
    p.arrive("x-1", at(0))
    p.arrive("x-2", at(1, 20))  # rejoined after 80 s without a beat (a throttled tab)
    p.beat("b-1", at(2, 20))  # 60 s after the join
    assert len(p.presences) == 1 and p.present_seconds(at(2, 20)) == 140


# --- uids ------------------------------------------------------------------------------------


def test_uids_are_stable_per_session_user_and_attempt_and_in_agoras_range() -> None:
    assert MAX_UID == 2**32 - 1
    first = Participant.uid_for("s-1", "u-1")
    assert first == Participant.uid_for("s-1", "u-1") == Participant.uid_for("s-1", "u-1", 0)
    assert isinstance(first, int)
    others = {Participant.uid_for("s-1", "u-1", attempt) for attempt in range(1, 16)}
    assert first not in others and len(others) == 15  # each attempt gives another
    assert Participant.uid_for("s-2", "u-1") != first
    uids = [Participant.uid_for(f"s-{s}", f"u-{u}", a)
            for s in range(20) for u in range(50) for a in range(2)]
    assert all(1 <= uid <= MAX_UID for uid in uids)
    assert len(set(uids)) == len(uids)  # 2000 draws from 2**32: no clash expected
