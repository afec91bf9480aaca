"""The catalog: teachers build and publish courses of ordered lessons; everyone browses them.

Paths: ``/courses...`` for the catalog and ``/me/courses`` for the signed-in teacher's own
courses (drafts included), beside ``/me`` and ``/me/enrollments``.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, post_load, validate

from adapters.inbound.http.api import BEARER
from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import (
    MoneyInputSchema,
    MoneySchema,
    PageArgsSchema,
    problem_response,
)
from application.catalog.add_lesson import AddLesson, AddLessonCommand
from application.catalog.course_statistics import CourseStatisticsQuery, GetCourseStatistics
from application.catalog.course_views import CourseDetails, LessonOutline
from application.catalog.create_course import CreateCourse, CreateCourseCommand
from application.catalog.get_course import GetCourse, GetCourseQuery
from application.catalog.list_courses import ListCourses, ListCoursesQuery
from application.catalog.list_teacher_courses import ListTeacherCourses
from application.catalog.open_lesson import LessonDetails, OpenLesson, OpenLessonQuery
from application.catalog.ports import CourseStats, CourseSummary
from application.catalog.publish_course import PublishCourse, PublishCourseCommand
from application.catalog.reorder_lessons import ReorderLessons, ReorderLessonsCommand
from application.catalog.request_lesson_video_upload import (
    RequestLessonVideoUpload,
    RequestLessonVideoUploadCommand,
)
from application.catalog.update_course import UpdateCourse, UpdateCourseCommand
from application.catalog.update_lesson import UpdateLesson, UpdateLessonCommand
from application.files.published import VideoUploadCredentials
from application.shared.ports import Page, Principal
from domain.shared.files import VideoKind
from domain.shared.money import Money
from domain.shared.roles import Role

blp = Blueprint("catalog", __name__, description="Courses and their lessons")

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                       error="lower-case letters and digits joined by single hyphens")


# --- input ----------------------------------------------------------------------------------


class PriceSchema(MoneyInputSchema):
    @post_load
    def to_money(self, data: dict[str, Any], **_: Any) -> Money:
        return Money(data["amount_minor"], data["currency"])


class NewCourseSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"example": "Compilers"})
    slug = fields.String(required=True, validate=[validate.Length(min=1, max=120), SLUG],
                         metadata={"example": "compilers"})
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    price = fields.Nested(PriceSchema, required=True,
                          metadata={"example": {"amount_minor": 4900, "currency": "EUR"}})


class CourseChangesSchema(Schema):
    """Only the fields sent change; an empty ``thumbnail_upload_id`` removes the
    thumbnail."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=20_000))
    price = fields.Nested(PriceSchema)
    thumbnail_upload_id = fields.String(validate=validate.Length(max=64), metadata={
        "description": "A completed course_thumbnail upload for this course"})


VIDEO_UPLOAD = {"description": "A completed lesson_video upload for this course"}
VIDEO_URL = {"description": "An external https video: free previews only"}


class NewLessonSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"example": "Parsing"})
    slug = fields.String(required=True, validate=[validate.Length(min=1, max=120), SLUG],
                         metadata={"example": "parsing"})
    is_free_preview = fields.Boolean(load_default=False)
    video_upload_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                                    metadata=VIDEO_UPLOAD)
    video_url = fields.String(load_default=None, validate=validate.Length(min=1, max=500),
                              metadata=VIDEO_URL)


