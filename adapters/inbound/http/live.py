"""Live classes: a course's teacher schedules, starts and ends sessions; the teacher, its
enrolled students and admins join them through the configured video vendor; heartbeats and
leaves make the attendance."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, request
from flask.views import MethodView
from injector import Injector, inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import (
    KNOWN_CURRENCIES,
    MAX_AMOUNT_MINOR,
    MoneySchema,
    problem_response,
)
from adapters.inbound.warm import WarmUseCases
from application.live.adjust_credits import AdjustCredits, AdjustCreditsCommand, AdjustedCredits
from application.live.admission import Admission
from application.live.end_live_session import EndLiveSession, EndLiveSessionCommand
from application.live.get_attendance import Attendance, GetAttendance, GetAttendanceQuery
from application.live.get_credits import Credits, GetCredits, GetCreditsQuery
from application.live.get_live_session import GetLiveSession, GetLiveSessionQuery
from application.live.give_the_floor import GiveTheFloor, GiveTheFloorCommand
from application.live.join_live_session import JoinLiveSession, JoinLiveSessionCommand
from application.live.list_active_sessions import (
    ListSessionsByStatus,
    ListSessionsByStatusQuery,
    SessionActivity,
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
from domain.live.credits import CreditEntryKind
from domain.live.model import MAX_PLANNED_MINUTES, MIN_PLANNED_MINUTES, SessionStatus
from domain.shared.money import Money
from domain.shared.roles import Role

blp = Blueprint("live", __name__, description="Live classes: scheduling, joining, attendance")

NOT_YOURS = problem_response("No such session")


class NewSessionSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"example": "Office hours"})
    starts_at = fields.AwareDateTime(required=True,
                                     metadata={"example": "2030-01-01T10:00:00+00:00"})
    planned_minutes = fields.Integer(required=True, validate=validate.Range(
        min=MIN_PLANNED_MINUTES, max=MAX_PLANNED_MINUTES), metadata={"example": 60})


class LiveSessionSchema(Schema):
    id = fields.String()
    course_id = fields.String()
    teacher_id = fields.String()
    title = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in SessionStatus]})
    provider = fields.String(metadata={"description": "jitsi, jaas or agora"})
    starts_at = fields.DateTime()
    planned_minutes = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class RoomPassSchema(Schema):
    provider = fields.String()
    room = fields.String(metadata={"description": "The Jitsi room or the Agora channel"})
    display_name = fields.String()
    join_url = fields.String(allow_none=True, metadata={"description": "Jitsi and JaaS"})
    token = fields.String(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    app_id = fields.String(allow_none=True, metadata={"description": "Agora"})
    uid = fields.Integer(allow_none=True, metadata={"description": "Agora"})


class AdmissionSchema(Schema):
    session_id = fields.String()
    role = fields.String(metadata={"enum": ["host", "speaker", "audience"]})
    room_pass = fields.Nested(RoomPassSchema, data_key="pass")


class PresenceSchema(Schema):
    present = fields.Boolean()
    present_seconds = fields.Integer()


class SpeakerSchema(Schema):
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    speaks = fields.Boolean(load_default=True)


class IntervalSchema(Schema):
    joined_at = fields.DateTime()
    left_at = fields.DateTime(allow_none=True)


class AttendanceLineSchema(Schema):
    user_id = fields.String()
    name = fields.String()
    role = fields.String()
    intervals = fields.List(fields.Nested(IntervalSchema))
    seconds = fields.Integer()
    minutes = fields.Integer()


class AbsentSchema(Schema):
    user_id = fields.String()
    name = fields.String()


class AttendanceSchema(Schema):
    session_id = fields.String()
    status = fields.String()
    participants = fields.List(fields.Nested(AttendanceLineSchema))
    absent = fields.Method("_absent")

    def _absent(self, attendance: Attendance) -> list[dict[str, str]]:
        return [{"user_id": user_id, "name": name} for user_id, name in attendance.absent]


class StatusArgsSchema(Schema):
    status = fields.String(load_default=SessionStatus.LIVE.value,
                           validate=validate.OneOf([s.value for s in SessionStatus]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ActivitySchema(Schema):
    session = fields.Nested(LiveSessionSchema)
    participants = fields.Integer()
    present = fields.Integer()


@blp.route("/courses/<string:course_id>/live-sessions")
class CourseSessions(MethodView):
    @inject
    def __init__(self, schedule: ScheduleLiveSession, sessions: ListLiveSessions) -> None:
        self.schedule, self.sessions = schedule, sessions

    @requires(Role.TEACHER)
    @blp.arguments(NewSessionSchema)
    @blp.response(201, LiveSessionSchema)
    @blp.alt_response(403, **problem_response("Only the course's teacher"))
    @blp.alt_response(404, **problem_response("No such course"))
    def post(self, body: dict[str, Any], course_id: str) -> SessionView:
        """Schedule a live class of the course."""
        return self.schedule(ScheduleLiveSessionCommand(current_principal(), course_id, **body))

    @requires()
    @blp.response(200, LiveSessionSchema(many=True))
    @blp.alt_response(403, **problem_response("Not the course's teacher, student or an admin"))
    @blp.alt_response(404, **problem_response("No such course"))
    def get(self, course_id: str) -> list[SessionView]:
        """The course's live classes, soonest first (its teacher, students and admins)."""
        return self.sessions(ListLiveSessionsQuery(current_principal(), course_id))


