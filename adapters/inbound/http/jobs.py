"""The job board: postings made here and on the outside board in one search, companies'
postings, the applications students make to them, and the searches students save for
new-job alerts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import StrictBoolean, problem_response
from application.career.apply_to_job import ApplyCommand, ApplyToJob
from application.career.change_job import ChangeJob, ChangeJobCommand
from application.career.get_job import GetJob
from application.career.list_applications import ListJobApplications, ListMyApplications
from application.career.move_application import MoveApplication, MoveApplicationCommand
from application.career.ports import JobQuery
from application.career.post_job import PostJob, PostJobCommand
from application.career.save_job_search import SaveJobSearch, SaveJobSearchCommand
from application.career.saved_searches import DeleteSavedSearch, ListSavedSearches
from application.career.search_jobs import JobResults, SearchJobs
from domain.career.alerts import MAX_SAVED_SEARCHES, SavedSearch
from domain.career.applications import MAX_COVER_LETTER, ApplicationStatus, JobApplication
from domain.career.jobs import (
    EmploymentType,
    ExperienceLevel,
    JobDetails,
    JobPosting,
    Salary,
    SalaryPeriod,
)
from domain.shared.roles import Role

blp = Blueprint("jobs", __name__, description="The job board and applications")

NO_JOB = problem_response("No such job (or, for its company's views, another company's)")
DATE_POSTED = ("all", "today", "3days", "week", "month")


class SalarySchema(Schema):
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    period = fields.Enum(SalaryPeriod, by_value=True, required=True)
    minimum = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**12),
                             metadata={"description": "minor units of the currency"})
    maximum = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**12))


class ListingSchema(Schema):
    id = fields.String(metadata={"description": "ext_... for the outside board's postings"})
    title = fields.String()
    company = fields.String()
    location = fields.String()
    description = fields.String()
    source = fields.Function(lambda j: j.source.value, metadata={"enum": ["local", "external"]})
    posted_at = fields.DateTime(allow_none=True)
    employment_type = fields.String(allow_none=True)
    experience = fields.String(allow_none=True)
    remote = fields.Boolean()
    salary = fields.Nested(SalarySchema, allow_none=True)
    apply_link = fields.String(allow_none=True)
    skills = fields.List(fields.String())


class JobResultsSchema(Schema):
    items = fields.List(fields.Nested(ListingSchema))
    page = fields.Integer()
    local_total = fields.Integer()
    sources = fields.List(fields.String(), metadata={"description": "the sources that answered"})
    unavailable = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "why an outside source did not: not_configured, budget_spent, failed"})


class SearchArgsSchema(Schema):
    keyword = fields.String(load_default="", validate=validate.Length(max=120))
    location = fields.String(validate=validate.Length(min=1, max=120))
    remote_only = fields.Boolean(load_default=False)
    employment_type = fields.List(fields.Enum(EmploymentType, by_value=True),
                                  load_default=list)
    date_posted = fields.String(load_default="all", validate=validate.OneOf(DATE_POSTED))
    experience = fields.Enum(ExperienceLevel, by_value=True)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=50))


class JobBodySchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    employment_type = fields.Enum(EmploymentType, by_value=True,
                                  load_default=EmploymentType.FULLTIME)
    experience = fields.Enum(ExperienceLevel, by_value=True, load_default=None,
                             allow_none=True)
    remote = StrictBoolean(load_default=False)
    salary = fields.Nested(SalarySchema, load_default=None, allow_none=True)
    skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                         load_default=list, validate=validate.Length(max=30))


class JobSchema(ListingSchema):
    status = fields.Function(lambda j: j.status.value, metadata={"enum": ["open", "closed"]})
    closed_at = fields.DateTime(allow_none=True)


class ApplyBodySchema(Schema):
    cv_upload_id = fields.String(required=True, validate=validate.Length(min=1, max=36),
                                 metadata={"description": "a completed upload of purpose cv"})
    cover_letter = fields.String(load_default="",
                                 validate=validate.Length(max=MAX_COVER_LETTER))


class JobApplicationSchema(Schema):
    id = fields.String()
    job_id = fields.String()
    student_id = fields.String()
    cover_letter = fields.String()
    status = fields.Function(lambda a: a.status.value,
                             metadata={"enum": [s.value for s in ApplicationStatus]})
    submitted_at = fields.DateTime()
    status_at = fields.DateTime(allow_none=True)


class MoveBodySchema(Schema):
    status = fields.Enum(ApplicationStatus, by_value=True, required=True)

    @validates_schema
    def not_submitted(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("status") == ApplicationStatus.SUBMITTED:
            raise ValidationError("an application is moved on, not back", "status")


class SavedSearchBodySchema(Schema):
    keyword = fields.String(load_default="", validate=validate.Length(max=120))
    location = fields.String(load_default="", validate=validate.Length(max=120))
    remote_only = StrictBoolean(load_default=False)
    employment_types = fields.List(fields.Enum(EmploymentType, by_value=True),
                                   load_default=list, validate=validate.Length(max=4))
    experience = fields.Enum(ExperienceLevel, by_value=True, load_default=None,
                             allow_none=True)


class SavedSearchSchema(SavedSearchBodySchema):
    id = fields.String()
    employment_types = fields.List(fields.String())
    experience = fields.String(allow_none=True)
    created_at = fields.DateTime()


def _details(body: dict[str, Any]) -> JobDetails:
    s = body["salary"]
    salary = None if s is None else Salary(s["currency"].upper(), s["period"],
                                           s.get("minimum"), s.get("maximum"))
    return JobDetails(body["title"], body["company"], body["description"], body["location"],
                      body["employment_type"], body["experience"], body["remote"], salary)


@blp.route("/jobs")
class Jobs(MethodView):
    @inject
    def __init__(self, search: SearchJobs, post: PostJob) -> None:
        self.search, self.post_job = search, post

    @requires()
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, JobResultsSchema)
    def get(self, args: dict[str, Any]) -> JobResults:
        """Postings here and on the outside board; ``sources`` says which answered."""
        return self.search(JobQuery(
            args["keyword"], args.get("location"), args["remote_only"],
            tuple(args["employment_type"]), args["date_posted"], args.get("experience"),
            args["page"]))

    @requires(Role.COMPANY)
    @blp.arguments(JobBodySchema)
    @blp.response(201, JobSchema)
    def post(self, body: dict[str, Any]) -> JobPosting:
        """Post a job (announced on ``job-board``)."""
        return self.post_job(PostJobCommand(current_principal(), _details(body),
                                            tuple(body["skills"])))


@blp.route("/jobs/<string:job_id>")
class OneJob(MethodView):
    @inject
    def __init__(self, get_one: GetJob, change: ChangeJob) -> None:
        self.get_one, self.change = get_one, change

    @requires()
    @blp.response(200, JobSchema)
    @blp.alt_response(404, **NO_JOB)
    def get(self, job_id: str) -> JobPosting:
        """A posting made here."""
        return self.get_one(job_id, current_principal().user_id)

    @requires(Role.COMPANY)
    @blp.arguments(JobBodySchema)
    @blp.response(200, JobSchema)
    @blp.alt_response(404, **NO_JOB)
    @blp.alt_response(409, **problem_response("The job is closed"))
    def put(self, body: dict[str, Any], job_id: str) -> JobPosting:
        """Rewrite my posting."""
        return self.change(ChangeJobCommand(current_principal(), job_id, _details(body),
                                            tuple(body["skills"])))


@blp.route("/jobs/<string:job_id>/close")
class CloseJob(MethodView):
    @inject
    def __init__(self, change: ChangeJob) -> None:
        self.change = change

    @requires(Role.COMPANY)
    @blp.response(200, JobSchema)
    @blp.alt_response(404, **NO_JOB)
    def post(self, job_id: str) -> JobPosting:
        """Close my posting: it takes no more applications (closing twice is fine)."""
        return self.change(ChangeJobCommand(current_principal(), job_id))


@blp.route("/jobs/<string:job_id>/applications")
class JobApplications(MethodView):
    @inject
    def __init__(self, apply: ApplyToJob, list_them: ListJobApplications) -> None:
        self.apply, self.list_them = apply, list_them

    @requires(Role.STUDENT)
    @blp.arguments(ApplyBodySchema)
    @blp.response(201, JobApplicationSchema)
    @blp.alt_response(404, **problem_response("No such job, or no such CV upload of mine"))
    @blp.alt_response(409, **problem_response("Applied already, or the job is closed"))
    def post(self, body: dict[str, Any], job_id: str) -> JobApplication:
        """Apply with one of my uploaded CVs; the company is told."""
        return self.apply(ApplyCommand(current_principal(), job_id, body["cv_upload_id"],
                                       body["cover_letter"]))

    @requires(Role.COMPANY)
    @blp.response(200, JobApplicationSchema(many=True))
    @blp.alt_response(404, **NO_JOB)
    def get(self, job_id: str) -> list[JobApplication]:
        """The applications to my posting, the oldest first."""
        return self.list_them(current_principal(), job_id)


@blp.route("/job-applications/<string:application_id>")
class OneApplication(MethodView):
    @inject
    def __init__(self, move: MoveApplication) -> None:
        self.move = move

    @requires(Role.COMPANY)
    @blp.arguments(MoveBodySchema)
    @blp.response(200, JobApplicationSchema)
    @blp.alt_response(404, **problem_response("No such application (or another company's)"))
    @blp.alt_response(409, **problem_response("Not a step this application can take"))
    def patch(self, body: dict[str, Any], application_id: str) -> JobApplication:
        """Move an application on; the student is told."""
        return self.move(MoveApplicationCommand(current_principal(), application_id,
                                                body["status"]))


@blp.route("/me/job-applications")
class MyApplications(MethodView):
    @inject
    def __init__(self, list_them: ListMyApplications) -> None:
        self.list_them = list_them

    @requires(Role.STUDENT)
    @blp.response(200, JobApplicationSchema(many=True))
    def get(self) -> list[JobApplication]:
        """My applications, the newest first."""
        return self.list_them(current_principal())


@blp.route("/me/saved-searches")
class SavedSearches(MethodView):
    @inject
    def __init__(self, save: SaveJobSearch, list_them: ListSavedSearches) -> None:
        self.save, self.list_them = save, list_them

    @requires(Role.STUDENT)
    @blp.arguments(SavedSearchBodySchema)
    @blp.response(201, SavedSearchSchema)
    @blp.alt_response(409, **problem_response(
        f"I keep {MAX_SAVED_SEARCHES} saved searches already"))
    def post(self, body: dict[str, Any]) -> SavedSearch:
        """Keep a search: new postings it finds come in my daily digest of new jobs."""
        return self.save(SaveJobSearchCommand(current_principal(), body["keyword"],
                                              body["location"], body["remote_only"],
                                              tuple(body["employment_types"]),
                                              body["experience"]))

    @requires(Role.STUDENT)
    @blp.response(200, SavedSearchSchema(many=True))
    def get(self) -> list[SavedSearch]:
        """My saved searches, the oldest first."""
        return self.list_them(current_principal())


@blp.route("/me/saved-searches/<string:search_id>")
class OneSavedSearch(MethodView):
    @inject
    def __init__(self, delete: DeleteSavedSearch) -> None:
        self.delete_it = delete

    @requires(Role.STUDENT)
    @blp.response(204)
    @blp.alt_response(404, **problem_response("No such saved search of mine"))
    def delete(self, search_id: str) -> None:
        """Stop a saved search's alerts."""
        self.delete_it(current_principal(), search_id)
