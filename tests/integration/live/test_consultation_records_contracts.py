"""Consultations' records through the fake unit of work and the SQL one on SQLite and
PostgreSQL, the same checks: services and consultations read back as stored (prices as
Money, the bill's fields), in the ports' orders and filters; a consultation's parties are
participants under its id; a refused hold leaves the transaction usable."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from adapters.outbound.persistence.consultations import (
    SqlConsultationRepository,
    SqlConsultationServiceRepository,
)
from application.live.ports import ConsultationRepository, ConsultationServiceRepository
from domain.live.consultations import Consultation, ConsultationService, StopReason
from domain.live.credits import CreditBalance, CreditEntry, CreditEntryKind, InsufficientCredits
from domain.live.model import Participant, RoomRole
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.integration.live.test_live_records_contracts import (
    POSTGRES,
    UNIT_OF_WORK,
    Live,
    at,
    live,
)
from tests.unit.live.fakes import FakeConsultationRepository, FakeConsultationServiceRepository

SERVICES = Contract(ConsultationServiceRepository, {
    "fake": FakeConsultationServiceRepository, "sqlite": SqlConsultationServiceRepository,
    "postgres": SqlConsultationServiceRepository}, marks={"postgres": POSTGRES})
CONSULTATIONS = Contract(ConsultationRepository, {
    "fake": FakeConsultationRepository, "sqlite": SqlConsultationRepository,
    "postgres": SqlConsultationRepository}, marks={"postgres": POSTGRES})
__all__ = ["live"]  # the fixture this suite shares
assert SERVICES.implementations.keys() == CONSULTATIONS.implementations.keys() == \
    UNIT_OF_WORK.implementations.keys()


def services(live: Live, uow: Any) -> Any:
    return live.repository(uow, SERVICES)


def consultations(live: Live, uow: Any) -> Any:
    return live.repository(uow, CONSULTATIONS)


def offered(live: Live, provider: str, title: str = "Coaching", minutes: float = 0,
            ) -> ConsultationService:
    service = ConsultationService.offer(str(uuid.uuid4()), provider, title, Money(500, "USD"),
                                        Money(50, "USD"), at(minutes))
    with live() as uow:
        services(live, uow).add(service)
        uow.commit()
    return service


def looks(c: Consultation) -> tuple[Any, ...]:
    return (c.id, c.service_id, c.student_id, c.provider_id, c.video_provider, c.base_fee,
            c.per_minute, c.started_at, c.held_minor, c.status, c.ended_at, c.stop_reason,
            c.billed_seconds, c.billed_minutes, c.cost_minor, c.version)


def test_services_read_back_newest_first_and_retired_ones_are_not_offered(
        live: Live) -> None:
    tess, una = live.user("Tess", Role.TEACHER), live.user("Una", Role.TEACHER)
    first, second = offered(live, tess, minutes=0), offered(live, tess, "Mock interviews", 1)
    other = offered(live, una, minutes=2)
    with live() as uow:
        found = services(live, uow).get(second.id)
        assert (found.title, found.base_fee, found.per_minute, found.active) == (
            "Mock interviews", Money(500, "USD"), Money(50, "USD"), True)
        assert [s.id for s in services(live, uow).offered(None, 10)] == [
            other.id, second.id, first.id]
        assert [s.id for s in services(live, uow).offered(tess, 1)] == [second.id]
        services(live, uow).get(first.id).retire()
        uow.commit()
    with live() as uow:
        assert [s.id for s in services(live, uow).offered(tess, 10)] == [second.id]
        assert services(live, uow).get("nope") is None


def test_consultations_read_back_with_their_bills_and_their_parties(live: Live) -> None:
    tess, ann, bob = (live.user("Tess", Role.TEACHER), live.user("Ann"), live.user("Bob"))
    service = offered(live, tess)
    running = Consultation.start(str(uuid.uuid4()), service, ann, "jitsi", at(1))
    ended = Consultation.start(str(uuid.uuid4()), service, bob, "jitsi", at(2))
    with live() as uow:
        for consultation in (running, ended):
            consultation.held(750)
            consultations(live, uow).add(consultation)
        seat = Participant(str(uuid.uuid4()), running.id, ann, 7, RoomRole.SPEAKER, at(1))
        seat.arrive(str(uuid.uuid4()), at(1))
        uow.participants.add(seat)
        uow.commit()
    with live() as uow:
        found = consultations(live, uow).get(ended.id, for_update=True)
        bill = found.stop(StopReason.PROVIDER, 61, at(5))
        assert bill.minutes == 2 and bill.cost == Money(600, "USD")
        uow.commit()
    with live() as uow:
        assert looks(consultations(live, uow).get(ended.id)) == looks(found)
        assert [c.id for c in consultations(live, uow).running(10)] == [running.id]
        assert [c.id for c in consultations(live, uow).of_person(tess, 10)] == [
            ended.id, running.id]
        assert [c.id for c in consultations(live, uow).of_person(ann, 10)] == [running.id]
        assert [c.id for c in consultations(live, uow).ended_between(at(5), at(6))] == [
            ended.id]
        assert consultations(live, uow).ended_between(at(5), at(6), provider_id=ann) == []
        assert consultations(live, uow).ended_between(at(6), at(7)) == []
        [party] = uow.participants.for_session(running.id)
        assert (party.user_id, party.uid, len(party.presences)) == (ann, 7, 1)


def test_a_refused_hold_changes_nothing_and_the_transaction_goes_on(live: Live) -> None:
    ann = live.user("Ann")

    def entry(kind: CreditEntryKind, minor: int) -> CreditEntry:
        return CreditEntry(str(uuid.uuid4()), ann, kind, Money(minor, "USD"),
                           uuid.uuid4().hex, "a test", at(0))

    with live() as uow:
        uow.credits.post(entry(CreditEntryKind.TOP_UP, 1000))
        with pytest.raises(InsufficientCredits):
            uow.credits.post(entry(CreditEntryKind.HOLD, 1001))
        assert uow.credits.post(entry(CreditEntryKind.HOLD, 400))
        uow.commit()
    with live() as uow:
        assert uow.credits.balances(ann) == [CreditBalance(ann, "USD", 600, 400)]
        assert [e.kind for e in uow.credits.entries(ann, 10)].count(CreditEntryKind.HOLD) == 1