@blp.route("/live-sessions/<string:session_id>")
class SessionItem(MethodView):
    @inject
    def __init__(self, get_session: GetLiveSession) -> None:
        self.get_session = get_session

    @requires()
    @blp.response(200, LiveSessionSchema)
    @blp.alt_response(403, **problem_response("Not the course's teacher, student or an admin"))
    @blp.alt_response(404, **NOT_YOURS)
    def get(self, session_id: str) -> SessionView:
        return self.get_session(GetLiveSessionQuery(current_principal(), session_id))


@blp.route("/live-sessions/<string:session_id>/start")
class SessionStart(MethodView):
    @inject
    def __init__(self, start: StartLiveSession) -> None:
        self.start = start

    @requires()
    @blp.response(200, LiveSessionSchema)
    @blp.alt_response(403, **problem_response("Only the course's teacher"))
    @blp.alt_response(404, **NOT_YOURS)
    @blp.alt_response(409, **problem_response("The session is not scheduled"))
    def post(self, session_id: str) -> SessionView:
        """Go live: the course's channel hears session.started and its students are told."""
        return self.start(StartLiveSessionCommand(current_principal(), session_id))


def _closing(cancel: bool) -> type[MethodView]:
    """``/end`` (a live session) and ``/cancel`` (a scheduled one): one use case."""

    class Closing(MethodView):
        @inject
        def __init__(self, end: EndLiveSession) -> None:
            self.end = end

        @requires()
        @blp.response(200, LiveSessionSchema)
        @blp.alt_response(403, **problem_response("Only the course's teacher or an admin"))
        @blp.alt_response(404, **NOT_YOURS)
        @blp.alt_response(409, **problem_response(
            "The session is not scheduled" if cancel else "The session is not live"))
        def post(self, session_id: str) -> SessionView:
            return self.end(EndLiveSessionCommand(current_principal(), session_id, cancel))

    Closing.__name__ = "SessionCancel" if cancel else "SessionEnd"
    Closing.post.__doc__ = ("Cancel a scheduled session that will not take place." if cancel
                            else "End a live session: no new joins, no new passes.")
    return Closing


for _cancel in (False, True):
    blp.route(f"/live-sessions/<string:session_id>/{'cancel' if _cancel else 'end'}")(
        _closing(_cancel))


@blp.route("/live-sessions/<string:session_id>/join")
class SessionJoin(MethodView):
    @inject
    def __init__(self, join: JoinLiveSession) -> None:
        self.join = join

    @requires()
    @blp.response(200, AdmissionSchema)
    @blp.alt_response(403, **problem_response("Not the teacher, an enrolled student or admin"))
    @blp.alt_response(404, **NOT_YOURS)
    @blp.alt_response(409, **problem_response("The session is not live"))
    def post(self, session_id: str) -> Admission:
        """Enter the room: a meeting link (Jitsi, JaaS) or an app id, uid and token (Agora)."""
        return self.join(JoinLiveSessionCommand(current_principal(), session_id))


