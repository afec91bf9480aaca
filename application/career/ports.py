"""What the career area needs from the outside world: an advisor (Gemini, or the offline
rule-based one), a job search (JSearch, or none), a reader of CV files, and its records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.accounts.published import AccountDirectory
from application.catalog.published import CourseShelf
from application.shared.ports import AuditedUnitOfWork
from domain.career.advice import AdvisorCall, ChatMessage, Conversation, CvAnalysis
from domain.career.alerts import AlertReason, SavedSearch
from domain.career.applications import JobApplication
from domain.career.jobs import EmploymentType, ExperienceLevel, JobListing, JobPosting
from domain.career.skills import SkillLevel
from domain.shared.errors import DomainError


class AdvisorRefused(DomainError):
    """The advisor's content policy refused the request or its answer (a safety block)."""

    code = "content_refused"


@dataclass(frozen=True)
class TokenUsage:
    """Tokens one call consumed, as the vendor counted them (0 for the offline advisor)."""

    prompt_tokens: int = 0
    output_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.output_tokens


@dataclass(frozen=True)
class StudentProfile:
    """All an advisor learns about the student: the titles of their courses and the skills
    named in their profile or CVs. Never another person's data, never contact details."""

    courses: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChatTurn:
    role: str  # "user" or "model"
    text: str


@dataclass(frozen=True)
class ChatReply:
    text: str
    usage: TokenUsage = TokenUsage()


@dataclass(frozen=True)
class CvReview:
    """An analysis of a CV: each list holds short sentences; ``skills`` are the skills the
    CV shows, in the taxonomy's names where they are known."""

    summary: str
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    improvements: tuple[str, ...]
    ats_tips: tuple[str, ...]
    skills: tuple[str, ...] = ()
    usage: TokenUsage = TokenUsage()


@dataclass(frozen=True)
class MissingSkill:
    name: str
    level_needed: SkillLevel
    why: str = ""


@dataclass(frozen=True)
class SkillsGap:
    target_role: str
    matching: tuple[str, ...]
    missing: tuple[MissingSkill, ...]
    usage: TokenUsage = TokenUsage()


@dataclass(frozen=True)
class PathStep:
    title: str
    description: str
    weeks: int  # how long the step takes, in weeks (at least 1)
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class LearningPath:
    target_role: str
    steps: tuple[PathStep, ...]
    usage: TokenUsage = TokenUsage()

    @property
    def total_weeks(self) -> int:
        return sum(step.weeks for step in self.steps)


@dataclass(frozen=True)
class SuggestedRole:
    title: str
    reason: str
    skills: tuple[str, ...] = ()  # skills the role asks for


@dataclass(frozen=True)
class RoleSuggestions:
    roles: tuple[SuggestedRole, ...]
    usage: TokenUsage = TokenUsage()


class CareerAdvisor(Protocol):
    """An advisor. Texts from people (messages, CVs, roles, skills) are data: an adapter
    passes them fenced from its instructions, so that none can change what is asked.

    Every method raises ``AdvisorRefused`` when the content policy blocks the request or the
    answer, and ``DeliveryFailed`` when the vendor is unreachable, times out, refuses our
    credentials, is over its rate (``retry_after`` in seconds when it says) or answers
    something that is not the asked shape. Nothing is stored by an advisor."""

    provider: str  # "gemini", "offline"

    def chat(self, profile: StudentProfile, history: Sequence[ChatTurn],
             message: str) -> ChatReply:
        """Answers ``message``; ``history`` is the conversation before it, oldest first (the
        caller passes at most the last 10 turns)."""

    def analyze_cv(self, cv_text: str) -> CvReview: ...

    def skills_gap(self, target_role: str, current_skills: Sequence[str]) -> SkillsGap: ...

    def learning_path(self, target_role: str, current_skills: Sequence[str]) -> LearningPath:
        ...

    def suggest_roles(self, profile: StudentProfile) -> RoleSuggestions: ...


@dataclass(frozen=True)
class JobQuery:
    """A search for postings; every field but ``keyword`` may be left open."""

    keyword: str = ""
    location: str | None = None
    remote_only: bool = False
    employment_types: tuple[EmploymentType, ...] = ()
    date_posted: str = "all"  # all, today, 3days, week, month
    experience: ExperienceLevel | None = None
    page: int = 1
    country: str | None = None  # ISO 3166-1 alpha-2, lower case

    def normalised(self) -> str:
        """The query as a cache key: the same search spelt differently is one key."""
        parts = [" ".join(self.keyword.lower().split()),
                 " ".join((self.location or "").lower().split()),
                 "remote" if self.remote_only else "",
                 ",".join(sorted(kind.value for kind in self.employment_types)),
                 self.date_posted, self.experience.value if self.experience else "",
                 str(self.page), (self.country or "").lower()]
        return "|".join(parts)


class JobSearch(Protocol):
    """Postings of an outside job board, never stored by eduport beyond a cache."""

    source: str  # "jsearch"

    def search(self, query: JobQuery) -> tuple[JobListing, ...]:
        """One page of postings for ``query`` (at most 10), with ids prefixed ``ext_``.
        One call is one request billed by the vendor. Raises ``DeliveryFailed`` when the
        board is unreachable, times out, refuses our key (401/403, logged at ERROR without
        the key), is over its quota (429) or answers something unreadable."""


class CvReader(Protocol):
    def text(self, content: bytes, media_type: str) -> str:
        """The text of a CV file (PDF or DOCX), whitespace tidied. Raises ``InvalidValue``
        (field ``cv``) for a file that is not of its type, is encrypted, has more pages
        than the limit, or holds no text."""


