"""Paid consultations: teachers offer services with a base fee and a price per minute;
students start consultations paid from their credits; both parties join, beat and stop;
providers see their earnings and admins the usage per provider and day."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.live import RoomPassSchema
from adapters.inbound.http.schemas import KNOWN_CURRENCIES, MoneySchema, problem_response
from application.live.consultation_usage import (
    ConsultationUsageQuery,
    GetConsultationUsage,
    UsageLine,
)
from application.live.consultation_views import ConsultationView
from application.live.get_consultation import GetConsultation, GetConsultationQuery
from application.live.get_earnings import EarningsQuery, GetEarnings
from application.live.join_consultation import JoinConsultation, JoinConsultationCommand
from application.live.list_consultation_services import (
    ListConsultationServices,
    ListConsultationServicesQuery,
)
from application.live.list_my_consultations import ListMyConsultations, ListMyConsultationsQuery
from application.live.offer_consultation_service import (
    OfferConsultationService,
    OfferConsultationServiceCommand,
)
from application.live.ports import RoomPass
from application.live.record_consultation_presence import (
    ConsultationPresence,
    RecordConsultationPresence,
    RecordConsultationPresenceCommand,
)
from application.live.record_presence import PresenceSignal
from application.live.retire_consultation_service import (
    RetireConsultationService,
    RetireConsultationServiceCommand,
)
from application.live.start_consultation import (
    StartConsultation,
    StartConsultationCommand,
    StartedConsultation,
)
from application.live.stop_consultation import StopConsultation, StopConsultationCommand
from domain.live.consultations import (
    MAX_BASE_FEE_MINOR,
    MAX_RATE_MINOR,
    ConsultationService,
    ConsultationStatus,
    StopReason,
)
from domain.shared.money import Money
from domain.shared.roles import Role

blp = Blueprint("consultations", __name__,
                description="Paid consultations billed per minute from credits")

NO_SUCH = problem_response("No such consultation (or not yours)")
ENDED = problem_response("The consultation has ended, or you have not joined it")


class NewServiceSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"example": "Career coaching"})
    base_fee_minor = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=MAX_BASE_FEE_MINOR), metadata={"example": 500})
    per_minute_minor = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=MAX_RATE_MINOR), metadata={"example": 50})
    currency = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CURRENCIES)),
                             metadata={"example": "USD"})


class ServiceSchema(Schema):
    id = fields.String()
    provider_id = fields.String()
    title = fields.String()
    base_fee = fields.Nested(MoneySchema)
    per_minute = fields.Nested(MoneySchema)
    active = fields.Boolean()
    created_at = fields.DateTime()


class ServicesArgsSchema(Schema):
    provider_id = fields.String(validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class StartSchema(Schema):
    service_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class BillSchema(Schema):
    seconds = fields.Integer(metadata={"description": "both present"})
    minutes = fields.Integer(metadata={"description": "billed: every minute begun"})
    base_fee = fields.Nested(MoneySchema)
    per_minute = fields.Nested(MoneySchema)
    cost = fields.Nested(MoneySchema)


class ConsultationSchema(Schema):
    id = fields.String()
    service_id = fields.String()
    student_id = fields.String()
    provider_id = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ConsultationStatus]})
    started_at = fields.DateTime()
    held = fields.Nested(MoneySchema, metadata={"description": "credits held while it runs"})
    ended_at = fields.DateTime(allow_none=True)
    stop_reason = fields.String(allow_none=True,
                                metadata={"enum": [r.value for r in StopReason]})
    bill = fields.Nested(BillSchema, allow_none=True)


class StartedSchema(Schema):
    consultation = fields.Nested(ConsultationSchema)
    room_pass = fields.Nested(RoomPassSchema, data_key="pass")


class ConsultationPresenceSchema(Schema):
    present = fields.Boolean()
    together_seconds = fields.Integer()
    consultation = fields.Nested(ConsultationSchema)


class UsageLineSchema(Schema):
    provider_id = fields.String()
    day = fields.Date(allow_none=True)
    consultations = fields.Integer()
    minutes = fields.Integer()
    revenue = fields.Nested(MoneySchema)


class UsageArgsSchema(Schema):
    first_day = fields.Date(required=True, data_key="from")
    last_day = fields.Date(required=True, data_key="to")


class EarningsArgsSchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=92))


@blp.route("/consultation-services")
class Services(MethodView):
    @inject
    def __init__(self, offer: OfferConsultationService,
                 services: ListConsultationServices) -> None:
        self.offer, self.services = offer, services

    @requires(Role.TEACHER)
    @blp.arguments(NewServiceSchema)
    @blp.response(201, ServiceSchema)
    @blp.alt_response(403, **problem_response("Only teachers"))
    def post(self, body: dict[str, Any]) -> ConsultationService:
        """Offer consultations at a base fee plus a price per minute (integer minor units)."""
        return self.offer(OfferConsultationServiceCommand(
            current_principal(), body["title"], Money(body["base_fee_minor"], body["currency"]),
            Money(body["per_minute_minor"], body["currency"])))

    @requires()
    @blp.arguments(ServicesArgsSchema, location="query")
    @blp.response(200, ServiceSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[ConsultationService]:
        """The services on offer, newest first."""
        return self.services(ListConsultationServicesQuery(**args))


@blp.route("/consultation-services/<string:service_id>")
class ServiceItem(MethodView):
    @inject
    def __init__(self, retire: RetireConsultationService) -> None:
        self.retire = retire

    @requires()
    @blp.response(200, ServiceSchema)
    @blp.alt_response(403, **problem_response("Only its provider or an admin"))
    @blp.alt_response(404, **problem_response("No such service"))
    def delete(self, service_id: str) -> ConsultationService:
        """Stop offering it; running consultations go on."""
        return self.retire(RetireConsultationServiceCommand(current_principal(), service_id))


@blp.route("/consultations")
class Consultations(MethodView):
    @inject
    def __init__(self, start: StartConsultation, mine: ListMyConsultations) -> None:
        self.start, self.mine = start, mine

    @requires(Role.STUDENT)
    @blp.arguments(StartSchema)
    @blp.response(201, StartedSchema)
    @blp.alt_response(403, **problem_response("Only students"))
    @blp.alt_response(404, **problem_response("No such service"))
    @blp.alt_response(409, **problem_response("Not enough credits, or the service is retired"))
    def post(self, body: dict[str, Any]) -> StartedConsultation:
        """Start a consultation: credits for the base fee and the first minutes are held,
        and the answer carries the student's pass into the room."""
        return self.start(StartConsultationCommand(current_principal(), body["service_id"]))

    @requires()
    @blp.response(200, ConsultationSchema(many=True))
    def get(self) -> list[ConsultationView]:
        """The consultations I took or gave, latest first."""
        return self.mine(ListMyConsultationsQuery(current_principal()))


