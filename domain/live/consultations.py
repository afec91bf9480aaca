"""Paid consultations: a provider (a teacher) offers a service with a base fee and a price
per minute; a student starts a consultation on it and pays, out of their credits, for the
minutes in which both were in the room, rounded up, never the wall clock.

Credits are held while a consultation runs: enough for the base fee and some minutes at the
start, more as it goes on. The hold bounds the bill: what the student could not cover is
never charged, and the consultation stops when the hold can grow no further."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.live.events import ConsultationEnded, ConsultationStarted
from domain.live.model import Participant
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.model import Aggregate
from domain.shared.money import Money

MAX_BASE_FEE_MINOR = 1_000_000  # 10,000.00 in a two-decimal currency
MAX_RATE_MINOR = 100_000  # 1,000.00 a minute: past that a rate is a typo
# Neither side in the room for this long: the consultation stops by itself.
ABANDONED_AFTER = timedelta(minutes=2)


class ConsultationStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class StopReason(StrEnum):
    STUDENT = "student"  # the student stopped it
    PROVIDER = "provider"  # the provider stopped it
    ADMIN = "admin"  # a platform admin stopped it
    ABANDONED = "abandoned"  # both were away for ABANDONED_AFTER
    CREDITS_EXHAUSTED = "credits_exhausted"  # the student's credits ran out


def minutes_for(seconds: int) -> int:
    """Billed minutes: every minute begun counts."""
    return -(-seconds // 60)


def together_seconds(first: Participant | None, second: Participant | None,
                     now: datetime) -> int:
    """The seconds in which both were present (their stretches of presence overlap)."""
    if first is None or second is None:
        return 0
    total = 0.0
    for a in first.presences:
        for b in second.presences:
            start, end = max(a.started_at, b.started_at), min(a.end(now), b.end(now))
            if end > start:
                total += (end - start).total_seconds()
    return int(total)


def last_seen(participants: list[Participant], since: datetime, now: datetime) -> datetime:
    """The latest sign of life of anyone in the room (``since`` when nobody came)."""
    ends = [p.end(now) for participant in participants for p in participant.presences]
    return max([since, *ends])


@dataclass(eq=False)
class ConsultationService(Aggregate):
    """What a provider offers: a base fee per consultation and a price per minute, in one
    currency, integer minor units."""

    id: str
    provider_id: str
    title: str
    base_fee: Money
    per_minute: Money
    created_at: datetime
    active: bool = True

    @classmethod
    def offer(cls, id: str, provider_id: str, title: str, base_fee: Money, per_minute: Money,
              now: datetime) -> ConsultationService:
        title = title.strip()
        if not 1 <= len(title) <= 200:
            raise InvalidValue("a service's title has 1 to 200 characters")
        if base_fee.currency != per_minute.currency:
            raise InvalidValue("the base fee and the price per minute share one currency")
        if not 0 <= base_fee.amount_minor <= MAX_BASE_FEE_MINOR:
            raise InvalidValue(f"a base fee is 0 to {MAX_BASE_FEE_MINOR} minor units")
        if not 1 <= per_minute.amount_minor <= MAX_RATE_MINOR:
            raise InvalidValue(f"a price per minute is 1 to {MAX_RATE_MINOR} minor units")
        return cls(id, provider_id, title, base_fee, per_minute, now)

    def retire(self) -> None:
        """No new consultations; those running go on at the price they started with."""
        self.active = False


@dataclass(frozen=True)
class Bill:
    seconds: int  # both present
    minutes: int  # billed: rounded up, within what the hold covered
    base_fee: Money
    per_minute: Money
    cost: Money


@dataclass(eq=False)
class Consultation(Aggregate):
    """One consultation: the service's prices as they were when it started, what is held of
    the student's credits, and, once it ended, its bill."""

    id: str
    service_id: str
    student_id: str
    provider_id: str
    video_provider: str  # the vendor its room is on, fixed when it starts
    base_fee: Money
    per_minute: Money
    started_at: datetime
    held_minor: int = 0
    status: ConsultationStatus = ConsultationStatus.ACTIVE
    ended_at: datetime | None = None
    stop_reason: StopReason | None = None
    billed_seconds: int = 0
    billed_minutes: int = 0
    cost_minor: int = 0
    version: int = 1

    @classmethod
    def start(cls, id: str, service: ConsultationService, student_id: str,
              video_provider: str, now: datetime) -> Consultation:
        if not service.active:
            raise Conflict("this service no longer takes consultations")
        if student_id == service.provider_id:
            raise InvalidValue("a provider does not consult themselves")
        consultation = cls(id, service.id, student_id, service.provider_id, video_provider,
                           service.base_fee, service.per_minute, now)
        consultation.events.append(ConsultationStarted(
            consultation_id=id, student_id=student_id, provider_id=service.provider_id))
        return consultation

    @property
    def currency(self) -> str:
        return self.per_minute.currency

    def hold_for(self, minutes: int) -> int:
        """The credits (minor units) a hold needs to cover the base fee and ``minutes``."""
        return self.base_fee.amount_minor + minutes * self.per_minute.amount_minor

    @property
    def covered_minutes(self) -> int:
        """The minutes together the hold pays for."""
        left = self.held_minor - self.base_fee.amount_minor
        return max(left, 0) // self.per_minute.amount_minor

    def held(self, minor: int) -> None:
        """``minor`` more of the student's credits are held for this consultation."""
        self.ensure_active()
        self.held_minor += minor
        self.version += 1

    def is_party(self, user_id: str) -> bool:
        return user_id in (self.student_id, self.provider_id)

    @property
    def is_active(self) -> bool:
        return self.status is ConsultationStatus.ACTIVE

    def ensure_active(self) -> None:
        if not self.is_active:
            raise Conflict("the consultation has ended")

    def stop(self, reason: StopReason, seconds: int, now: datetime) -> Bill:
        """Ends it and bills ``seconds`` together: the base fee once the two met, plus every
        minute begun, as far as the hold covers; nothing when they never met."""
        self.ensure_active()
        minutes = min(minutes_for(seconds), self.covered_minutes)
        cost = self.hold_for(minutes) if seconds > 0 else 0
        self.status, self.ended_at, self.stop_reason = ConsultationStatus.ENDED, now, reason
        self.billed_seconds, self.billed_minutes, self.cost_minor = seconds, minutes, cost
        self.version += 1
        self.events.append(ConsultationEnded(
            consultation_id=self.id, student_id=self.student_id, provider_id=self.provider_id,
            reason=reason.value, cost_minor=cost, currency=self.currency))
        return self.bill

    @property
    def bill(self) -> Bill:
        """What it cost (nothing while it runs)."""
        return Bill(self.billed_seconds, self.billed_minutes, self.base_fee, self.per_minute,
                    Money(self.cost_minor, self.currency))
