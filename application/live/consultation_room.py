"""Entering a consultation's room: both parties publish, each with a pass of their own (the
provider hosts); the pass lapses after the policy's time and joining again renews it."""

from __future__ import annotations

from datetime import datetime

from application.live.admission import free_uid
from application.live.config import ConsultationPolicy
from application.live.ports import Attendee, LiveUnitOfWork, RoomNames, RoomPass, VideoRooms
from application.shared.ports import IdGenerator
from domain.live.consultations import Consultation
from domain.live.model import Participant, RoomRole
from domain.shared.errors import Conflict, PermissionDenied


def enter(uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames, ids: IdGenerator,
          policy: ConsultationPolicy, consultation: Consultation, user_id: str,
          now: datetime) -> RoomPass:
    """Records the arrival of ``user_id`` (a party to the consultation) and answers their
    pass. ``Conflict`` once it ended, or when its vendor is no longer configured."""
    consultation.ensure_active()
    if not consultation.is_party(user_id):
        raise PermissionDenied("only the consultation's student and provider enter it")
    if consultation.video_provider != rooms.provider:
        raise Conflict(f"this consultation runs on {consultation.video_provider}, which is "
                       "no longer configured")
    contact = uow.people.contact(user_id)
    if contact is None:
        raise PermissionDenied("your account is gone; sign in again")
    role = RoomRole.HOST if user_id == consultation.provider_id else RoomRole.SPEAKER
    participant = uow.participants.get(consultation.id, user_id)
    if participant is None:
        participant = Participant(ids.new_id(), consultation.id, user_id,
                                  free_uid(uow, consultation.id, user_id), role, now)
        uow.participants.add(participant)
    participant.arrive(ids.new_id(), now)
    attendee = Attendee(user_id, contact.full_name, contact.email, role, participant.uid)
    return rooms.admit(names.room_for(consultation.id), attendee, now, now + policy.pass_ttl)
