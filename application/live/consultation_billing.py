"""Metering a running consultation and billing it, inside the caller's unit of work: the
hold on the student's credits grows before it runs out, and a consultation that must stop
(both away, or no credits left to hold) is billed from the minutes both were present."""

from __future__ import annotations

from datetime import datetime

from application.live.config import ConsultationPolicy
from application.live.ports import LiveUnitOfWork
from application.shared.ports import IdGenerator
from domain.live.consultations import (
    ABANDONED_AFTER,
    Bill,
    Consultation,
    StopReason,
    last_seen,
    minutes_for,
    together_seconds,
)
from domain.live.credits import CreditEntry, CreditEntryKind
from domain.live.model import Participant
from domain.shared.errors import NotFound
from domain.shared.money import Money


def locked(uow: LiveUnitOfWork, consultation_id: str) -> Consultation:
    consultation = uow.consultations.get(consultation_id, for_update=True)
    if consultation is None:
        raise NotFound(f"no consultation {consultation_id}")
    return consultation


def parties(uow: LiveUnitOfWork, consultation: Consultation,
            ) -> tuple[Participant | None, Participant | None]:
    """The student's and the provider's participant records (None until they joined)."""
    return (uow.participants.get(consultation.id, consultation.student_id),
            uow.participants.get(consultation.id, consultation.provider_id))


def hold(uow: LiveUnitOfWork, ids: IdGenerator, consultation: Consultation, minor: int,
         now: datetime) -> None:
    """Moves ``minor`` of the student's available credits into this consultation's hold;
    ``InsufficientCredits`` when they do not have it."""
    if _post(uow, ids, consultation, CreditEntryKind.HOLD, minor,
             f"hold:{consultation.held_minor}", "held for a consultation", now):
        consultation.held(minor)


def meter(uow: LiveUnitOfWork, ids: IdGenerator, policy: ConsultationPolicy,
          consultation: Consultation, now: datetime) -> StopReason | None:
    """Grows the hold when the next minute is not covered yet; returns why the consultation
    must stop now, if it must."""
    student, provider = parties(uow, consultation)
    people = [p for p in (student, provider) if p is not None]
    if now - last_seen(people, consultation.started_at, now) >= ABANDONED_AFTER:
        return StopReason.ABANDONED
    seconds = together_seconds(student, provider, now)
    if minutes_for(seconds) + 1 > consultation.covered_minutes:
        wanted = consultation.hold_for(minutes_for(seconds) + policy.hold_step_minutes)
        affordable = _available(uow, consultation) // consultation.per_minute.amount_minor
        step = min(wanted - consultation.held_minor,
                   affordable * consultation.per_minute.amount_minor)
        if step > 0:
            hold(uow, ids, consultation, step, now)
    if seconds >= consultation.covered_minutes * 60:
        return StopReason.CREDITS_EXHAUSTED
    return None


def finish(uow: LiveUnitOfWork, ids: IdGenerator, consultation: Consultation,
           reason: StopReason, now: datetime) -> Bill:
    """Stops and bills it: the cost is captured out of the hold, the rest released, and
    both parties leave the room."""
    student, provider = parties(uow, consultation)
    bill = consultation.stop(reason, together_seconds(student, provider, now), now)
    if bill.cost.amount_minor:
        _post(uow, ids, consultation, CreditEntryKind.CAPTURE, bill.cost.amount_minor,
              "capture", f"consultation: {bill.minutes} min", now)
    rest = consultation.held_minor - bill.cost.amount_minor
    if rest:
        _post(uow, ids, consultation, CreditEntryKind.RELEASE, rest, "release",
              "released by a consultation", now)
    for participant in (student, provider):
        if participant is not None:
            participant.leave(now)
    return bill


def _available(uow: LiveUnitOfWork, consultation: Consultation) -> int:
    return next((b.available for b in uow.credits.balances(consultation.student_id)
                 if b.currency == consultation.currency), 0)


def _post(uow: LiveUnitOfWork, ids: IdGenerator, consultation: Consultation,
          kind: CreditEntryKind, minor: int, step: str, reason: str, now: datetime) -> bool:
    # Keyed by the consultation and the step: a retried transaction or a second stop
    # cannot hold, capture or release twice.
    return uow.credits.post(CreditEntry(
        ids.new_id(), consultation.student_id, kind, Money(minor, consultation.currency),
        f"consultation:{consultation.id}:{step}", reason, now,
        reference=f"consultation:{consultation.id}"))
