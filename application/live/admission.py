"""Letting someone into a live session's room: the participant record with its stable uid,
and the vendor's pass for it, valid until the planned end plus a grace period at most."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.live.access import room_role
from application.live.config import LivePolicy
from application.live.ports import Attendee, LiveUnitOfWork, RoomNames, RoomPass, VideoRooms
from application.shared.ports import IdGenerator, Principal
from domain.live.model import LiveSession, Participant
from domain.shared.errors import Conflict, PermissionDenied

_UID_ATTEMPTS = 16


@dataclass(frozen=True)
class Admission:
    session_id: str
    role: str
    room_pass: RoomPass


def admit(uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames, ids: IdGenerator,
          policy: LivePolicy, principal: Principal, session: LiveSession, now: datetime,
          ) -> tuple[Participant, Admission]:
    """The caller's participant record (made on their first join) and a fresh pass.
    Raises ``Conflict`` unless the session is live and ``PermissionDenied`` for anyone the
    access rules keep out."""
    session.ensure_live()
    participant = uow.participants.get(session.id, principal.user_id)
    role = room_role(uow, principal, session, participant)
    contact = uow.people.contact(principal.user_id)
    if contact is None:
        raise PermissionDenied("your account is gone; sign in again")
    if participant is None:
        participant = Participant(ids.new_id(), session.id, principal.user_id,
                                  free_uid(uow, session.id, principal.user_id), role, now)
        uow.participants.add(participant)
    participant.assign(role)
    if session.provider != rooms.provider:
        raise Conflict(f"this session runs on {session.provider}, which is no longer "
                       "configured")
    not_after = session.planned_end + policy.grace
    if now >= not_after:
        raise Conflict("the session ran past its planned end and grace period: it admits "
                       "nobody new")
    attendee = Attendee(principal.user_id, contact.full_name, contact.email, role,
                        participant.uid)
    room_pass = rooms.admit(names.room_for(session.id), attendee, now, not_after)
    return participant, Admission(session.id, role.value, room_pass)


def free_uid(uow: LiveUnitOfWork, session_id: str, user_id: str) -> int:
    """The user's stable uid in the session, or the next candidate when another has it (the
    unique index refuses a clash that races past this check)."""
    for attempt in range(_UID_ATTEMPTS):
        uid = Participant.uid_for(session_id, user_id, attempt)
        if not uow.participants.uid_taken(session_id, uid):
            return uid
    raise Conflict("no free uid in this session; try again")