class ConversationRepository(Protocol):
    def add(self, conversation: Conversation) -> None: ...

    def get(self, conversation_id: str) -> Conversation | None: ...

    def of_user(self, user_id: str, limit: int) -> list[Conversation]:
        """The user's conversations, the most recently active first."""

    def append(self, message: ChatMessage) -> None: ...

    def messages(self, conversation_id: str, last: int | None = None) -> list[ChatMessage]:
        """The conversation's messages, oldest first; only the ``last`` ones when given."""


class CvAnalysisRepository(Protocol):
    def add(self, analysis: CvAnalysis) -> None: ...

    def of_user(self, user_id: str, limit: int) -> list[CvAnalysis]:
        """The user's analyses, the newest first."""


@dataclass(frozen=True)
class UsageRow:
    """Advisor calls settled on one day (``day`` ISO 8601), by one user when ``user_id``."""

    day: str
    user_id: str | None
    calls: int
    prompt_tokens: int
    output_tokens: int


class AdvisorCallRepository(Protocol):
    def add(self, call: AdvisorCall) -> None: ...

    def settle(self, call_id: str, prompt_tokens: int, output_tokens: int) -> None: ...

    def release(self, call_id: str) -> None:
        """Deletes a reserved call (the vendor failed: nothing is charged)."""

    def count_since(self, user_id: str, since: datetime) -> int:
        """Calls reserved or settled by the user since ``since``, locking the user's count
        until commit so that two requests cannot both take the last call."""

    def usage(self, since: datetime, until: datetime, by_user: bool) -> list[UsageRow]:
        """Settled calls per day (and per user), the newest day first."""


class JobPostingRepository(Protocol):
    def add(self, job: JobPosting) -> None: ...

    def get(self, job_id: str) -> JobPosting | None: ...

    def search(self, query: JobQuery, since: datetime | None, offset: int,
               limit: int) -> tuple[list[JobPosting], int]:
        """Open postings matching ``query`` (words in title, company, description or
        skills; location words; remote; types; experience) posted since ``since``, the
        newest first, and how many match in all."""


class JobApplicationRepository(Protocol):
    def add(self, application: JobApplication) -> None: ...

    def get(self, application_id: str) -> JobApplication | None: ...

    def of_student_for(self, student_id: str, job_id: str) -> JobApplication | None: ...

    def of_job(self, job_id: str, limit: int) -> list[JobApplication]: ...

    def of_student(self, student_id: str, limit: int) -> list[JobApplication]: ...


class SearchBudget(Protocol):
    def spend(self, source: str, month: str, limit: int) -> bool:
        """Takes one request of ``source``'s budget for ``month`` (YYYY-MM): False when
        ``limit`` are already spent. Atomic across processes (one conditional UPDATE)."""


class SavedSearchRepository(Protocol):
    def add(self, search: SavedSearch) -> None: ...

    def get(self, search_id: str) -> SavedSearch | None: ...

    def remove(self, search_id: str) -> None: ...

    def of_user(self, user_id: str) -> list[SavedSearch]:
        """The user's saved searches, the oldest first."""

    def count_of(self, user_id: str) -> int:
        """How many the user keeps, their list locked until commit (two saves at once cannot
        both take the last place)."""

    def after(self, search_id: str, limit: int) -> list[SavedSearch]:
        """Everyone's saved searches in id order, from the one after ``search_id`` ("" for
        the first)."""


class StudentSkills(Protocol):
    """What alerts match postings against: the skills each student's latest CV shows."""

    def replace(self, user_id: str, skills: Sequence[str]) -> None:
        """The student's skills are now ``skills`` (``skill_keys``: lower case, once each)."""

    def holders(self, skills: Sequence[str], at_least: int) -> list[str]:
        """Students with at least ``at_least`` (1 or more) of ``skills`` (lower case)."""


@dataclass(frozen=True)
class JobDigest:
    """One student's digest of one day (ISO 8601, UTC): ``job_ids`` the newest postings it
    names, of ``total`` still open when it was composed."""

    student_id: str
    day: str
    job_ids: tuple[str, ...]
    total: int


class JobAlertRepository(Protocol):
    def queue(self, job_id: str, students: Mapping[str, AlertReason], at: datetime) -> int:
        """An alert of the posting for each student, each once however often it is asked
        (a retried handler adds none): how many are new."""

    def waiting(self, day: str, limit: int) -> list[str]:
        """Students with alerts in no digest yet and no digest on ``day``."""

    def waiting_for(self, student_id: str, limit: int) -> list[str]:
        """The postings of the student's alerts that are in no digest yet."""

    def take_day(self, digest: JobDigest, at: datetime) -> bool:
        """Stores the digest: False, storing nothing, when the student has one on that day
        (the database keeps it to one a day, whatever runs at once)."""

    def mark(self, student_id: str, job_ids: Sequence[str], day: str) -> None:
        """The student's alerts of these postings are done with, in the digest of ``day``."""

    def digest(self, student_id: str, day: str) -> JobDigest | None: ...


class CareerUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over the career records; ``people`` and ``shelf`` read the accounts
    and the catalog in it (read-only)."""

    conversations: ConversationRepository
    analyses: CvAnalysisRepository
    calls: AdvisorCallRepository
    jobs: JobPostingRepository
    applications: JobApplicationRepository
    budget: SearchBudget
    saved_searches: SavedSearchRepository
    skills: StudentSkills
    alerts: JobAlertRepository
    people: AccountDirectory
    shelf: CourseShelf
