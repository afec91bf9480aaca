"""Career: the advisor (chat, CV analysis, skills gap, learning path, job recommendations,
its usage for admins), the job board (local and outside postings) and applications."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.jobs import JobResultsSchema
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import StrictBoolean, problem_response
from application.career.analyze_cv import MAX_CV_CHARS, AnalyzeCV, AnalyzeCvCommand
from application.career.assess_skills_gap import (
    MAX_SKILLS,
    AssessSkillsGap,
    SkillsGapAnswer,
    SkillsGapCommand,
)
from application.career.chat_with_advisor import ChatAnswer, ChatCommand, ChatWithAdvisor
from application.career.conversations import (
    ConversationView,
    GetConversation,
    ListConversations,
)
from application.career.plan_learning_path import (
    LearningPathCommand,
    PlanLearningPath,
    PlannedPath,
)
from application.career.ports import UsageRow
from application.career.recommend_jobs import (
    JobRecommendations,
    RecommendJobs,
    RecommendJobsCommand,
)
from application.career.report_advisor_usage import ReportAdvisorUsage, UsageCommand
from domain.career.advice import MAX_MESSAGE, Conversation, CvAnalysis
from domain.career.skills import SkillLevel
from domain.shared.roles import Role

blp = Blueprint("career", __name__, description="The career advisor")

REFUSED = problem_response("Refused by the content policy")
LIMITED = problem_response("No advisor call left for now (see Retry-After)")
DOWN = problem_response("The advisor is unavailable; nothing was charged")


def _advisor_outcomes(view: Any) -> Any:
    for status, doc in ((422, REFUSED), (429, LIMITED), (503, DOWN)):
        view = blp.alt_response(status, **doc)(view)
    return view


class ChatBodySchema(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=MAX_MESSAGE))
    conversation_id = fields.String(validate=validate.Length(min=1, max=36))


class ChatAnswerSchema(Schema):
    response = fields.String()
    conversation_id = fields.String()


class ConversationSchema(Schema):
    id = fields.String()
    title = fields.String()
    started_at = fields.DateTime()
    updated_at = fields.DateTime()
    message_count = fields.Integer()


class MessageSchema(Schema):
    role = fields.Function(lambda m: m.speaker.value,
                           metadata={"enum": ["user", "model"]})
    text = fields.String()
    at = fields.DateTime()


class ConversationDetailSchema(Schema):
    conversation = fields.Nested(ConversationSchema)
    messages = fields.List(fields.Nested(MessageSchema))


class AnalyzeCvBodySchema(Schema):
    cv_text = fields.String(validate=validate.Length(min=1, max=MAX_CV_CHARS))
    cv_upload_id = fields.String(validate=validate.Length(min=1, max=36), metadata={
        "description": "a completed upload of purpose cv (PDF or DOCX)"})


class CvAnalysisSchema(Schema):
    id = fields.String()
    provider = fields.String()
    created_at = fields.DateTime()
    summary = fields.String()
    strengths = fields.List(fields.String())
    weaknesses = fields.List(fields.String())
    improvements = fields.List(fields.String())
    ats_tips = fields.List(fields.String())
    skills = fields.List(fields.String())
    file_id = fields.String(allow_none=True)


class SkillsGapBodySchema(Schema):
    target_role = fields.String(required=True, validate=validate.Length(min=1, max=120))
    current_skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                                 required=True, validate=validate.Length(max=MAX_SKILLS))


class LearningPathBodySchema(Schema):
    target_role = fields.String(required=True, validate=validate.Length(min=1, max=120))
    current_skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                                 load_default=list, validate=validate.Length(max=MAX_SKILLS))


class CourseRecommendationSchema(Schema):
    id = fields.String()
    slug = fields.String()
    title = fields.String()
    teaches = fields.List(fields.String(), metadata={"description": "the skills wanted"})


class MissingSkillSchema(Schema):
    name = fields.String()
    level_needed = fields.Function(lambda m: m.level_needed.label, metadata={
        "enum": [level.label for level in SkillLevel]})
    why = fields.String()


class SkillsGapSchema(Schema):
    target_role = fields.Function(lambda a: a.gap.target_role)
    matching = fields.Function(lambda a: list(a.gap.matching))
    missing = fields.Function(lambda a: MissingSkillSchema(many=True).dump(a.gap.missing))
    recommended_courses = fields.Function(
        lambda a: CourseRecommendationSchema(many=True).dump(a.courses))


class StepSchema(Schema):
    title = fields.Function(lambda s: s.step.title)
    description = fields.Function(lambda s: s.step.description)
    weeks = fields.Function(lambda s: s.step.weeks)
    skills = fields.Function(lambda s: list(s.step.skills))
    courses = fields.List(fields.Nested(CourseRecommendationSchema))


class LearningPathSchema(Schema):
    target_role = fields.Function(lambda p: p.path.target_role)
    total_weeks = fields.Function(lambda p: p.path.total_weeks)
    steps = fields.List(fields.Nested(StepSchema))


class RecommendBodySchema(Schema):
    location = fields.String(validate=validate.Length(min=1, max=120))
    remote_only = StrictBoolean(load_default=False)


class SuggestedRoleSchema(Schema):
    title = fields.String()
    reason = fields.String()
    skills = fields.List(fields.String())


class RecommendationsSchema(Schema):
    roles = fields.List(fields.Nested(SuggestedRoleSchema))
    jobs = fields.Nested(JobResultsSchema)


class UsageArgsSchema(Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    by_user = fields.Boolean(load_default=False)


class UsageRowSchema(Schema):
    day = fields.String(metadata={"description": "YYYY-MM-DD, UTC"})
    user_id = fields.String(allow_none=True)
    calls = fields.Integer()
    prompt_tokens = fields.Integer()
    output_tokens = fields.Integer()


@blp.route("/ai-career/chat")
class Chat(MethodView):
    @inject
    def __init__(self, chat: ChatWithAdvisor) -> None:
        self.chat = chat

    @requires(Role.STUDENT)
    @blp.arguments(ChatBodySchema)
    @blp.response(200, ChatAnswerSchema)
    @blp.alt_response(404, **problem_response("No such conversation (or another's)"))
    @blp.alt_response(409, **problem_response(
        "The advisor is still answering this conversation's last message; nothing charged"))
    @_advisor_outcomes
    def post(self, body: dict[str, Any]) -> ChatAnswer:
        """Ask the career advisor; a new conversation unless one is named."""
        return self.chat(ChatCommand(current_principal(), body["message"],
                                     body.get("conversation_id")))


@blp.route("/ai-career/conversations")
class Conversations(MethodView):
    @inject
    def __init__(self, list_them: ListConversations) -> None:
        self.list_them = list_them

    @requires(Role.STUDENT)
    @blp.response(200, ConversationSchema(many=True))
    def get(self) -> list[Conversation]:
        """My conversations with the advisor, the most recent first."""
        return self.list_them(current_principal())


@blp.route("/ai-career/conversations/<string:conversation_id>")
class OneConversation(MethodView):
    @inject
    def __init__(self, get_one: GetConversation) -> None:
        self.get_one = get_one

    @requires(Role.STUDENT)
    @blp.response(200, ConversationDetailSchema)
    @blp.alt_response(404, **problem_response("No such conversation (or another's)"))
    def get(self, conversation_id: str) -> ConversationView:
        """One of my conversations, every message in order."""
        return self.get_one(current_principal(), conversation_id)


@blp.route("/ai-career/analyze-cv")
class AnalyzeCv(MethodView):
    @inject
    def __init__(self, analyze: AnalyzeCV) -> None:
        self.analyze = analyze

    @requires(Role.STUDENT)
    @blp.arguments(AnalyzeCvBodySchema)
    @blp.response(200, CvAnalysisSchema)
    @blp.alt_response(404, **problem_response("No such upload (or another person's)"))
    @_advisor_outcomes
    def post(self, body: dict[str, Any]) -> CvAnalysis:
        """Analyse a CV: pasted text, or an uploaded PDF or DOCX (read on the server)."""
        return self.analyze(AnalyzeCvCommand(current_principal(), body.get("cv_text"),
                                             body.get("cv_upload_id")))


@blp.route("/ai-career/skills-gap")
class SkillsGap(MethodView):
    @inject
    def __init__(self, assess: AssessSkillsGap) -> None:
        self.assess = assess

    @requires(Role.STUDENT)
    @blp.arguments(SkillsGapBodySchema)
    @blp.response(200, SkillsGapSchema)
    @_advisor_outcomes
    def post(self, body: dict[str, Any]) -> SkillsGapAnswer:
        """What a role needs that I lack, at which level, and our courses that teach it."""
        return self.assess(SkillsGapCommand(current_principal(), body["target_role"],
                                            body["current_skills"]))


@blp.route("/ai-career/learning-path")
class LearningPath(MethodView):
    @inject
    def __init__(self, plan: PlanLearningPath) -> None:
        self.plan = plan

    @requires(Role.STUDENT)
    @blp.arguments(LearningPathBodySchema)
    @blp.response(200, LearningPathSchema)
    @_advisor_outcomes
    def post(self, body: dict[str, Any]) -> PlannedPath:
        """Steps with a timeline towards a role, each pointing at our published courses."""
        return self.plan(LearningPathCommand(current_principal(), body["target_role"],
                                             body["current_skills"]))


@blp.route("/ai-career/job-recommendations")
class JobRecommendationsView(MethodView):
    @inject
    def __init__(self, recommend: RecommendJobs) -> None:
        self.recommend = recommend

    @requires(Role.STUDENT)
    @blp.arguments(RecommendBodySchema, required=False)
    @blp.response(200, RecommendationsSchema)
    @_advisor_outcomes
    def post(self, body: dict[str, Any]) -> JobRecommendations:
        """Roles that fit my profile, and real postings for the best of them."""
        return self.recommend(RecommendJobsCommand(current_principal(), body.get("location"),
                                                   body["remote_only"]))


@blp.route("/admin/ai-usage")
class AdvisorUsage(MethodView):
    @inject
    def __init__(self, report: ReportAdvisorUsage) -> None:
        self.report = report

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(UsageArgsSchema, location="query")
    @blp.response(200, UsageRowSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[UsageRow]:
        """Advisor calls and tokens per day (and per user), the newest day first."""
        return self.report(UsageCommand(args["days"], args["by_user"]))
