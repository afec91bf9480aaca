"""Career's part: the person's conversations with the advisor, CV analyses, advisor calls,
applications, saved searches, skills, job alerts and digests are deleted. Jobs a company
posted are a business's, not a person's: they are closed and kept, with the applications
other people made to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from adapters.outbound.persistence.career import (
    advisor_calls,
    career_conversations,
    career_messages,
    cv_analyses,
    job_alerts,
    job_applications,
    job_digests,
    job_postings,
    job_saved_searches,
    student_skills,
)
from adapters.outbound.persistence.privacy.rows import SqlSection, records
from application.shared.privacy import Person
from domain.career.jobs import JobStatus
from domain.shared.events import Event


class CareerPersonalData(SqlSection):
    name = "career"
    tables = ("career_conversations", "career_messages", "cv_analyses", "advisor_calls",
              "job_postings", "job_applications", "job_saved_searches", "student_skills",
              "job_alerts", "job_digests")

    def export(self, person: Person) -> dict[str, Any]:
        conv, m = career_conversations.c, career_messages.c
        a, call, app, job = (cv_analyses.c, advisor_calls.c, job_applications.c,
                             job_postings.c)
        conversations = records(self.session, select(conv.id, conv.title, conv.started_at)
                                .where(conv.user_id == person.user_id)
                                .order_by(conv.started_at, conv.id))
        for conversation in conversations:
            conversation["messages"] = records(self.session, select(m.speaker, m.text, m.at)
                                               .where(m.conversation_id == conversation["id"])
                                               .order_by(m.position))
        return {
            "conversations": conversations,
            "cv_analyses": records(self.session, select(
                a.id, a.created_at, a.summary, a.strengths, a.weaknesses, a.improvements,
                a.ats_tips, a.skills).where(a.user_id == person.user_id)
                .order_by(a.created_at, a.id)),
            "advisor_calls": records(self.session, select(
                call.at, call.kind, call.provider, call.prompt_tokens, call.output_tokens)
                .where(call.user_id == person.user_id).order_by(call.at, call.id)),
            "job_applications": records(self.session, select(
                app.id, app.job_id, app.status, app.cover_letter, app.submitted_at,
                app.status_at).where(app.student_id == person.user_id)
                .order_by(app.submitted_at, app.id)),
            "job_postings": records(self.session, select(
                job.id, job.title, job.company, job.status, job.posted_at)
                .where(job.company_id == person.user_id).order_by(job.posted_at, job.id)),
            **self._alerts(person),
        }

    def _alerts(self, person: Person) -> dict[str, Any]:
        s, k, al, d = (job_saved_searches.c, student_skills.c, job_alerts.c, job_digests.c)
        return {
            "saved_searches": records(self.session, select(
                s.id, s.keyword, s.location, s.remote_only, s.employment_types, s.experience,
                s.created_at).where(s.user_id == person.user_id).order_by(s.created_at, s.id)),
            "skills": [row.skill for row in self.session.execute(
                select(k.skill).where(k.user_id == person.user_id).order_by(k.skill))],
            "job_alerts": records(self.session, select(
                al.job_id, al.reason, al.created_at, al.digest_day)
                .where(al.student_id == person.user_id).order_by(al.created_at, al.job_id)),
            "job_digests": records(self.session, select(d.day, d.job_ids, d.total)
                                   .where(d.student_id == person.user_id).order_by(d.day)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        conv = career_conversations.c
        owned = select(conv.id).where(conv.user_id == person.user_id)
        self.session.execute(delete(career_messages).where(
            career_messages.c.conversation_id.in_(owned)))
        self.session.execute(delete(career_conversations).where(conv.user_id == person.user_id))
        for table, column in ((cv_analyses, cv_analyses.c.user_id),
                              (advisor_calls, advisor_calls.c.user_id),
                              (job_applications, job_applications.c.student_id),
                              (job_saved_searches, job_saved_searches.c.user_id),
                              (student_skills, student_skills.c.user_id),
                              (job_alerts, job_alerts.c.student_id),
                              (job_digests, job_digests.c.student_id)):
            self.session.execute(delete(table).where(column == person.user_id))
        job = job_postings.c
        self.session.execute(update(job_postings).where(
            job.company_id == person.user_id, job.status == JobStatus.OPEN).values(
            status=JobStatus.CLOSED, closed_at=now, version=job.version + 1))
        return ()
