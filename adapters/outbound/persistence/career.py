"""Career in the database: conversations and their messages, CV analyses, advisor calls
(the daily allowance and token usage), job postings, applications, the external search's
monthly budget, and new-job alerts (saved searches, students' skills, alerts, digests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, registry

from adapters.outbound.persistence.accounts import SqlUserRepository
from adapters.outbound.persistence.catalog import SqlCourseShelf
from adapters.outbound.persistence.schema import (
    ID,
    EnumText,
    TextList,
    dialect_insert,
    metadata,
    utc,
)
from adapters.outbound.persistence.shared import TrackedRepository
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from application.career.ports import JobDigest, JobQuery, UsageRow
from domain.career.advice import (
    AdviceKind,
    AdvisorCall,
    ChatMessage,
    Conversation,
    CvAnalysis,
    Speaker,
)
from domain.career.alerts import AlertReason, SavedSearch
from domain.career.applications import ApplicationStatus, JobApplication
from domain.career.jobs import (
    EmploymentType,
    ExperienceLevel,
    JobPosting,
    JobStatus,
    SalaryPeriod,
    search_words,
)

career_conversations = Table(
    "career_conversations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("title", String(80), nullable=False),
    Column("started_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("replying_since", utc()),
    Index("ix_career_conversations_user", "user_id", "updated_at"),
)

career_messages = Table(
    "career_messages",
    metadata,
    Column("conversation_id", ID, ForeignKey("career_conversations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("speaker", EnumText(Speaker), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", utc(), nullable=False),
)

cv_analyses = Table(
    "cv_analyses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("summary", Text, nullable=False),
    Column("strengths", TextList, nullable=False),
    Column("weaknesses", TextList, nullable=False),
    Column("improvements", TextList, nullable=False),
    Column("ats_tips", TextList, nullable=False),
    Column("skills", TextList, nullable=False),
    Column("file_id", ID),
    Index("ix_cv_analyses_user", "user_id", "created_at"),
)

advisor_calls = Table(
    "advisor_calls",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("kind", EnumText(AdviceKind), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("at", utc(), nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("settled", Boolean, nullable=False),
    Index("ix_advisor_calls_user_at", "user_id", "at"),
    Index("ix_advisor_calls_at", "at"),
)

job_postings = Table(
    "job_postings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("company_id", ID, ForeignKey("users.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("company", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("location", String(200), nullable=False),
    Column("employment_type", EnumText(EmploymentType), nullable=False),
    Column("experience", EnumText(ExperienceLevel)),
    Column("remote", Boolean, nullable=False),
    Column("salary_currency", String(3)),
    Column("salary_period", EnumText(SalaryPeriod)),
    Column("salary_min", Integer),
    Column("salary_max", Integer),
    Column("skills", TextList, nullable=False),
    Column("posted_at", utc(), nullable=False),
    Column("status", EnumText(JobStatus), nullable=False),
    Column("closed_at", utc()),
    Column("version", Integer, nullable=False),
    Index("ix_job_postings_status_posted", "status", "posted_at"),
    Index("ix_job_postings_company", "company_id", "posted_at"),
)

job_applications = Table(
    "job_applications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("job_id", ID, ForeignKey("job_postings.id"), nullable=False),
    Column("company_id", ID, ForeignKey("users.id"), nullable=False),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False),
    Column("cv_file_id", ID, nullable=False),
    Column("cover_letter", Text, nullable=False),
    Column("submitted_at", utc(), nullable=False),
    Column("status", EnumText(ApplicationStatus), nullable=False),
    Column("status_at", utc()),
    Column("version", Integer, nullable=False),
    # One application per student and job: a repeated or racing request finds the first.
    Index("uq_job_applications_student_job", "student_id", "job_id", unique=True),
    Index("ix_job_applications_job", "job_id", "submitted_at"),
)

job_search_budget = Table(
    "job_search_budget",
    metadata,
    Column("source", String(16), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("spent", Integer, nullable=False),
)

job_saved_searches = Table(
    "job_saved_searches",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("keyword", String(120), nullable=False),
    Column("location", String(120), nullable=False),
    Column("remote_only", Boolean, nullable=False),
    Column("employment_types", TextList, nullable=False),
    Column("experience", EnumText(ExperienceLevel)),
    Column("created_at", utc(), nullable=False),
    Index("ix_job_saved_searches_user", "user_id", "created_at"),
)

student_skills = Table(
    "student_skills",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("skill", String(60), primary_key=True),
    Index("ix_student_skills_skill", "skill"),
)

job_alerts = Table(
    "job_alerts",
    metadata,
    Column("student_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("job_id", ID, ForeignKey("job_postings.id"), primary_key=True),
    Column("reason", EnumText(AlertReason), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("digest_day", String(10)),  # None while the alert waits for a digest
    Index("ix_job_alerts_waiting", "digest_day", "student_id"),
)

job_digests = Table(
    "job_digests",
    metadata,
    # The key keeps each student to one digest a day.
    Column("student_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("job_ids", TextList, nullable=False),
    Column("total", Integer, nullable=False),
    Column("created_at", utc(), nullable=False),
)



def _lock(session: Session, key: str) -> None:
    """Requests on ``key`` queue here until commit on PostgreSQL; SQLite has one writer."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