class LessonChangesSchema(Schema):
    """Only the fields sent change; an empty ``video_upload_id`` or ``video_url`` removes
    the video."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    is_free_preview = fields.Boolean()
    video_upload_id = fields.String(validate=validate.Length(max=64), metadata=VIDEO_UPLOAD)
    video_url = fields.String(validate=validate.Length(max=500), metadata=VIDEO_URL)


class LessonOrderSchema(Schema):
    lesson_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                             required=True, validate=validate.Length(min=1, max=1000),
                             metadata={"description": "every lesson id of the course, in order"})


class CourseListArgsSchema(PageArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "part of the title, matched case-insensitively"})


# --- output ---------------------------------------------------------------------------------


class LessonOutlineSchema(Schema):
    id = fields.String()
    title = fields.String()
    slug = fields.String()
    position = fields.Integer()
    is_free_preview = fields.Boolean()


class PlaybackSchema(Schema):
    kind = fields.String(metadata={"enum": [kind.value for kind in VideoKind]})
    url = fields.String(allow_none=True, metadata={"description": "file and external videos"})
    otp = fields.String(allow_none=True, metadata={"description": "vault (VdoCipher) videos"})
    playback_info = fields.String(allow_none=True, data_key="playbackInfo")
    expires_at = fields.DateTime(allow_none=True)


class LessonSchema(LessonOutlineSchema):
    course_id = fields.String()
    video_kind = fields.String(allow_none=True,
                               metadata={"enum": [kind.value for kind in VideoKind]})
    playback = fields.Nested(PlaybackSchema, allow_none=True, metadata={
        "description": "How to play the video now: when the lesson is opened"})


class VideoUploadCredentialsSchema(Schema):
    video_id = fields.String()
    upload_url = fields.String()
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                          attribute="fields", metadata={
                              "description": "POST multipart/form-data with all of these, "
                                             "the file last"})


class CourseSchema(Schema):
    id = fields.String()
    teacher_id = fields.String()
    title = fields.String()
    slug = fields.String()
    description = fields.String()
    price = fields.Nested(MoneySchema)
    thumbnail_url = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["draft", "published"]})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    lessons = fields.List(fields.Nested(LessonOutlineSchema))


class CourseSummarySchema(Schema):
    id = fields.String()
    slug = fields.String()
    title = fields.String()
    teacher_id = fields.String()
    teacher_name = fields.String()
    price = fields.Nested(MoneySchema)
    thumbnail_url = fields.String(allow_none=True)
    lessons_count = fields.Integer()
    published_at = fields.DateTime(allow_none=True)


class TeacherCourseSchema(CourseSummarySchema):
    status = fields.Function(lambda course: "draft" if course.published_at is None
                             else "published", metadata={"enum": ["draft", "published"]})


class CoursePageSchema(Schema):
    items = fields.List(fields.Nested(CourseSummarySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class CourseStatsSchema(Schema):
    course_id = fields.String()
    students_count = fields.Integer()
    revenue = fields.List(fields.Nested(MoneySchema),
                          metadata={"description": "one amount per currency sold in"})


def optional_principal() -> Principal | None:
    """The caller when a token is sent (a bad token is still 401), else an anonymous None."""
    return current_principal() if "Authorization" in request.headers else None


# --- views ----------------------------------------------------------------------------------


# The public listing is the hottest read (and benchmarked): its view is separate from the one
# for POST /courses so that a listing request builds only the query port it uses.
@blp.route("/courses", methods=["GET"])
class Catalog(MethodView):
    @inject
    def __init__(self, list_courses: ListCourses) -> None:
        self.list_courses = list_courses

    @blp.arguments(CourseListArgsSchema, location="query")
    @blp.response(200, CoursePageSchema)
    @blp.alt_response(422, **problem_response("page, page_size or q is not valid"))
    def get(self, args: dict[str, Any]) -> Page[CourseSummary]:
        """Published courses, newest first; ``q`` searches titles. No token needed."""
        return self.list_courses(ListCoursesQuery(args["page"], args["page_size"], args["q"]))


@blp.route("/courses", methods=["POST"])
class Courses(MethodView):
    @inject
    def __init__(self, create: CreateCourse) -> None:
        self.create = create

    @requires(Role.TEACHER)
    @blp.arguments(NewCourseSchema)
    @blp.response(201, CourseSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only teachers create courses"))
    @blp.alt_response(409, **problem_response("The slug is taken"))
    def post(self, body: dict[str, Any]) -> CourseDetails:
        """Start a draft course; add lessons, then publish it."""
        return self.create(CreateCourseCommand(current_principal(), **body))


@blp.route("/courses/<string:course_id>")
class CourseItem(MethodView):
    @inject
    def __init__(self, get_course: GetCourse, update: UpdateCourse) -> None:
        self.get_course, self.update = get_course, update

    @blp.response(200, CourseSchema)
    @blp.alt_response(401, **problem_response("A token was sent and is not valid"))
    @blp.doc(security=[{}, {BEARER: []}])  # anyone; a token shows its owner's drafts too
    @blp.alt_response(404, **problem_response("No such course, or a draft of someone else"))
    def get(self, course_id: str) -> CourseDetails:
        """A course and the outline of its lessons. Drafts only for their teacher and admins."""
        return self.get_course(GetCourseQuery(optional_principal(), course_id))

    @requires()
    @blp.arguments(CourseChangesSchema)
    @blp.response(200, CourseSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher edits it"))
    @blp.alt_response(404, **problem_response("No such course"))
    def patch(self, body: dict[str, Any], course_id: str) -> CourseDetails:
        """Change the title, description, price or thumbnail; the slug never changes."""
        return self.update(UpdateCourseCommand(current_principal(), course_id, **body))


@blp.route("/courses/<string:course_id>/publish")
class CoursePublication(MethodView):
    @inject
    def __init__(self, publish: PublishCourse) -> None:
        self.publish = publish

    @requires()
    @blp.response(200, CourseSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher publishes it"))
    @blp.alt_response(404, **problem_response("No such course"))
    @blp.alt_response(409, **problem_response("The course has no lesson yet"))
    def post(self, course_id: str) -> CourseDetails:
        """Make the course public; publishing a published course changes nothing."""
        return self.publish(PublishCourseCommand(current_principal(), course_id))


@blp.route("/courses/<string:course_id>/lessons")
class Lessons(MethodView):
    @inject
    def __init__(self, add: AddLesson) -> None:
        self.add = add

    @requires()
    @blp.arguments(NewLessonSchema)
    @blp.response(201, LessonSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher adds lessons"))
    @blp.alt_response(404, **problem_response("No such course"))
    @blp.alt_response(409, **problem_response("The course has a lesson with this slug"))
    def post(self, body: dict[str, Any], course_id: str) -> LessonDetails:
        """Append a lesson to the course."""
        return self.add(AddLessonCommand(current_principal(), course_id, **body))


@blp.route("/courses/<string:course_id>/lessons/order")
class LessonOrder(MethodView):
    @inject
    def __init__(self, reorder: ReorderLessons) -> None:
        self.reorder = reorder

    @requires()
    @blp.arguments(LessonOrderSchema)
    @blp.response(200, LessonOutlineSchema(many=True))
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher orders its lessons"))
    @blp.alt_response(404, **problem_response("No such course"))
    @blp.alt_response(422, **problem_response("Not every lesson named exactly once"))
    def put(self, body: dict[str, Any], course_id: str) -> list[LessonOutline]:
        """Replace the order of the lessons with the full list of their ids."""
        ids = tuple(body["lesson_ids"])
        return self.reorder(ReorderLessonsCommand(current_principal(), course_id, ids))


@blp.route("/courses/<string:course_id>/lessons/<string:lesson_id>")
class LessonItem(MethodView):
    @inject
    def __init__(self, open_lesson: OpenLesson, update: UpdateLesson) -> None:
        self.open_lesson, self.update = open_lesson, update

    @requires()
    @blp.response(200, LessonSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Enroll first (free previews are open)"))
    @blp.alt_response(404, **problem_response("No such course or lesson"))
    def get(self, course_id: str, lesson_id: str) -> LessonDetails:
        """Open a lesson, video included: enrolled students, the teacher, admins, previews."""
        return self.open_lesson(OpenLessonQuery(current_principal(), course_id, lesson_id,
                                                request.remote_addr or ""))

    @requires()
    @blp.arguments(LessonChangesSchema)
    @blp.response(200, LessonSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher edits lessons"))
    @blp.alt_response(404, **problem_response("No such course or lesson"))
    @blp.alt_response(409, **problem_response("The upload is not complete or in use, or an "
                                              "external video on a paid lesson"))
    @blp.alt_response(422, **problem_response("The upload is not a video of this course"))
    def patch(self, body: dict[str, Any], course_id: str, lesson_id: str) -> LessonDetails:
        """Rename a lesson, set its video or make it a free preview."""
        return self.update(UpdateLessonCommand(current_principal(), course_id, lesson_id, **body))


@blp.route("/courses/<string:course_id>/lessons/<string:lesson_id>/video-upload")
class LessonVideoUpload(MethodView):
    @inject
    def __init__(self, request_upload: RequestLessonVideoUpload) -> None:
        self.request_upload = request_upload

    @requires(Role.TEACHER)
    @blp.response(201, VideoUploadCredentialsSchema)
    @blp.alt_response(403, **problem_response("Only the course's teacher"))
    @blp.alt_response(404, **problem_response("No such course or lesson"))
    @blp.alt_response(409, **problem_response("No video vault is configured"))
    @blp.alt_response(503, **problem_response("The video vault is unavailable"))
    def post(self, course_id: str, lesson_id: str) -> VideoUploadCredentials:
        """Credentials to upload the lesson's video straight to the video vault (VdoCipher);
        the lesson plays that video from now on."""
        return self.request_upload(RequestLessonVideoUploadCommand(current_principal(),
                                                                   course_id, lesson_id))


@blp.route("/courses/<string:course_id>/statistics")
class CourseStatistics(MethodView):
    @inject
    def __init__(self, statistics: GetCourseStatistics) -> None:
        self.statistics = statistics

    @requires()
    @blp.response(200, CourseStatsSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only the course's teacher and admins"))
    @blp.alt_response(404, **problem_response("No such course"))
    def get(self, course_id: str) -> CourseStats:
        """Students enrolled and revenue per currency."""
        return self.statistics(CourseStatisticsQuery(current_principal(), course_id))


@blp.route("/me/courses")
class MyCourses(MethodView):
    @inject
    def __init__(self, list_mine: ListTeacherCourses) -> None:
        self.list_mine = list_mine

    @requires(Role.TEACHER)
    @blp.response(200, TeacherCourseSchema(many=True))
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("Only teachers have courses"))
    def get(self) -> list[CourseSummary]:
        """The signed-in teacher's courses, drafts included, newest first."""
        return self.list_mine(current_principal())