@blp.route("/consultations/<string:consultation_id>")
class ConsultationItem(MethodView):
    @inject
    def __init__(self, get_one: GetConsultation) -> None:
        self.get_one = get_one

    @requires()
    @blp.response(200, ConsultationSchema)
    @blp.alt_response(404, **NO_SUCH)
    def get(self, consultation_id: str) -> ConsultationView:
        return self.get_one(GetConsultationQuery(current_principal(), consultation_id))


@blp.route("/consultations/<string:consultation_id>/join")
class ConsultationJoin(MethodView):
    @inject
    def __init__(self, join: JoinConsultation) -> None:
        self.join = join

    @requires()
    @blp.response(200, RoomPassSchema)
    @blp.alt_response(403, **problem_response("Not a party to it"))
    @blp.alt_response(404, **NO_SUCH)
    @blp.alt_response(409, **problem_response("The consultation has ended"))
    def post(self, consultation_id: str) -> RoomPass:
        """Enter the room (the provider; or come back, or renew a pass): a pass of my own."""
        return self.join(JoinConsultationCommand(current_principal(), consultation_id))


def _presence(signal: PresenceSignal) -> type[MethodView]:
    class Presence(MethodView):
        @inject
        def __init__(self, record: RecordConsultationPresence) -> None:
            self.record = record

        @requires()
        @blp.response(200, ConsultationPresenceSchema)
        @blp.alt_response(404, **NO_SUCH)
        @blp.alt_response(409, **ENDED)
        def post(self, consultation_id: str) -> ConsultationPresence:
            return self.record(RecordConsultationPresenceCommand(
                current_principal(), consultation_id, signal))

    Presence.__name__ = f"Consultation{signal.value.title()}"
    Presence.post.__doc__ = {
        PresenceSignal.HEARTBEAT: "Still here (every 30 s). Answers what has been together so "
                                  "far; the consultation may have stopped (credits ran out).",
        PresenceSignal.LEAVE: "Left the room (the consultation goes on until stopped)."}[signal]
    return Presence


for _signal in PresenceSignal:
    blp.route(f"/consultations/<string:consultation_id>/{_signal.value}")(_presence(_signal))


@blp.route("/consultations/<string:consultation_id>/stop")
class ConsultationStop(MethodView):
    @inject
    def __init__(self, stop: StopConsultation) -> None:
        self.stop = stop

    @requires()
    @blp.response(200, ConsultationSchema)
    @blp.alt_response(404, **NO_SUCH)
    def post(self, consultation_id: str) -> ConsultationView:
        """Stop and bill it (either party, or an admin); stopping again answers the same
        bill."""
        return self.stop(StopConsultationCommand(current_principal(), consultation_id))


@blp.route("/me/earnings")
class MyEarnings(MethodView):
    @inject
    def __init__(self, earnings: GetEarnings) -> None:
        self.earnings = earnings

    @requires(Role.TEACHER)
    @blp.arguments(EarningsArgsSchema, location="query")
    @blp.response(200, UsageLineSchema(many=True))
    @blp.alt_response(403, **problem_response("Only providers (teachers)"))
    def get(self, args: dict[str, Any]) -> list[UsageLine]:
        """What my consultations earned over the last days, per currency."""
        return self.earnings(EarningsQuery(current_principal(), args["days"]))


@blp.route("/admin/consultation-usage")
class ConsultationUsage(MethodView):
    @inject
    def __init__(self, usage: GetConsultationUsage) -> None:
        self.usage = usage

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(UsageArgsSchema, location="query")
    @blp.response(200, UsageLineSchema(many=True))
    @blp.alt_response(403, **problem_response("Only platform admins"))
    @blp.alt_response(422, **problem_response("The period runs backwards or is too long"))
    def get(self, args: dict[str, Any]) -> list[UsageLine]:
        """Consultations, billed minutes and revenue per provider and UTC day."""
        return self.usage(ConsultationUsageQuery(current_principal(), **args))
