"""Who may see a live session, who may enter it and with what rights: the teacher of its
course, its actively enrolled students (not suspended by a dispute, not refunded) and
platform admins. Joining, renewing a pass and the presence channel all ask this."""

from __future__ import annotations

from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal
from domain.live.model import LiveSession, Participant, RoomRole
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


def is_teacher(principal: Principal, session: LiveSession) -> bool:
    return principal.user_id == session.teacher_id and principal.role == Role.TEACHER


def may_manage(principal: Principal, session: LiveSession) -> bool:
    """Ending or canceling: the teacher, or a platform admin."""
    return is_teacher(principal, session) or principal.role == Role.PLATFORM_ADMIN


def room_role(uow: LiveUnitOfWork, principal: Principal, session: LiveSession,
              participant: Participant | None) -> RoomRole:
    """The rights ``principal`` enters with; ``PermissionDenied`` for anyone else."""
    if is_teacher(principal, session):
        return RoomRole.HOST
    if principal.role == Role.PLATFORM_ADMIN:
        return RoomRole.AUDIENCE  # admins look in; they moderate through the API
    if principal.role == Role.STUDENT and uow.roster.is_active_student(
            session.course_id, principal.user_id):
        return participant.role if participant is not None else RoomRole.AUDIENCE
    raise PermissionDenied("only the course's teacher, its enrolled students and platform "
                           "admins may join its live sessions")


def visible_session(uow: LiveUnitOfWork, principal: Principal, session_id: str) -> LiveSession:
    """The session, when ``principal`` may see it: ``NotFound`` for an unknown one,
    ``PermissionDenied`` for one of a course they are not in."""
    session = uow.sessions.get(session_id)
    if session is None:
        raise NotFound(f"no live session {session_id}")
    if not may_see_course(uow, principal, session.course_id, session.teacher_id):
        raise PermissionDenied("only the course's teacher, its enrolled students and "
                               "platform admins see its live sessions")
    return session


def may_see_course(uow: LiveUnitOfWork, principal: Principal, course_id: str,
                   teacher_id: str) -> bool:
    return (principal.user_id == teacher_id or principal.role == Role.PLATFORM_ADMIN
            or uow.roster.is_active_student(course_id, principal.user_id))
