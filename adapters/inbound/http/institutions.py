"""Institutions: platform admins create, change, list and deactivate them and name their
admins; an institution admin reads their own institution and its activity."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.institutions.alerts import AcknowledgeAlert, ListAlerts
from application.institutions.assign_institution_admin import (
    AssignAdminCommand,
    AssignInstitutionAdmin,
)
from application.institutions.broadcasts import BroadcastView, GetBroadcast, ListBroadcasts
from application.institutions.cancel_subscription import CancelSubscription
from application.institutions.change_institution import (
    ChangeInstitution,
    ChangeInstitutionCommand,
)
from application.institutions.create_institution import (
    CreateInstitution,
    CreateInstitutionCommand,
)
from application.institutions.deactivate_institution import DeactivateInstitution
from application.institutions.institutions import (
    CurrentSubscription,
    GetInstitution,
    InstitutionPage,
    ListInstitutionActivity,
    ListInstitutions,
    ListInvoices,
)
from application.institutions.raise_portal_alert import PortalAlertCommand, RaisePortalAlert
from application.institutions.register_endpoint import RegisterEndpoint
from application.institutions.rotate_signing_secret import RotateSigningSecret
from application.institutions.send_broadcast import BroadcastCommand, SendBroadcast
from application.institutions.subscribe import Subscribe, Subscribed
from domain.institutions.activity import Activity
from domain.institutions.alerts import Alert, AlertSeverity
from domain.institutions.broadcasts import Broadcast, DeliveryStatus
from domain.institutions.invoices import Invoice
from domain.institutions.model import MAX_QUOTA, Institution, InstitutionDetails, InstitutionStatus
from domain.institutions.subscriptions import Subscription, SubscriptionStatus
from domain.shared.roles import Role

blp = Blueprint("institutions", __name__, description="Institutions the platform bills")

NO_INSTITUTION = problem_response("No such institution (or not yours)")


class InstitutionBodySchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    primary_email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    domain = fields.String(required=True, validate=validate.Length(min=3, max=253))
    plan = fields.String(required=True, validate=validate.Length(min=1, max=40))
    storage_quota_bytes = fields.Integer(required=True, strict=True,
                                         validate=validate.Range(min=0, max=MAX_QUOTA))


class InstitutionChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    primary_email = fields.String(validate=validate.Length(min=3, max=254))
    domain = fields.String(validate=validate.Length(min=3, max=253))
    plan = fields.String(validate=validate.Length(min=1, max=40))
    storage_quota_bytes = fields.Integer(strict=True,
                                         validate=validate.Range(min=0, max=MAX_QUOTA))


class InstitutionSchema(Schema):
    id = fields.String()
    name = fields.String()
    primary_email = fields.String()
    domain = fields.String()
    plan = fields.String()
    storage_quota_bytes = fields.Integer()
    status = fields.Function(lambda i: i.status.value,
                             metadata={"enum": [s.value for s in InstitutionStatus]})
    billing_customer_id = fields.String(allow_none=True, metadata={
        "description": "the billing provider's customer, once it is made (after commit)"})
    webhook_url = fields.String(allow_none=True, metadata={
        "description": "where its portal takes broadcasts (Standard Webhooks POSTs)"})
    past_due_since = fields.DateTime(allow_none=True, metadata={
        "description": "when an invoice went past the last reminder unpaid"})
    students = fields.Integer()
    faculty = fields.Integer()
    storage_bytes = fields.Integer(metadata={
        "description": "bytes its portal last reported storing on its own side"})
    stored_bytes = fields.Integer(metadata={
        "description": "bytes eduport stores for it (its files and its people's), as last "
                       "measured (daily from 02:00)"})
    stored_at = fields.DateTime(allow_none=True)
    storage_in_use = fields.Integer(metadata={
        "description": "bytes counted against the quota: stored_bytes + storage_bytes"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    deactivated_at = fields.DateTime(allow_none=True)


class InstitutionPageSchema(Schema):
    items = fields.List(fields.Nested(InstitutionSchema))
    total = fields.Integer()


class ListArgsSchema(Schema):
    status = fields.Enum(InstitutionStatus, by_value=True)
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**6))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class SigningSecretSchema(Schema):
    signing_secret = fields.String(metadata={
        "description": "the Standard Webhooks secret (whsec_...) the institution's portal signs "
                       "POST /webhooks/institution-sync with"})


class AlertSchema(Schema):
    id = fields.String()
    institution_id = fields.String()
    type = fields.String(attribute="kind")
    severity = fields.Function(lambda a: a.severity.value,
                               metadata={"enum": [s.value for s in AlertSeverity]})
    message = fields.String()
    source = fields.Function(lambda a: a.source.value)
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.String(allow_none=True)


class AlertArgsSchema(Schema):
    acknowledged = fields.Boolean(truthy={"true"}, falsy={"false"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class InvoiceLineSchema(Schema):
    kind = fields.Function(lambda line: line.kind.value)
    description = fields.String()
    quantity = fields.Integer()
    unit_amount = fields.Integer(metadata={"description": "minor units"})
    amount = fields.Integer(metadata={"description": "minor units"})


class InvoiceSchema(Schema):
    id = fields.String()
    period = fields.String()
    currency = fields.String()
    total = fields.Integer(metadata={"description": "minor units of currency"})
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    status = fields.Function(lambda i: i.status.value)
    provider_invoice_id = fields.String(allow_none=True)
    hosted_url = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    paid_amount = fields.Integer(allow_none=True, metadata={"description": "minor units"})
    payment_method_type = fields.String(allow_none=True)
    payment_intent_id = fields.String(allow_none=True)


class SubscriptionSchema(Schema):
    id = fields.String()
    provider = fields.String()
    plan = fields.String()
    status = fields.Function(lambda s: s.status.value,
                             metadata={"enum": [s.value for s in SubscriptionStatus]})
    cancel_at_period_end = fields.Boolean()
    current_period_end = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class SubscribedSchema(Schema):
    subscription = fields.Nested(SubscriptionSchema)
    client_secret = fields.String(allow_none=True, metadata={
        "description": "the first invoice's payment, for Stripe.js to confirm (null: "
                       "nothing to pay now)"})
    amount_due = fields.Integer(allow_none=True, metadata={"description": "minor units"})
    currency = fields.String(allow_none=True)


class CancelArgsSchema(Schema):
    at_period_end = fields.Boolean(load_default=True, truthy={"true"}, falsy={"false"})


class EndpointBodySchema(Schema):
    url = fields.String(required=True, allow_none=True,
                        validate=validate.Length(min=8, max=500))


class BroadcastBodySchema(Schema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    scheduled_at = fields.AwareDateTime(load_default=None, allow_none=True)


class BroadcastSchema(Schema):
    id = fields.String()
    type = fields.String(attribute="kind")
    title = fields.String()
    message = fields.String()
    scheduled_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)


class BroadcastDeliverySchema(Schema):
    institution_id = fields.String()
    endpoint = fields.String(allow_none=True)
    status = fields.Function(lambda d: d.status.value,
                             metadata={"enum": [s.value for s in DeliveryStatus]})
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class BroadcastViewSchema(Schema):
    broadcast = fields.Nested(BroadcastSchema)
    deliveries = fields.List(fields.Nested(BroadcastDeliverySchema))


class InstitutionActivitySchema(Schema):
    kind = fields.Function(lambda a: a.kind.value)
    description = fields.String()
    actor_id = fields.String(allow_none=True)
    at = fields.DateTime()
    details = fields.Dict()


@blp.route("/admin/institutions")
class Institutions(MethodView):
    @inject
    def __init__(self, create: CreateInstitution, list_them: ListInstitutions) -> None:
        self.create, self.list_them = create, list_them

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(InstitutionBodySchema)
    @blp.response(201, InstitutionSchema)
    @blp.alt_response(409, **problem_response("An institution has that domain already"))
    def post(self, body: dict[str, Any]) -> Institution:
        """Create an institution: its billing customer and welcome email follow."""
        return self.create(CreateInstitutionCommand(current_principal(),
                                                    InstitutionDetails(**body)))

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, InstitutionPageSchema)
    def get(self, args: dict[str, Any]) -> InstitutionPage:
        """Institutions by name."""
        return self.list_them(args.get("status"), args["offset"], args["limit"])


@blp.route("/admin/institutions/<string:institution_id>")
class OneInstitution(MethodView):
    @inject
    def __init__(self, get_one: GetInstitution, change: ChangeInstitution,
                 deactivate: DeactivateInstitution) -> None:
        self.get_one, self.change, self.deactivate = get_one, change, deactivate

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, InstitutionSchema)
    @blp.alt_response(404, **NO_INSTITUTION)
    def get(self, institution_id: str) -> Institution:
        """One institution."""
        return self.get_one(current_principal(), institution_id)

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(InstitutionChangeSchema)
    @blp.response(200, InstitutionSchema)
    @blp.alt_response(404, **NO_INSTITUTION)
    @blp.alt_response(409, **problem_response("Deactivated, or the domain is another's"))
    def patch(self, body: dict[str, Any], institution_id: str) -> Institution:
        """Change what is sent; the rest stays."""
        return self.change(ChangeInstitutionCommand(current_principal(), institution_id, body))

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, InstitutionSchema)
    @blp.alt_response(404, **NO_INSTITUTION)
    def delete(self, institution_id: str) -> Institution:
        """Deactivate it (kept, with its records; twice is harmless)."""
        return self.deactivate(current_principal(), institution_id)


@blp.route("/admin/institutions/<string:institution_id>/admins/<string:user_id>")
class InstitutionAdmin(MethodView):
    @inject
    def __init__(self, assign: AssignInstitutionAdmin) -> None:
        self.assign = assign

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(204)
    @blp.alt_response(404, **problem_response("No such institution or user"))
    @blp.alt_response(409, **problem_response("The user has not the institution_admin role"))
    def put(self, institution_id: str, user_id: str) -> None:
        """Make the user the institution's admin (moving them from any other)."""
        self.assign(AssignAdminCommand(current_principal(), institution_id, user_id))

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(204)
    @blp.alt_response(404, **problem_response("No such institution, or not its admin"))
    def delete(self, institution_id: str, user_id: str) -> None:
        """Remove the user as the institution's admin."""
        self.assign(AssignAdminCommand(current_principal(), institution_id, user_id, False))