class SqlConversationRepository(TrackedRepository[Conversation]):
    kind = Conversation

    def of_user(self, user_id: str, limit: int) -> list[Conversation]:
        c = career_conversations.c
        return self._all(select(Conversation).where(c.user_id == user_id)
                         .order_by(c.updated_at.desc(), c.id).limit(limit))

    def append(self, message: ChatMessage) -> None:
        self.session.flush()  # the conversation's row first, on its first message
        self.session.execute(insert(career_messages).values(
            conversation_id=message.conversation_id, position=message.position,
            speaker=message.speaker, text=message.text, at=message.at))

    def messages(self, conversation_id: str, last: int | None = None) -> list[ChatMessage]:
        m = career_messages.c
        query = select(m.conversation_id, m.position, m.speaker, m.text, m.at).where(
            m.conversation_id == conversation_id).order_by(m.position.desc())
        if last is not None:
            query = query.limit(last)
        rows = self.session.execute(query).all()
        return [ChatMessage(r.conversation_id, r.position, r.speaker, r.text, r.at)
                for r in reversed(rows)]


class SqlCvAnalysisRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, analysis: CvAnalysis) -> None:
        a = analysis
        self.session.execute(insert(cv_analyses).values(
            id=a.id, user_id=a.user_id, provider=a.provider, created_at=a.created_at,
            summary=a.summary, strengths=a.strengths, weaknesses=a.weaknesses,
            improvements=a.improvements, ats_tips=a.ats_tips, skills=a.skills,
            file_id=a.file_id))

    def of_user(self, user_id: str, limit: int) -> list[CvAnalysis]:
        c = cv_analyses.c
        rows = self.session.execute(select(cv_analyses).where(c.user_id == user_id)
                                    .order_by(c.created_at.desc(), c.id).limit(limit))
        return [CvAnalysis(r.id, r.user_id, r.provider, r.created_at, r.summary, r.strengths,
                           r.weaknesses, r.improvements, r.ats_tips, r.skills, r.file_id)
                for r in rows]


class SqlAdvisorCallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, call: AdvisorCall) -> None:
        self.session.execute(insert(advisor_calls).values(
            id=call.id, user_id=call.user_id, kind=call.kind, provider=call.provider,
            at=call.at, prompt_tokens=call.prompt_tokens, output_tokens=call.output_tokens,
            settled=call.settled))

    def settle(self, call_id: str, prompt_tokens: int, output_tokens: int) -> None:
        self.session.execute(update(advisor_calls).where(advisor_calls.c.id == call_id).values(
            prompt_tokens=prompt_tokens, output_tokens=output_tokens, settled=True))

    def release(self, call_id: str) -> None:
        self.session.execute(delete(advisor_calls).where(advisor_calls.c.id == call_id))

    def count_since(self, user_id: str, since: datetime) -> int:
        _lock(self.session, f"advisor_calls:{user_id}")
        c = advisor_calls.c
        return int(self.session.scalar(select(func.count()).where(
            c.user_id == user_id, c.at >= since)) or 0)

    def usage(self, since: datetime, until: datetime, by_user: bool) -> list[UsageRow]:
        c = advisor_calls.c
        day = func.substr(func.cast(c.at, String), 1, 10) \
            if self.session.get_bind().dialect.name == "sqlite" else \
            func.to_char(func.timezone("UTC", c.at), "YYYY-MM-DD")
        columns = [day.label("day"), *([c.user_id] if by_user else [])]
        rows = self.session.execute(
            select(*columns, func.count().label("calls"),
                   func.sum(c.prompt_tokens).label("prompt"),
                   func.sum(c.output_tokens).label("output"))
            .where(c.settled.is_(True), c.at >= since, c.at < until)
            .group_by(*columns).order_by(day.desc(), *([c.user_id] if by_user else [])))
        return [UsageRow(r.day, r.user_id if by_user else None, r.calls, int(r.prompt or 0),
                         int(r.output or 0)) for r in rows]


