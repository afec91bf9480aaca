"""Live classes' part: attendance, credits and consultations are kept with the pseudonymous
id (what a person paid in credits and for which minutes is a record of the sale, and the
attendance a teacher's); the person's name leaves the titles they wrote and the reasons of
their credit entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from adapters.outbound.persistence.consultations import consultation_services, consultations
from adapters.outbound.persistence.live import (
    credit_balances,
    credit_entries,
    live_participants,
    live_presences,
    live_sessions,
)
from adapters.outbound.persistence.privacy.rows import SqlSection, records, scrub
from application.shared.privacy import Person
from domain.shared.events import Event


class LivePersonalData(SqlSection):
    name = "live"
    tables = ("live_sessions", "live_participants", "live_presences", "credit_entries",
              "credit_balances", "consultation_services", "consultations")

    def export(self, person: Person) -> dict[str, Any]:
        s, p, pr = live_sessions.c, live_participants.c, live_presences.c
        b, e, cs, c = credit_balances.c, credit_entries.c, consultation_services.c, consultations.c
        uid = person.user_id
        attendance = records(self.session, select(p.id, p.session_id, p.role, p.joined_at)
                             .where(p.user_id == uid).order_by(p.joined_at, p.id))
        presences = records(self.session, select(
            pr.participant_id, pr.started_at, pr.last_seen_at, pr.ended_at)
            .join(live_participants, p.id == pr.participant_id).where(p.user_id == uid)
            .order_by(pr.started_at, pr.id))
        for seat in attendance:
            seat["presences"] = [{k: v for k, v in stretch.items() if k != "participant_id"}
                                 for stretch in presences
                                 if stretch["participant_id"] == seat["id"]]
            del seat["id"]
        return {
            "sessions_taught": records(self.session, select(
                s.id, s.course_id, s.title, s.starts_at, s.planned_minutes, s.status,
                s.started_at, s.ended_at).where(s.teacher_id == uid)
                .order_by(s.starts_at, s.id)),
            "attendance": attendance,
            "credit_balances": records(self.session, select(b.currency, b.available, b.held)
                                       .where(b.user_id == uid).order_by(b.currency)),
            "credit_entries": records(self.session, select(
                e.kind, e.amount_minor, e.currency, e.reason, e.reference, e.occurred_at)
                .where(e.user_id == uid).order_by(e.occurred_at, e.id)),
            "consultation_services": records(self.session, select(
                cs.id, cs.title, cs.base_fee_minor, cs.per_minute_minor, cs.currency,
                cs.active, cs.created_at).where(cs.provider_id == uid)
                .order_by(cs.created_at, cs.id)),
            "consultations": records(self.session, select(
                c.id, c.service_id, c.student_id, c.provider_id, c.started_at, c.ended_at,
                c.status, c.stop_reason, c.billed_minutes, c.cost_minor, c.currency)
                .where(or_(c.student_id == uid, c.provider_id == uid))
                .order_by(c.started_at, c.id)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        uid = person.user_id
        scrub(self.session, credit_entries, credit_entries.c.user_id == uid,
              [credit_entries.c.reason], person)
        scrub(self.session, consultation_services, consultation_services.c.provider_id == uid,
              [consultation_services.c.title], person)
        scrub(self.session, live_sessions, live_sessions.c.teacher_id == uid,
              [live_sessions.c.title], person)
        return ()