@blp.route("/admin/institutions/<string:institution_id>/activity")
class InstitutionActivity(MethodView):
    @inject
    def __init__(self, read: ListInstitutionActivity) -> None:
        self.read = read

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, InstitutionActivitySchema(many=True))
    @blp.alt_response(404, **NO_INSTITUTION)
    def get(self, institution_id: str) -> list[Activity]:
        """The institution's activity, the newest first."""
        return self.read(current_principal(), institution_id)


@blp.route("/institution")
class MyInstitution(MethodView):
    @inject
    def __init__(self, get_one: GetInstitution) -> None:
        self.get_one = get_one

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, InstitutionSchema)
    @blp.alt_response(404, **problem_response("I run no institution"))
    def get(self) -> Institution:
        """The institution I run."""
        return self.get_one(current_principal())


@blp.route("/institution/activity")
class MyInstitutionActivity(MethodView):
    @inject
    def __init__(self, read: ListInstitutionActivity) -> None:
        self.read = read

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, InstitutionActivitySchema(many=True))
    @blp.alt_response(404, **problem_response("I run no institution"))
    def get(self) -> list[Activity]:
        """My institution's activity, the newest first."""
        return self.read(current_principal())


@blp.route("/institution/signing-secret")
class MySigningSecret(MethodView):
    @inject
    def __init__(self, get_one: GetInstitution, rotate: RotateSigningSecret) -> None:
        self.get_one, self.rotate = get_one, rotate

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, SigningSecretSchema)
    @blp.alt_response(404, **problem_response("I run no institution"))
    def get(self) -> Institution:
        """The secret my portal signs its reports with."""
        return self.get_one(current_principal())

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, SigningSecretSchema)
    @blp.alt_response(404, **problem_response("I run no institution"))
    def post(self) -> Institution:
        """Replace it: from now on only the new one is accepted."""
        return self.rotate(current_principal())


