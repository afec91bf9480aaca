from __future__ import annotations

from dataclasses import dataclass

from application.identity.published import IdentityRequirements
from application.live.config import ConsultationPolicy
from application.live.consultation_billing import hold
from application.live.consultation_room import enter
from application.live.consultation_views import ConsultationView, describe_consultation
from application.live.ports import LiveUnitOfWork, RoomNames, RoomPass, VideoRooms
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.consultations import Consultation
from domain.live.credits import InsufficientCredits
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class StartConsultationCommand:
    actor: Principal
    service_id: str


@dataclass(frozen=True)
class StartedConsultation:
    consultation: ConsultationView
    room_pass: RoomPass  # the student's own; the provider gets theirs by joining


class StartConsultation:
    """A student starts a consultation and enters its room. Their credits must cover the
    base fee and the policy's minimum of minutes, which are held (``InsufficientCredits``
    otherwise: nothing starts). After commit the provider is told to join."""

    def __init__(self, uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames,
                 clock: Clock, ids: IdGenerator, policy: ConsultationPolicy,
                 auditor: Auditor, requirements: IdentityRequirements) -> None:
        self.uow, self.rooms, self.names, self.clock = uow, rooms, names, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor
        self.requirements = requirements

    def __call__(self, cmd: StartConsultationCommand) -> StartedConsultation:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students start consultations")
        now = self.clock.now()
        with self.uow:
            self.requirements.ensure_verified(self.uow.standing, cmd.actor,
                                              "start a consultation")
            service = self.uow.services.get(cmd.service_id)
            if service is None:
                raise NotFound(f"no consultation service {cmd.service_id}")
            consultation = Consultation.start(self.ids.new_id(), service, cmd.actor.user_id,
                                              self.rooms.provider, now)
            self.uow.consultations.add(consultation)
            needed = consultation.hold_for(self.policy.min_minutes)
            try:
                hold(self.uow, self.ids, consultation, needed, now)
            except InsufficientCredits as error:
                raise InsufficientCredits(
                    f"starting needs {Money(needed, consultation.currency).to_decimal_string()}"
                    f" {consultation.currency} of credits (the base fee and "
                    f"{self.policy.min_minutes} minutes); buy a credit pack") from error
            room_pass = enter(self.uow, self.rooms, self.names, self.ids, self.policy,
                              consultation, cmd.actor.user_id, now)
            self.auditor.record(self.uow, cmd.actor.user_id, "consultation.started",
                                "consultation", consultation.id, service_id=service.id,
                                held_minor=consultation.held_minor)
            self.uow.commit()
            return StartedConsultation(describe_consultation(consultation), room_pass)
