"""Paid consultations through their use cases over fakes, minute by minute on the fake
clock: what is held, what is billed (the minutes both were there, rounded up), when one
stops by itself, and that a stop bills once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.live.adjust_credits import AdjustCredits, AdjustCreditsCommand
from application.live.consultation_usage import ConsultationUsageQuery, GetConsultationUsage
from application.live.consultation_views import ConsultationView
from application.live.get_credits import GetCredits, GetCreditsQuery
from application.live.get_earnings import EarningsQuery, GetEarnings
from application.live.join_consultation import JoinConsultation, JoinConsultationCommand
from application.live.offer_consultation_service import (
    OfferConsultationService,
    OfferConsultationServiceCommand,
)
from application.live.record_consultation_presence import (
    ConsultationPresence,
    RecordConsultationPresence,
    RecordConsultationPresenceCommand,
)
from application.live.record_presence import PresenceSignal
from application.live.start_consultation import (
    StartConsultation,
    StartConsultationCommand,
    StartedConsultation,
)
from application.live.stop_consultation import StopConsultation, StopConsultationCommand
from application.live.sweep_consultations import SweepConsultations
from application.shared.ports import Principal
from domain.accounts.model import User
from domain.live.consultations import ConsultationService
from domain.live.credits import CreditEntryKind, InsufficientCredits
from domain.shared.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.conftest import World

TUTOR = Principal("teacher-1", Role.TEACHER)
ANN = Principal("student-1", Role.STUDENT)
BOB = Principal("student-2", Role.STUDENT)
ADMIN = Principal("admin-1", Role.PLATFORM_ADMIN)
BASE, RATE = 500, 50  # 5.00 USD, then 0.50 a minute


@pytest.fixture
def world() -> World:
    world = World()
    for who, name in ((TUTOR, "Tess Tutor"), (ANN, "Ann Lee"), (BOB, "Bob Lee"),
                      (ADMIN, "Root Admin")):
        world.db.users[who.user_id] = User(who.user_id, f"{who.user_id}@example.test", name,
                                           Role(who.role), "hashed", world.clock.now())
    return world


def offer(world: World, base: int = BASE, rate: int = RATE) -> ConsultationService:
    service: ConsultationService = world.build(OfferConsultationService)(
        OfferConsultationServiceCommand(TUTOR, "Coaching", Money(base, "USD"),
                                        Money(rate, "USD")))
    return service


def top_up(world: World, who: Principal, minor: int, key: str = "gift") -> None:
    world.build(AdjustCredits)(AdjustCreditsCommand(ADMIN, who.user_id, Money(minor, "USD"),
                                                    "a gift", key))


def balance(world: World, who: Principal = ANN) -> tuple[int, int]:
    credits = world.build(GetCredits)(GetCreditsQuery(who))
    usd = next((b for b in credits.balances if b.currency == "USD"), None)
    return (usd.available, usd.held) if usd else (0, 0)


def start(world: World, service: ConsultationService, who: Principal = ANN,
          ) -> StartedConsultation:
    started: StartedConsultation = world.build(StartConsultation)(
        StartConsultationCommand(who, service.id))
    return started


def signal(world: World, who: Principal, consultation_id: str,
           kind: PresenceSignal = PresenceSignal.HEARTBEAT) -> ConsultationPresence:
    result: ConsultationPresence = world.build(RecordConsultationPresence)(
        RecordConsultationPresenceCommand(who, consultation_id, kind))
    return result


def beat(world: World, consultation_id: str, minutes: float,
         *present: Principal) -> None:
    """``minutes`` of heartbeats every 30 s from those ``present``."""
    for _ in range(int(minutes * 2)):
        world.clock.advance(seconds=30)
        for who in present:
            signal(world, who, consultation_id)


def stop(world: World, who: Principal, consultation_id: str) -> ConsultationView:
    view: ConsultationView = world.build(StopConsultation)(
        StopConsultationCommand(who, consultation_id))
    return view


def test_only_teachers_offer_and_absurd_prices_are_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.build(OfferConsultationService)(OfferConsultationServiceCommand(
            ANN, "Coaching", Money(0, "USD"), Money(10, "USD")))
    for base, rate in ((-1, 10), (0, 0), (0, 100_001), (1_000_001, 10)):
        with pytest.raises(InvalidValue):
            offer(world, base, rate)
    with pytest.raises(InvalidValue):
        world.build(OfferConsultationService)(OfferConsultationServiceCommand(
            TUTOR, "Coaching", Money(0, "EUR"), Money(10, "USD")))


def test_starting_needs_the_base_fee_and_the_first_minutes_and_holds_them(
        world: World) -> None:
    service = offer(world)
    top_up(world, ANN, BASE + 5 * RATE - 1)
    with pytest.raises(InsufficientCredits, match=r"7\.50 USD"):
        start(world, service)
    assert balance(world) == (BASE + 5 * RATE - 1, 0)
    assert world.db.consultations == {}
    top_up(world, ANN, 1, key="one more")
    started = start(world, service)
    assert balance(world) == (0, BASE + 5 * RATE)
    assert started.consultation.held == Money(BASE + 5 * RATE, "USD")
    assert started.room_pass.room.startswith("eduport-")


def test_billed_for_the_minutes_both_were_there_not_the_wall_clock(world: World) -> None:
    """The provider comes a minute late, drops out for five minutes after four together,
    comes back for three more: 7 minutes together in 13 on the clock."""
    service = offer(world)
    top_up(world, ANN, 10_000)
    started = start(world, service)
    cid = started.consultation.id
    beat(world, cid, 1, ANN)
    pass_ = world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    assert pass_.room == started.room_pass.room
    beat(world, cid, 4, ANN, TUTOR)
    beat(world, cid, 5, ANN)  # the provider's connection is gone
    world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    beat(world, cid, 3, ANN, TUTOR)
    view = stop(world, ANN, cid)
    assert view.bill is not None
    # A silence ends a stretch at the last heartbeat: 4 min, then 3.
    assert view.bill.seconds == 7 * 60
    assert view.bill.minutes == 7
    assert view.bill.cost == Money(BASE + 7 * RATE, "USD")
    assert view.stop_reason == "student"
    assert balance(world) == (10_000 - (BASE + 7 * RATE), 0)
    kinds = [e.kind for e in world.build(GetCredits)(GetCreditsQuery(ANN)).entries]
    assert kinds.count(CreditEntryKind.CAPTURE) == 1 and kinds.count(CreditEntryKind.RELEASE) == 1


def test_the_hold_grows_as_it_goes_on(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    cid = start(world, service).consultation.id
    world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    beat(world, cid, 12, ANN, TUTOR)
    available, held = balance(world)
    assert held >= BASE + 13 * RATE  # always a minute ahead of what is counted
    assert available + held == 10_000


def test_it_stops_when_the_credits_run_out_and_never_bills_past_them(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, BASE + 8 * RATE + 20)  # 8 minutes, and 0.20 that buys no minute
    cid = start(world, service).consultation.id
    world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    results = []
    for _ in range(40):
        world.clock.advance(seconds=30)
        results.append(signal(world, ANN, cid))
        if results[-1].consultation.status == "ended":
            break
        signal(world, TUTOR, cid)
    ended = results[-1].consultation
    assert ended.status == "ended" and ended.stop_reason == "credits_exhausted"
    assert ended.bill is not None and ended.bill.minutes == 8
    assert ended.bill.cost == Money(BASE + 8 * RATE, "USD")
    assert balance(world) == (20, 0)
    with pytest.raises(Conflict):
        signal(world, TUTOR, cid)


def test_a_double_stop_bills_once(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    cid = start(world, service).consultation.id
    world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    beat(world, cid, 2, ANN, TUTOR)
    first = stop(world, TUTOR, cid)
    again, other_side = stop(world, TUTOR, cid), stop(world, ANN, cid)
    assert first.bill == again.bill == other_side.bill
    assert first.stop_reason == "provider"
    assert balance(world) == (10_000 - first.bill.cost.amount_minor, 0)  # type: ignore[union-attr]


def test_nothing_is_billed_when_the_provider_never_came(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    cid = start(world, service).consultation.id
    beat(world, cid, 3, ANN)
    view = stop(world, ANN, cid)
    assert view.bill is not None and view.bill.cost == Money(0, "USD")
    assert balance(world) == (10_000, 0)


def test_the_sweeper_stops_one_both_left_two_minutes_ago(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    cid = start(world, service).consultation.id
    world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
    beat(world, cid, 3, ANN, TUTOR)
    signal(world, ANN, cid, PresenceSignal.LEAVE)
    signal(world, TUTOR, cid, PresenceSignal.LEAVE)
    world.clock.advance(seconds=119)
    assert world.build(SweepConsultations)() == 0
    world.clock.advance(seconds=1)
    assert world.build(SweepConsultations)() == 1
    view = stop(world, ANN, cid)  # already ended: the same bill
    assert view.stop_reason == "abandoned"
    assert view.bill is not None and view.bill.minutes == 3


def test_strangers_latecomers_and_the_ended_are_refused(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    cid = start(world, service).consultation.id
    with pytest.raises(NotFound):
        signal(world, BOB, cid)  # not a party: no such consultation for Bob
    with pytest.raises(NotFound):
        world.build(JoinConsultation)(JoinConsultationCommand(BOB, cid))
    with pytest.raises(Conflict, match="join"):
        signal(world, TUTOR, cid)  # never joined
    with pytest.raises(PermissionDenied):
        world.build(StartConsultation)(StartConsultationCommand(TUTOR, service.id))
    with pytest.raises(NotFound):
        world.build(StartConsultation)(StartConsultationCommand(ANN, "no-such-service"))
    stop(world, ADMIN, cid)
    with pytest.raises(Conflict):
        world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))


def test_earnings_and_usage_come_from_the_bills(world: World) -> None:
    service = offer(world)
    top_up(world, ANN, 10_000)
    top_up(world, BOB, 10_000)
    for who, minutes in ((ANN, 2), (BOB, 3)):
        cid = start(world, service, who).consultation.id
        world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, cid))
        beat(world, cid, minutes, who, TUTOR)
        stop(world, who, cid)
    [earned] = world.build(GetEarnings)(EarningsQuery(TUTOR))
    assert (earned.consultations, earned.minutes) == (2, 5)
    assert earned.revenue == Money(2 * BASE + 5 * RATE, "USD")
    today = world.clock.now().date()
    [line] = world.build(GetConsultationUsage)(ConsultationUsageQuery(ADMIN, today, today))
    assert (line.provider_id, line.day, line.minutes) == (TUTOR.user_id, today, 5)
    assert world.build(GetConsultationUsage)(ConsultationUsageQuery(
        ADMIN, today + timedelta(days=1), today + timedelta(days=2))) == []
    with pytest.raises(PermissionDenied):
        world.build(GetConsultationUsage)(ConsultationUsageQuery(TUTOR, today, today))
    with pytest.raises(InvalidValue):
        world.build(GetConsultationUsage)(ConsultationUsageQuery(
            ADMIN, today, today - timedelta(days=1)))


def test_on_agora_both_publish_each_with_a_token_of_their_own(world: World) -> None:
    from adapters.outbound.live.agora import AgoraVideoRooms
    from tests.integration.live.test_video_room_tokens import (
        PUBLISH_AUDIO,
        PUBLISH_VIDEO,
        open_agora_token,
    )

    app, certificate = "app-id-0123456789abcdef", "certificate-0123456789abcdef"
    agora = AgoraVideoRooms(app, certificate)
    service = offer(world)
    top_up(world, ANN, 10_000)
    started = world.build(StartConsultation, rooms=agora)(
        StartConsultationCommand(ANN, service.id))
    provider = world.build(JoinConsultation, rooms=agora)(
        JoinConsultationCommand(TUTOR, started.consultation.id))
    student = started.room_pass
    assert student.room == provider.room and student.uid != provider.uid
    assert student.token != provider.token
    for room_pass in (student, provider):
        assert room_pass.token is not None and room_pass.uid is not None
        token = open_agora_token(room_pass.token, app, certificate, room_pass.room,
                                 room_pass.uid)
        assert {PUBLISH_AUDIO, PUBLISH_VIDEO} <= token.privileges.keys()
    # Each token admits its own uid only: the student's cannot pass as the provider's.
    with pytest.raises(ValueError, match="another channel or uid"):
        open_agora_token(student.token or "", app, certificate, student.room,
                         provider.uid or 0)
    with pytest.raises(Conflict, match="runs on agora"):
        world.build(JoinConsultation)(JoinConsultationCommand(TUTOR, started.consultation.id))