@blp.route("/live-sessions/<string:session_id>/token")
class SessionToken(MethodView):
    @inject
    def __init__(self, renew: RenewRoomPass) -> None:
        self.renew = renew

    @requires()
    @blp.response(200, AdmissionSchema)
    @blp.alt_response(403, **problem_response("No longer allowed in"))
    @blp.alt_response(404, **NOT_YOURS)
    @blp.alt_response(409, **problem_response("Not joined yet, or the session is not live"))
    def get(self, session_id: str) -> Admission:
        """A fresh pass before the current one lapses."""
        return self.renew(RenewRoomPassQuery(current_principal(), session_id))


# Heartbeats are the busiest call of a live class (every participant, every 30 s): one
# RecordPresence per thread, and the answer encoded here (flask-smorest passes a Response
# through; PresenceSchema still documents it), as the webhook view does (ADR 15).
_warm = WarmUseCases()


def presence_answer(result: PresenceResult) -> Response:
    present = "true" if result.present else "false"
    return Response(f'{{"present":{present},"present_seconds":{int(result.present_seconds)}}}\n',
                    status=200, mimetype="application/json")


def _presence(signal: PresenceSignal) -> type[MethodView]:
    class Presence(MethodView):
        @inject
        def __init__(self, injector: Injector) -> None:
            self.injector = injector

        @requires()
        @blp.response(200, PresenceSchema)
        @blp.alt_response(403, **problem_response("No longer allowed in"))
        @blp.alt_response(404, **NOT_YOURS)
        @blp.alt_response(409, **problem_response("Not joined, or the session is not live"))
        def post(self, session_id: str) -> Response:
            command = RecordPresenceCommand(current_principal(), session_id, signal)
            return presence_answer(_warm.call(self.injector, RecordPresence,
                                              lambda record: record(command)))

    Presence.__name__ = f"Session{signal.value.title()}"
    Presence.post.__doc__ = {PresenceSignal.HEARTBEAT: "Still here (every 30 s; after 90 s of "
                             "silence a participant has left).",
                             PresenceSignal.LEAVE: "Left the room."}[signal]
    return Presence


for _signal in PresenceSignal:
    blp.route(f"/live-sessions/<string:session_id>/{_signal.value}")(_presence(_signal))


