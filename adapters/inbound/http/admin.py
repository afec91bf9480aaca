"""Platform administration: roles, the audit log and the webhook deliveries."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.accounts.change_role import ChangeRole, ChangeRoleCommand, ChangeRoleResult
from application.accounts.read_audit_log import ReadAuditLog, ReadAuditLogQuery
from application.shared.list_webhook_deliveries import (
    WEBHOOK_STATUSES,
    ListWebhookDeliveries,
    ListWebhookDeliveriesQuery,
    WebhookDeliverySummary,
)
from application.shared.replay_webhook_delivery import (
    ReplayWebhookDelivery,
    ReplayWebhookDeliveryCommand,
)
from application.shared.replay_webhooks import ReplayedDelivery
from domain.shared.audit import AuditFilter, AuditRecord
from domain.shared.roles import Role

blp = Blueprint("admin", __name__, url_prefix="/admin", description="Platform administration")


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class RoleChangedSchema(Schema):
    user_id = fields.String()
    role = fields.String()


class AuditQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    before = fields.AwareDateTime(load_default=None, metadata={"description": "exclusive"})
    since = fields.AwareDateTime(load_default=None, metadata={"description": "inclusive"})
    actor_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    action = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                           metadata={"example": "teacher.approved"})
    object_type = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                                metadata={"description": "the subject's kind", "example": "user"})
    object_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                              metadata={"description": "the subject's id"})


class AuditRecordSchema(Schema):
    id = fields.String()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    details = fields.Dict()
    actor_role = fields.String(allow_none=True)
    client_ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class WebhookQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(WEBHOOK_STATUSES),
                           metadata={"description": "failed: unprocessed with a recorded "
                                     "failure (waiting for its retry, or given up); given_up: "
                                     "every retry spent; pending: unprocessed, no failure"})
    provider = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class WebhookDeliverySchema(Schema):
    id = fields.String()
    provider = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    received_at = fields.DateTime()
    processed_at = fields.DateTime(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    retry_at = fields.DateTime(allow_none=True)
    gave_up_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True)


class ReplayedDeliverySchema(Schema):
    delivery_id = fields.String()
    outcome = fields.String(metadata={"description": "what processing did, or "
                                      "'failed again: <reason>' (then it is retried as usual)"})


@blp.route("/users/<string:user_id>/role")
class UserRole(MethodView):
    @inject
    def __init__(self, change_role: ChangeRole) -> None:
        self.change_role = change_role

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(RoleSchema)
    @blp.response(200, RoleChangedSchema)
    @blp.alt_response(403, **problem_response("Only platform admins; never one's own role"))
    @blp.alt_response(404, **problem_response("No such user"))
    def put(self, body: dict[str, Any], user_id: str) -> ChangeRoleResult:
        """Give a user another role; their sessions end so the new role applies at once."""
        return self.change_role(ChangeRoleCommand(current_principal(), user_id, body["role"]))


@blp.route("/audit")
class AuditLog(MethodView):
    @inject
    def __init__(self, read: ReadAuditLog) -> None:
        self.read = read

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditRecordSchema(many=True))
    @blp.alt_response(403, **problem_response("Only platform admins read the audit log"))
    def get(self, query: dict[str, Any]) -> list[AuditRecord]:
        """Security-relevant actions, newest first, by actor, action, subject and time; page
        with ``before``."""
        limit = query.pop("limit")
        return self.read(ReadAuditLogQuery(current_principal(), limit, AuditFilter(**query)))


@blp.route("/webhooks")
class WebhookDeliveries(MethodView):
    @inject
    def __init__(self, list_deliveries: ListWebhookDeliveries) -> None:
        self.list_deliveries = list_deliveries

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(WebhookQuerySchema, location="query")
    @blp.response(200, WebhookDeliverySchema(many=True))
    @blp.alt_response(403, **problem_response("Only platform admins"))
    @blp.alt_response(422, **problem_response("An unknown status"))
    def get(self, args: dict[str, Any]) -> list[WebhookDeliverySummary]:
        """The stored webhook deliveries of every provider, newest first: what each did, and
        which wait for a retry (``retry_at``) or for an operator (``gave_up_at``). Never the
        event itself."""
        return self.list_deliveries(ListWebhookDeliveriesQuery(
            current_principal(), args["status"], args["provider"], args["limit"]))


@blp.route("/webhooks/<string:delivery_id>/replay")
class WebhookReplay(MethodView):
    @inject
    def __init__(self, replay: ReplayWebhookDelivery) -> None:
        self.replay = replay

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, ReplayedDeliverySchema)
    @blp.alt_response(403, **problem_response("Only platform admins"))
    @blp.alt_response(404, **problem_response("No such webhook delivery"))
    def post(self, delivery_id: str) -> ReplayedDelivery:
        """Run one stored delivery again, given up or not (processing is idempotent: a
        processed one only re-applies the provider's current state); answers its outcome."""
        return self.replay(ReplayWebhookDeliveryCommand(current_principal(), delivery_id))