@blp.route("/admin/institutions/<string:institution_id>/signing-secret")
class SigningSecret(MethodView):
    @inject
    def __init__(self, get_one: GetInstitution, rotate: RotateSigningSecret) -> None:
        self.get_one, self.rotate = get_one, rotate

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, SigningSecretSchema)
    @blp.alt_response(404, **NO_INSTITUTION)
    def get(self, institution_id: str) -> Institution:
        """The secret the institution's portal signs its reports with."""
        return self.get_one(current_principal(), institution_id)

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, SigningSecretSchema)
    @blp.alt_response(404, **NO_INSTITUTION)
    def post(self, institution_id: str) -> Institution:
        """Replace it: from now on only the new one is accepted."""
        return self.rotate(current_principal(), institution_id)


@blp.route("/admin/alerts")
class Alerts(MethodView):
    @inject
    def __init__(self, raise_alert: RaisePortalAlert, list_them: ListAlerts) -> None:
        self.raise_alert, self.list_them = raise_alert, list_them

    @blp.response(201, AlertSchema)
    @blp.alt_response(200, schema=AlertSchema, description="Raised before (same webhook-id)")
    @blp.alt_response(400, **problem_response("Not signed by the institution it names"))
    @blp.alt_response(422, **problem_response("No type, message or known severity"))
    def post(self) -> tuple[Alert, int]:
        """An institution's portal raises an alert: a JSON body {institution_id, type,
        message, severity?}, signed with the institution's secret (Standard Webhooks)."""
        raised = self.raise_alert(PortalAlertCommand(dict(request.headers),
                                                     request.get_data(cache=False)))
        return raised.alert, 201 if raised.created else 200

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(AlertArgsSchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[Alert]:
        """Every institution's alerts, the newest first (``acknowledged=false``: to see)."""
        return self.list_them(current_principal(), args.get("acknowledged"), args["limit"])


@blp.route("/admin/alerts/<string:alert_id>/acknowledge")
class AcknowledgeOneAlert(MethodView):
    @inject
    def __init__(self, acknowledge: AcknowledgeAlert) -> None:
        self.acknowledge = acknowledge

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, AlertSchema)
    @blp.alt_response(404, **problem_response("No such alert"))
    def post(self, alert_id: str) -> Alert:
        """Acknowledge an alert (twice is harmless: the first stays)."""
        return self.acknowledge(current_principal(), alert_id)