class SqlJobPostingRepository(TrackedRepository[JobPosting]):
    kind = JobPosting

    def search(self, query: JobQuery, since: datetime | None, offset: int,
               limit: int) -> tuple[list[JobPosting], int]:
        c = job_postings.c
        where: list[Any] = [c.status == JobStatus.OPEN]
        searched = func.lower(c.title + " " + c.company + " " + c.description)
        for word in search_words(query.keyword):
            where.append(or_(searched.contains(word, autoescape=True),
                             func.lower(func.cast(c.skills, String)).contains(
                                 word, autoescape=True)))
        for word in search_words(query.location or ""):
            where.append(func.lower(c.location).contains(word, autoescape=True))
        if query.remote_only:
            where.append(c.remote.is_(True))
        if query.employment_types:
            where.append(c.employment_type.in_(sorted(query.employment_types)))
        if query.experience is not None:
            where.append(c.experience == query.experience)
        if since is not None:
            where.append(c.posted_at >= since)
        total = int(self.session.scalar(select(func.count()).where(and_(*where))) or 0)
        found = self._all(select(JobPosting).where(and_(*where))
                          .order_by(c.posted_at.desc(), c.id).offset(offset).limit(limit))
        return found, total


class SqlJobApplicationRepository(TrackedRepository[JobApplication]):
    kind = JobApplication

    def of_student_for(self, student_id: str, job_id: str) -> JobApplication | None:
        c = job_applications.c
        return self._one(select(JobApplication).where(c.student_id == student_id,
                                                      c.job_id == job_id))

    def of_job(self, job_id: str, limit: int) -> list[JobApplication]:
        c = job_applications.c
        return self._all(select(JobApplication).where(c.job_id == job_id)
                         .order_by(c.submitted_at, c.id).limit(limit))

    def of_student(self, student_id: str, limit: int) -> list[JobApplication]:
        c = job_applications.c
        return self._all(select(JobApplication).where(c.student_id == student_id)
                         .order_by(c.submitted_at.desc(), c.id).limit(limit))


class SqlSearchBudget:
    def __init__(self, session: Session) -> None:
        self.session = session

    def spend(self, source: str, month: str, limit: int) -> bool:
        self.session.execute(dialect_insert(self.session)(job_search_budget).values(
            source=source, month=month, spent=0).on_conflict_do_nothing(
            index_elements=["source", "month"]))
        c = job_search_budget.c
        taken = self.session.execute(update(job_search_budget).where(
            c.source == source, c.month == month, c.spent < limit).values(
            spent=c.spent + 1))
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def _saved_search(row: Any) -> SavedSearch:
    return SavedSearch(row.id, row.user_id, row.keyword, row.location, row.remote_only,
                       tuple(EmploymentType(kind) for kind in row.employment_types),
                       row.experience, row.created_at)


class SqlSavedSearchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, search: SavedSearch) -> None:
        s = search
        self.session.execute(insert(job_saved_searches).values(
            id=s.id, user_id=s.user_id, keyword=s.keyword, location=s.location,
            remote_only=s.remote_only, employment_types=[k.value for k in s.employment_types],
            experience=s.experience, created_at=s.created_at))

    def get(self, search_id: str) -> SavedSearch | None:
        row = self.session.execute(select(job_saved_searches).where(
            job_saved_searches.c.id == search_id)).first()
        return None if row is None else _saved_search(row)

    def remove(self, search_id: str) -> None:
        self.session.execute(delete(job_saved_searches).where(
            job_saved_searches.c.id == search_id))

    def of_user(self, user_id: str) -> list[SavedSearch]:
        c = job_saved_searches.c
        return [_saved_search(row) for row in self.session.execute(
            select(job_saved_searches).where(c.user_id == user_id)
            .order_by(c.created_at, c.id))]

    def count_of(self, user_id: str) -> int:
        _lock(self.session, f"job_saved_searches:{user_id}")
        return int(self.session.scalar(select(func.count()).where(
            job_saved_searches.c.user_id == user_id)) or 0)

    def after(self, search_id: str, limit: int) -> list[SavedSearch]:
        c = job_saved_searches.c
        return [_saved_search(row) for row in self.session.execute(
            select(job_saved_searches).where(c.id > search_id).order_by(c.id).limit(limit))]


