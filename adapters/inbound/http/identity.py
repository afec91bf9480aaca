"""Identity: a person verifies their identity (Didit's hosted flow, or a platform admin's
manual review); teachers apply and platform admins approve or reject them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.identity.application_views import ApplicationView
from application.identity.change_teacher_application import (
    ChangeTeacherApplication,
    ChangeTeacherApplicationCommand,
)
from application.identity.decide_teacher_application import (
    DecideTeacherApplication,
    DecideTeacherApplicationCommand,
)
from application.identity.get_identity_verification import (
    GetIdentityVerification,
    GetIdentityVerificationQuery,
)
from application.identity.get_teacher_application import (
    GetTeacherApplication,
    GetTeacherApplicationQuery,
)
from application.identity.list_teacher_applications import (
    ListTeacherApplications,
    ListTeacherApplicationsQuery,
)
from application.identity.list_verifications_for_review import (
    ListVerificationsForReview,
    ListVerificationsForReviewQuery,
)
from application.identity.review_verification import (
    ReviewVerification,
    ReviewVerificationCommand,
)
from application.identity.verification_views import VerificationView
from application.identity.verify_identity import VerifyIdentity, VerifyIdentityCommand
from application.identity.withdraw_teacher_application import (
    WithdrawTeacherApplication,
    WithdrawTeacherApplicationCommand,
)
from domain.identity.statuses import VerificationStatus
from domain.identity.teachers import MAX_BIO, MAX_HEADLINE, MAX_REASON, ApplicationStatus
from domain.shared.roles import Role

blp = Blueprint("identity", __name__,
                description="Identity verification and teacher applications")

ADMINS_ONLY = problem_response("Only platform admins")


class VerificationSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    provider = fields.String(metadata={"description": "didit, or manual (an admin reviews)"})
    status = fields.String(metadata={"enum": [s.value for s in VerificationStatus]})
    url = fields.String(allow_none=True, metadata={
        "description": "Where to verify, while it is open (null: a platform admin reviews)"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    document_type = fields.String(allow_none=True)
    issuing_country = fields.String(allow_none=True)
    decline_reason = fields.String(allow_none=True)


class ReviewArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in VerificationStatus]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON))


class ApplicationSchema(Schema):
    id = fields.String()
    user_id = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ApplicationStatus]})
    headline = fields.String()
    bio = fields.String()
    submitted_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it was rejected"})


class TeacherProfileSchema(Schema):
    headline = fields.String(required=True, validate=validate.Length(max=MAX_HEADLINE))
    bio = fields.String(required=True, validate=validate.Length(max=MAX_BIO))


class ApplicationArgsSchema(Schema):
    status = fields.String(load_default=ApplicationStatus.PENDING.value,
                           validate=validate.OneOf([s.value for s in ApplicationStatus]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


@blp.route("/me/identity-verification")
class MyVerification(MethodView):
    @inject
    def __init__(self, verify: VerifyIdentity, get_one: GetIdentityVerification) -> None:
        self.verify, self.get_one = verify, get_one

    @requires()
    @blp.response(200, VerificationSchema)
    @blp.alt_response(503, **problem_response("The verifier is unavailable; retry later"))
    def post(self) -> VerificationView:
        """Verify my identity: the hosted flow's url (the same while one is open)."""
        return self.verify(VerifyIdentityCommand(current_principal()))

    @requires()
    @blp.response(200, VerificationSchema)
    @blp.alt_response(404, **problem_response("Never asked"))
    def get(self) -> VerificationView:
        """My latest verification and its status."""
        return self.get_one(GetIdentityVerificationQuery(current_principal()))


@blp.route("/admin/identity-verifications")
class VerificationsForReview(MethodView):
    @inject
    def __init__(self, waiting: ListVerificationsForReview) -> None:
        self.waiting = waiting

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(ReviewArgsSchema, location="query")
    @blp.response(200, VerificationSchema(many=True))
    @blp.alt_response(403, **ADMINS_ONLY)
    def get(self, args: dict[str, Any]) -> list[VerificationView]:
        """The manual reviews waiting (or the verifications in one status), oldest first."""
        status = VerificationStatus(args["status"]) if "status" in args else None
        return self.waiting(ListVerificationsForReviewQuery(current_principal(), status,
                                                            args["limit"]))


NO_VERIFICATION = problem_response("No such verification")
DECIDED = problem_response("Decided already, or not a manual review")