@blp.route("/institution/alerts")
class MyAlerts(MethodView):
    @inject
    def __init__(self, list_them: ListAlerts) -> None:
        self.list_them = list_them

    @requires(Role.INSTITUTION_ADMIN)
    @blp.arguments(AlertArgsSchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @blp.alt_response(404, **problem_response("I run no institution"))
    def get(self, args: dict[str, Any]) -> list[Alert]:
        """My institution's alerts, the newest first."""
        return self.list_them(current_principal(), args.get("acknowledged"), args["limit"])


@blp.route("/institution/webhook-endpoint")
class MyEndpoint(MethodView):
    @inject
    def __init__(self, register: RegisterEndpoint) -> None:
        self.register = register

    @requires(Role.INSTITUTION_ADMIN)
    @blp.arguments(EndpointBodySchema)
    @blp.response(200, InstitutionSchema)
    @blp.alt_response(404, **problem_response("I run no institution"))
    def put(self, body: dict[str, Any]) -> Institution:
        """Where my portal takes broadcasts (null: nowhere; admins still get the email)."""
        return self.register(current_principal(), body["url"])


@blp.route("/admin/broadcasts")
class Broadcasts(MethodView):
    @inject
    def __init__(self, send: SendBroadcast, list_them: ListBroadcasts) -> None:
        self.send, self.list_them = send, list_them

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(BroadcastBodySchema)
    @blp.response(201, BroadcastSchema)
    def post(self, body: dict[str, Any]) -> Broadcast:
        """Broadcast to every active institution: its portal's endpoint and its admins."""
        return self.send(BroadcastCommand(current_principal(), body["type"], body["title"],
                                          body["message"], body["scheduled_at"]))

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, BroadcastSchema(many=True))
    def get(self) -> list[Broadcast]:
        """The latest broadcasts."""
        return self.list_them()