@blp.route("/live-sessions/<string:session_id>/speakers")
class SessionSpeakers(MethodView):
    @inject
    def __init__(self, give: GiveTheFloor) -> None:
        self.give = give

    @requires()
    @blp.arguments(SpeakerSchema)
    @blp.response(200, SpeakerSchema)
    @blp.alt_response(403, **problem_response("Only the course's teacher"))
    @blp.alt_response(404, **NOT_YOURS)
    @blp.alt_response(409, **problem_response("The session is not live"))
    @blp.alt_response(422, **problem_response("Not a student of the course"))
    def post(self, body: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Let a student speak (their next pass publishes), or stop them (speaks: false)."""
        role = self.give(GiveTheFloorCommand(current_principal(), session_id, **body))
        return {"student_id": body["student_id"], "speaks": role == "speaker"}


@blp.route("/live-sessions/<string:session_id>/attendance")
class SessionAttendance(MethodView):
    @inject
    def __init__(self, attendance: GetAttendance) -> None:
        self.attendance = attendance

    @requires()
    @blp.response(200, AttendanceSchema, content_type="application/json")
    @blp.alt_response(200, description="The attendance, as JSON or, with Accept: text/csv, "
                      "as CSV", schema={"type": "string"}, content_type="text/csv",
                      success=True)
    @blp.alt_response(403, **problem_response("Only the course's teacher or an admin"))
    @blp.alt_response(404, **NOT_YOURS)
    def get(self, session_id: str) -> Attendance | Response:
        """Each participant's intervals and minutes, and the enrolled students who never
        joined."""
        attendance = self.attendance(GetAttendanceQuery(current_principal(), session_id))
        wanted = request.accept_mimetypes.best_match(["application/json", "text/csv"])
        if wanted == "text/csv":
            return Response(_csv(attendance), mimetype="text/csv")
        return attendance


def _csv(attendance: Attendance) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user_id", "name", "role", "minutes", "seconds", "intervals"])
    for line in attendance.participants:
        spans = ";".join(f"{i.joined_at.isoformat()}/{i.left_at.isoformat() if i.left_at else ''}"
                         for i in line.intervals)
        writer.writerow([line.user_id, _cell(line.name), line.role, line.minutes,
                         line.seconds, spans])
    for user_id, name in attendance.absent:
        writer.writerow([user_id, _cell(name), "absent", 0, 0, ""])
    return out.getvalue()


def _cell(text: str) -> str:
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@blp.route("/admin/live-sessions")
class AdminSessions(MethodView):
    @inject
    def __init__(self, sessions: ListSessionsByStatus) -> None:
        self.sessions = sessions

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(StatusArgsSchema, location="query")
    @blp.response(200, ActivitySchema(many=True))
    @blp.alt_response(403, **problem_response("Only platform admins"))
    def get(self, args: dict[str, Any]) -> list[SessionActivity]:
        """Sessions by status (live by default) with how many joined and are there now."""
        return self.sessions(ListSessionsByStatusQuery(
            current_principal(), SessionStatus(args["status"]), args["limit"]))



# --- credits --------------------------------------------------------------------------------


class BalanceSchema(Schema):
    currency = fields.String()
    available = fields.Integer(metadata={"description": "minor units that may be spent"})
    held = fields.Integer(metadata={"description": "minor units reserved by a running "
                                                   "consultation"})


class CreditEntrySchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in CreditEntryKind]})
    amount = fields.Nested(MoneySchema)
    reason = fields.String()
    reference = fields.String(allow_none=True)
    occurred_at = fields.DateTime()


class CreditsSchema(Schema):
    balances = fields.List(fields.Nested(BalanceSchema))
    entries = fields.List(fields.Nested(CreditEntrySchema))


class AdjustmentSchema(Schema):
    amount_minor = fields.Integer(required=True, strict=True, validate=[
        validate.Range(min=-MAX_AMOUNT_MINOR, max=MAX_AMOUNT_MINOR),
        validate.NoneOf([0], error="an adjustment moves some credits")])
    currency = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CURRENCIES)))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key = fields.String(required=True, validate=validate.Length(min=1, max=100),
                        metadata={"description": "the same correction sent again counts once"})


class AdjustedSchema(Schema):
    applied = fields.Boolean(metadata={"description": "false: a replay, already applied"})
    balance = fields.Nested(BalanceSchema)


@blp.route("/me/credits")
class MyCredits(MethodView):
    @inject
    def __init__(self, credits: GetCredits) -> None:
        self.credits = credits

    @requires()
    @blp.response(200, CreditsSchema)
    def get(self) -> Credits:
        """My credit balances (integer minor units) and the newest ledger entries."""
        return self.credits(GetCreditsQuery(current_principal()))


@blp.route("/admin/users/<string:user_id>/credits")
class CreditAdjustment(MethodView):
    @inject
    def __init__(self, adjust: AdjustCredits) -> None:
        self.adjust = adjust

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(AdjustmentSchema)
    @blp.response(200, AdjustedSchema)
    @blp.alt_response(403, **problem_response("Only platform admins"))
    @blp.alt_response(404, **problem_response("No such user"))
    @blp.alt_response(409, **problem_response("It would take more than is available"))
    def post(self, body: dict[str, Any], user_id: str) -> AdjustedCredits:
        """Correct a person's credits either way, with a reason (audited)."""
        return self.adjust(AdjustCreditsCommand(
            current_principal(), user_id, Money(body["amount_minor"], body["currency"]),
            body["reason"], body["key"]))