class SqlStudentSkills:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, user_id: str, skills: Sequence[str]) -> None:
        self.session.execute(delete(student_skills).where(student_skills.c.user_id == user_id))
        if skills:
            self.session.execute(insert(student_skills), [
                {"user_id": user_id, "skill": skill[:60]} for skill in skills])

    def holders(self, skills: Sequence[str], at_least: int) -> list[str]:
        c = student_skills.c
        return list(self.session.scalars(
            select(c.user_id).where(c.skill.in_(list(skills))).group_by(c.user_id)
            .having(func.count() >= at_least).order_by(c.user_id)))


class SqlJobAlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def queue(self, job_id: str, students: Mapping[str, AlertReason], at: datetime) -> int:
        if not students:
            return 0
        rows = [{"student_id": student, "job_id": job_id, "reason": reason, "created_at": at,
                 "digest_day": None} for student, reason in students.items()]
        added = 0
        for start in range(0, len(rows), 500):  # within SQLite's bound parameters
            # RETURNING, not rowcount: psycopg counts a skipped row of ON CONFLICT DO NOTHING.
            added += len(self.session.execute(
                dialect_insert(self.session)(job_alerts).values(rows[start:start + 500])
                .on_conflict_do_nothing(index_elements=["student_id", "job_id"])
                .returning(job_alerts.c.student_id)).all())
        return added

    def waiting(self, day: str, limit: int) -> list[str]:
        a, d = job_alerts.c, job_digests.c
        had = select(d.student_id).where(d.student_id == a.student_id, d.day == day).exists()
        return list(self.session.scalars(
            select(a.student_id).where(a.digest_day.is_(None), ~had).group_by(a.student_id)
            .order_by(a.student_id).limit(limit)))

    def waiting_for(self, student_id: str, limit: int) -> list[str]:
        a = job_alerts.c
        return list(self.session.scalars(
            select(a.job_id).where(a.student_id == student_id, a.digest_day.is_(None))
            .order_by(a.created_at.desc(), a.job_id).limit(limit)))

    def take_day(self, digest: JobDigest, at: datetime) -> bool:
        # RETURNING, not rowcount: psycopg counts a skipped row of ON CONFLICT DO NOTHING.
        taken = self.session.execute(
            dialect_insert(self.session)(job_digests).values(
                student_id=digest.student_id, day=digest.day, job_ids=list(digest.job_ids),
                total=digest.total, created_at=at).on_conflict_do_nothing(
                index_elements=["student_id", "day"]).returning(job_digests.c.day))
        return taken.first() is not None

    def mark(self, student_id: str, job_ids: Sequence[str], day: str) -> None:
        a = job_alerts.c
        self.session.execute(update(job_alerts).where(
            a.student_id == student_id, a.job_id.in_(list(job_ids)), a.digest_day.is_(None))
            .values(digest_day=day))

    def digest(self, student_id: str, day: str) -> JobDigest | None:
        d = job_digests.c
        row = self.session.execute(select(job_digests).where(
            d.student_id == student_id, d.day == day)).first()
        return None if row is None else JobDigest(row.student_id, row.day,
                                                  tuple(row.job_ids), row.total)


def map_career(mapper: registry) -> None:
    # Two turns of one conversation, two moves of one application: the UPDATE names its
    # version, the second loses.
    for cls, table in ((Conversation, career_conversations), (JobPosting, job_postings),
                       (JobApplication, job_applications)):
        mapper.map_imperatively(cls, table, version_id_col=table.c.version,
                                version_id_generator=False)


class SqlCareerUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "conversations": lambda uow: SqlConversationRepository(uow.session, uow.tracker),
        "analyses": lambda uow: SqlCvAnalysisRepository(uow.session),
        "calls": lambda uow: SqlAdvisorCallRepository(uow.session),
        "jobs": lambda uow: SqlJobPostingRepository(uow.session, uow.tracker),
        "applications": lambda uow: SqlJobApplicationRepository(uow.session, uow.tracker),
        "budget": lambda uow: SqlSearchBudget(uow.session),
        "saved_searches": lambda uow: SqlSavedSearchRepository(uow.session),
        "skills": lambda uow: SqlStudentSkills(uow.session),
        "alerts": lambda uow: SqlJobAlertRepository(uow.session),
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "shelf": lambda uow: SqlCourseShelf(uow.session),
        "audit": audit_log,
    }
