"""Your data (ADR 22): a copy of everything eduport keeps about you, and its erasure, by
yourself with your password or by a platform admin."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.accounts.erase_person import ErasePerson, ErasePersonCommand
from application.accounts.export_personal_data import (
    ExportPersonalData,
    ExportPersonalDataCommand,
)
from application.accounts.get_data_export import GetDataExport, GetDataExportQuery
from application.accounts.personal_data import DOCUMENT_FORMAT, DataExportView
from domain.accounts.personal_data import ExportStatus
from domain.shared.roles import Role

blp = Blueprint("privacy", __name__,
                description="Your data: a copy of everything eduport keeps about you, and "
                            "its erasure")


class DataExportSchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ExportStatus]})
    requested_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "until when the document may be downloaded (null while pending)"})


class PersonalDataDocumentSchema(Schema):
    """Everything eduport keeps about you, area by area."""

    format = fields.String(metadata={"example": DOCUMENT_FORMAT})
    user_id = fields.String()
    generated_at = fields.DateTime()
    sections = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "one object per area: account, catalog, payments, messages, live, "
                       "files, identity, audit"})


class PasswordSchema(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))


NOT_YOURS = problem_response("No such export of yours, or it has expired")


@blp.route("/me/data-export")
class MyDataExports(MethodView):
    @inject
    def __init__(self, export: ExportPersonalData) -> None:
        self.export = export

    @requires()
    @blp.response(202, DataExportSchema)
    def post(self) -> DataExportView:
        """Ask for a copy of my data: built in the background, then I am told by email and
        in the app. While one is being built, asking again answers that one."""
        return self.export(ExportPersonalDataCommand(current_principal()))


@blp.route("/me/data-export/<string:export_id>")
class MyDataExport(MethodView):
    @inject
    def __init__(self, get_one: GetDataExport) -> None:
        self.get_one = get_one

    @requires()
    @blp.response(200, PersonalDataDocumentSchema, description="The document, as a JSON "
                  "attachment", headers={"Content-Disposition": {
                      "description": "attachment; filename=...", "schema": {"type": "string"}}})
    @blp.alt_response(202, schema=DataExportSchema, success=True,
                      description="Still being built: ask again once told")
    @blp.alt_response(404, **NOT_YOURS)
    def get(self, export_id: str) -> Response:
        """Download a copy of my data: only mine, only until it expires."""
        found = self.get_one(GetDataExportQuery(current_principal(), export_id))
        if found.document is None:
            body = json.dumps(DataExportSchema().dump(found.export))
            return Response(body, status=202, mimetype="application/json",
                            headers={"Cache-Control": "no-store"})
        name = f"eduport-data-{found.export.requested_at:%Y-%m-%d}.json"
        return Response(found.document, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})


@blp.route("/me")
class MyErasure(MethodView):
    @inject
    def __init__(self, erase: ErasePerson) -> None:
        self.erase = erase

    @requires()
    @blp.arguments(PasswordSchema)
    @blp.response(204)
    @blp.alt_response(403, **problem_response("The password is wrong; nothing was erased"))
    def delete(self, body: dict[str, Any]) -> None:
        """Erase my data and close my account, for good: every session ends, what the law
        keeps of my payments stays under a pseudonym, the rest is deleted."""
        principal = current_principal()
        self.erase(ErasePersonCommand(principal, principal.user_id, body["password"]))


@blp.route("/admin/users/<string:user_id>")
class UserErasure(MethodView):
    @inject
    def __init__(self, erase: ErasePerson) -> None:
        self.erase = erase

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(204)
    @blp.alt_response(404, **problem_response("No such user"))
    def delete(self, user_id: str) -> None:
        """Erase a person's data (their request came another way); erasing again sweeps
        what arrived since. An admin erases their own account with DELETE /me."""
        self.erase(ErasePersonCommand(current_principal(), user_id))
