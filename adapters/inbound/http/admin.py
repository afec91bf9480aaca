"""Platform administration: roles and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.schemas import problem_response
from application.accounts.change_role import ChangeRole, ChangeRoleCommand, ChangeRoleResult
from application.accounts.read_audit_log import ReadAuditLog, ReadAuditLogQuery
from domain.shared.audit import AuditRecord
from domain.shared.roles import Role

blp = Blueprint("admin", __name__, url_prefix="/admin", description="Platform administration")


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))


class RoleChangedSchema(Schema):
    user_id = fields.String()
    role = fields.String()


class AuditQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    before = fields.AwareDateTime(load_default=None)


class AuditRecordSchema(Schema):
    id = fields.String()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    details = fields.Dict()


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
        """Security-relevant actions, newest first; page with ``before``."""
        before: datetime | None = query["before"]
        return self.read(ReadAuditLogQuery(current_principal(), query["limit"], before))