@blp.route("/admin/broadcasts/<string:broadcast_id>")
class OneBroadcast(MethodView):
    @inject
    def __init__(self, get_one: GetBroadcast) -> None:
        self.get_one = get_one

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, BroadcastViewSchema)
    @blp.alt_response(404, **problem_response("No such broadcast"))
    def get(self, broadcast_id: str) -> BroadcastView:
        """A broadcast and how each institution's delivery went."""
        return self.get_one(broadcast_id)


@blp.route("/institution/subscription")
class MySubscription(MethodView):
    @inject
    def __init__(self, subscribe: Subscribe, cancel: CancelSubscription,
                 current: CurrentSubscription) -> None:
        self.subscribe, self.cancel, self.current = subscribe, cancel, current

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, SubscriptionSchema)
    @blp.alt_response(404, **problem_response("Never subscribed"))
    def get(self) -> Subscription:
        """My institution's subscription, as the billing provider last said."""
        return self.current(current_principal())

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(201, SubscribedSchema)
    @blp.alt_response(404, **problem_response("I run no institution"))
    @blp.alt_response(409, **problem_response(
        "Subscribed already, no price for the plan, or no billing customer yet"))
    @blp.alt_response(503, **problem_response("The billing provider is unavailable"))
    def post(self) -> Subscribed:
        """Subscribe my institution to its plan; pay the first invoice with client_secret."""
        return self.subscribe(current_principal())

    @requires(Role.INSTITUTION_ADMIN)
    @blp.arguments(CancelArgsSchema, location="query")
    @blp.response(200, SubscriptionSchema)
    @blp.alt_response(404, **problem_response("No subscription to cancel"))
    def delete(self, args: dict[str, Any]) -> Subscription:
        """Cancel it at the end of the period paid for (``at_period_end=false``: now)."""
        return self.cancel(current_principal(), args["at_period_end"])


@blp.route("/institution/invoices")
class MyInvoices(MethodView):
    @inject
    def __init__(self, list_them: ListInvoices) -> None:
        self.list_them = list_them

    @requires(Role.INSTITUTION_ADMIN)
    @blp.response(200, InvoiceSchema(many=True))
    @blp.alt_response(404, **problem_response("I run no institution"))
    def get(self) -> list[Invoice]:
        """My institution's invoices, the latest month first."""
        return self.list_them(current_principal())


@blp.route("/admin/institutions/<string:institution_id>/invoices")
class InstitutionInvoices(MethodView):
    @inject
    def __init__(self, list_them: ListInvoices) -> None:
        self.list_them = list_them

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, InvoiceSchema(many=True))
    @blp.alt_response(404, **NO_INSTITUTION)
    def get(self, institution_id: str) -> list[Invoice]:
        """The institution's invoices, the latest month first."""
        return self.list_them(current_principal(), institution_id)