@blp.route("/admin/identity-verifications/<string:verification_id>/approve")
class VerificationApprove(MethodView):
    @inject
    def __init__(self, review: ReviewVerification) -> None:
        self.review = review

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, VerificationSchema)
    @blp.alt_response(403, **ADMINS_ONLY)
    @blp.alt_response(404, **NO_VERIFICATION)
    @blp.alt_response(409, **DECIDED)
    def post(self, verification_id: str) -> VerificationView:
        """Approve a manual review."""
        return self.review(ReviewVerificationCommand(current_principal(), verification_id,
                                                     approved=True))


@blp.route("/admin/identity-verifications/<string:verification_id>/decline")
class VerificationDecline(MethodView):
    @inject
    def __init__(self, review: ReviewVerification) -> None:
        self.review = review

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(ReasonSchema)
    @blp.response(200, VerificationSchema)
    @blp.alt_response(403, **ADMINS_ONLY)
    @blp.alt_response(404, **NO_VERIFICATION)
    @blp.alt_response(409, **DECIDED)
    def post(self, body: dict[str, Any], verification_id: str) -> VerificationView:
        """Decline a manual review, with the reason the person is told."""
        return self.review(ReviewVerificationCommand(current_principal(), verification_id,
                                                     approved=False, reason=body["reason"]))


@blp.route("/me/teacher-application")
class MyApplication(MethodView):
    @inject
    def __init__(self, get_one: GetTeacherApplication, change: ChangeTeacherApplication,
                 withdraw: WithdrawTeacherApplication) -> None:
        self.get_one, self.change, self.withdraw = get_one, change, withdraw

    @requires(Role.TEACHER)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(404, **problem_response("No application"))
    def get(self) -> ApplicationView:
        """My teacher application: pending, approved, or rejected and why."""
        return self.get_one(GetTeacherApplicationQuery(current_principal()))

    @requires(Role.TEACHER)
    @blp.arguments(TeacherProfileSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(409, **problem_response("A rejected profile unchanged"))
    def put(self, body: dict[str, Any]) -> ApplicationView:
        """Describe myself; a rejected (with a changed profile) or withdrawn application is
        submitted again."""
        return self.change(ChangeTeacherApplicationCommand(current_principal(), **body))

    @requires(Role.TEACHER)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(404, **problem_response("No application"))
    @blp.alt_response(409, **problem_response("Not pending"))
    def delete(self) -> ApplicationView:
        """Withdraw my pending application."""
        return self.withdraw(WithdrawTeacherApplicationCommand(current_principal()))


@blp.route("/admin/teacher-applications")
class Applications(MethodView):
    @inject
    def __init__(self, applications: ListTeacherApplications) -> None:
        self.applications = applications

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(ApplicationArgsSchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    @blp.alt_response(403, **ADMINS_ONLY)
    def get(self, args: dict[str, Any]) -> list[ApplicationView]:
        """Teacher applications in one status (pending by default), oldest first."""
        return self.applications(ListTeacherApplicationsQuery(
            current_principal(), ApplicationStatus(args["status"]), args["limit"]))


NO_APPLICATION = problem_response("No such application")
NOT_PENDING = problem_response("Not pending, or the applicant's identity is not verified")


@blp.route("/admin/teacher-applications/<string:application_id>/approve")
class TeacherApprove(MethodView):
    @inject
    def __init__(self, decide: DecideTeacherApplication) -> None:
        self.decide = decide

    @requires(Role.PLATFORM_ADMIN)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(403, **ADMINS_ONLY)
    @blp.alt_response(404, **NO_APPLICATION)
    @blp.alt_response(409, **NOT_PENDING)
    def post(self, application_id: str) -> ApplicationView:
        """Approve a pending application: the teacher may publish."""
        return self.decide(DecideTeacherApplicationCommand(current_principal(), application_id,
                                                           approved=True))


@blp.route("/admin/teacher-applications/<string:application_id>/reject")
class TeacherReject(MethodView):
    @inject
    def __init__(self, decide: DecideTeacherApplication) -> None:
        self.decide = decide

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(ReasonSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(403, **ADMINS_ONLY)
    @blp.alt_response(404, **NO_APPLICATION)
    @blp.alt_response(409, **NOT_PENDING)
    def post(self, body: dict[str, Any], application_id: str) -> ApplicationView:
        """Reject a pending application, with the reason the applicant is told."""
        return self.decide(DecideTeacherApplicationCommand(
            current_principal(), application_id, approved=False, reason=body["reason"]))
