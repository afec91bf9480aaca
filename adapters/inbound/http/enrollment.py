"""Enrollment: students join free courses (paid ones go through checkout) and list their own.

Enrolling is ``POST /courses/{course_id}/enrollments`` with no body: the course is in the path,
the student is the caller. 201 when the enrollment is new, 200 with the same enrollment when
it existed already (a repeated or concurrent click).
"""

from __future__ import annotations

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.catalog.enroll import Enroll, EnrollCommand, EnrollResult
from application.catalog.list_my_enrollments import ListMyEnrollments
from application.catalog.ports import EnrollmentSummary
from domain.shared.roles import Role

blp = Blueprint("enrollment", __name__, description="Students' enrollments in courses")


class EnrollmentSchema(Schema):
    enrollment_id = fields.String()
    course_id = fields.String()
    student_id = fields.String()
    status = fields.String(metadata={"enum": ["active", "suspended", "revoked"]})
    enrolled_at = fields.DateTime()
    created = fields.Boolean(metadata={"description": "false when the enrollment existed"})


class MyEnrollmentSchema(Schema):
    enrollment_id = fields.String()
    course_id = fields.String()
    course_title = fields.String()
    course_slug = fields.String()
    status = fields.String(metadata={"enum": ["active", "suspended", "revoked"]})
    enrolled_at = fields.DateTime()


@blp.route("/courses/<string:course_id>/enrollments")
class Enrollments(MethodView):
    @inject
    def __init__(self, enroll: Enroll) -> None:
        self.enroll = enroll

    @requires(Role.STUDENT)
    @blp.response(201, EnrollmentSchema)
    @blp.alt_response(200, schema=EnrollmentSchema, description="Enrolled already: the same one")
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(402, **problem_response("A paid course: checkout is required"))
    @blp.alt_response(403, **problem_response("Only students enroll"))
    @blp.alt_response(404, **problem_response("No such published course"))
    @blp.alt_response(409, **problem_response("A concurrent enrollment could not be read "
                                              "back; retry"))
    def post(self, course_id: str) -> EnrollResult | tuple[EnrollResult, int]:
        """Enroll the signed-in student in a free course; repeating it changes nothing."""
        result = self.enroll(EnrollCommand(current_principal(), course_id))
        return result if result.created else (result, 200)


@blp.route("/me/enrollments")
class MyEnrollments(MethodView):
    @inject
    def __init__(self, list_mine: ListMyEnrollments) -> None:
        self.list_mine = list_mine

    @requires()
    @blp.response(200, MyEnrollmentSchema(many=True))
    @blp.alt_response(401, **problem_response("No valid access token"))
    def get(self) -> list[EnrollmentSummary]:
        """The signed-in user's enrollments with their courses, newest first."""
        return self.list_mine(current_principal())
