"""Files: a presigned upload for a purpose, its completion (checked on the server), its
download link, what each owner stores, and how often each lesson's video was watched."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.files.complete_upload import CompleteUpload, CompleteUploadCommand
from application.files.file_views import UploadView
from application.files.get_storage_usage import (
    GetStorageUsage,
    GetStorageUsageQuery,
    StorageUsage,
)
from application.files.get_upload import GetUpload, GetUploadQuery
from application.files.list_lesson_views import ListLessonViews, ListLessonViewsQuery
from application.files.ports import LessonViews
from application.files.request_upload import RequestUpload, RequestUploadCommand
from domain.files.model import RULES, FileStatus, OwnerKind
from domain.shared.files import FilePurpose

blp = Blueprint("files", __name__, description="Uploads, downloads and storage usage")

NO_UPLOAD = problem_response("No such upload (or another person's)")
LARGEST = max(rule.max_bytes for rule in RULES.values())


class NewUploadSchema(Schema):
    purpose = fields.Enum(FilePurpose, by_value=True, required=True)
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The course (thumbnail, lesson files), the institution (logo, "
                       "report) or yourself (CV)"})
    content_type = fields.String(required=True, validate=validate.Length(min=3, max=100))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=LARGEST),
                          metadata={"description": "Bytes; the stored file must have exactly "
                                                   "this many"})
    filename = fields.String(load_default=None, validate=validate.Length(max=255), metadata={
        "description": "The name a download is saved under; never part of the key"})


class TicketSchema(Schema):
    url = fields.String()
    method = fields.String()
    headers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Send exactly these headers: the content type is signed"})
    expires_at = fields.DateTime()


class LinkSchema(Schema):
    url = fields.String()
    expires_at = fields.DateTime()


class UploadSchema(Schema):
    id = fields.String()
    purpose = fields.String()
    subject_id = fields.String()
    status = fields.Enum(FileStatus, by_value=True)
    content_type = fields.String()
    size = fields.Integer()
    filename = fields.String(allow_none=True)
    created_at = fields.DateTime()
    upload = fields.Nested(TicketSchema, allow_none=True)
    download = fields.Nested(LinkSchema, allow_none=True)


class UsageArgsSchema(Schema):
    owner_kind = fields.Enum(OwnerKind, by_value=True, load_default=OwnerKind.USER)
    owner_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class UsageSchema(Schema):
    owner_kind = fields.Enum(OwnerKind, by_value=True)
    owner_id = fields.String()
    bytes = fields.Integer()
    files = fields.Integer()


class LessonViewsSchema(Schema):
    lesson_id = fields.String()
    views = fields.Integer()
    viewers = fields.Integer()


@blp.route("/uploads")
class Uploads(MethodView):
    @inject
    def __init__(self, request_upload: RequestUpload) -> None:
        self.request_upload = request_upload

    @requires()
    @blp.arguments(NewUploadSchema)
    @blp.response(201, UploadSchema)
    @blp.alt_response(403, **problem_response("You may not upload for this subject"))
    @blp.alt_response(404, **problem_response("No such course"))
    @blp.alt_response(422, **problem_response("A type or size this purpose does not allow"))
    def post(self, body: dict[str, Any]) -> UploadView:
        """A presigned PUT for one file, valid 15 minutes; then complete the upload."""
        return self.request_upload(RequestUploadCommand(current_principal(), **body))


@blp.route("/uploads/<string:upload_id>")
class UploadItem(MethodView):
    @inject
    def __init__(self, get_upload: GetUpload) -> None:
        self.get_upload = get_upload

    @requires()
    @blp.response(200, UploadSchema)
    @blp.alt_response(404, **NO_UPLOAD)
    def get(self, upload_id: str) -> UploadView:
        """The upload, with a fresh download link once it is complete."""
        return self.get_upload(GetUploadQuery(current_principal(), upload_id))


@blp.route("/uploads/<string:upload_id>/complete")
class UploadCompletion(MethodView):
    @inject
    def __init__(self, complete: CompleteUpload) -> None:
        self.complete = complete

    @requires()
    @blp.response(200, UploadSchema)
    @blp.alt_response(404, **NO_UPLOAD)
    @blp.alt_response(409, **problem_response("Nothing uploaded yet, or refused earlier"))
    @blp.alt_response(422, **problem_response("Not the declared size, type or format"))
    def post(self, upload_id: str) -> UploadView:
        """Checks the stored file against what was declared; only then may it be used."""
        return self.complete(CompleteUploadCommand(current_principal(), upload_id))


@blp.route("/storage-usage")
class Usage(MethodView):
    @inject
    def __init__(self, usage: GetStorageUsage) -> None:
        self.usage = usage

    @requires()
    @blp.arguments(UsageArgsSchema, location="query")
    @blp.response(200, UsageSchema)
    @blp.alt_response(403, **problem_response("Another owner's, and you are no admin"))
    def get(self, args: dict[str, Any]) -> StorageUsage:
        """Bytes kept per owner: yours by default; an admin names any owner."""
        return self.usage(GetStorageUsageQuery(current_principal(), **args))


@blp.route("/courses/<string:course_id>/lesson-views")
class CourseLessonViews(MethodView):
    @inject
    def __init__(self, views: ListLessonViews) -> None:
        self.views = views

    @requires()
    @blp.response(200, LessonViewsSchema(many=True))
    @blp.alt_response(403, **problem_response("Only the course's teacher"))
    @blp.alt_response(404, **problem_response("No such course"))
    def get(self, course_id: str) -> list[LessonViews]:
        """How often each lesson's video was opened, and by how many people."""
        return self.views(ListLessonViewsQuery(current_principal(), course_id))
