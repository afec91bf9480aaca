"""Institutions' part: the person stops being an institution's admin. What they did to an
institution stays in its activity trail (with the alerts they acknowledged and the
broadcasts they sent) under their pseudonymous id, as the audit log keeps it;
institutions themselves are organisations, not people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from adapters.outbound.persistence.institutions import (
    institution_activity,
    institution_admins,
    institution_alerts,
    institution_broadcasts,
    institutions,
)
from adapters.outbound.persistence.privacy.rows import SqlSection, records
from application.shared.privacy import Person
from domain.shared.events import Event


class InstitutionsPersonalData(SqlSection):
    name = "institutions"
    tables = ("institution_admins", "institution_activity", "institution_alerts",
              "institution_broadcasts")

    def export(self, person: Person) -> dict[str, Any]:
        admin, i, act = institution_admins.c, institutions.c, institution_activity.c
        runs = records(self.session, select(i.id, i.name, i.domain).join_from(
            institution_admins, institutions, admin.institution_id == i.id)
            .where(admin.user_id == person.user_id))
        return {
            "institution_run": runs[0] if runs else None,
            "activity": records(self.session, select(
                act.institution_id, act.kind, act.description, act.at)
                .where(act.actor_id == person.user_id).order_by(act.at, act.id)),
            "alerts_acknowledged": records(self.session, select(
                institution_alerts.c.id, institution_alerts.c.acknowledged_at)
                .where(institution_alerts.c.acknowledged_by == person.user_id)
                .order_by(institution_alerts.c.acknowledged_at)),
            "broadcasts_sent": records(self.session, select(
                institution_broadcasts.c.id, institution_broadcasts.c.title,
                institution_broadcasts.c.created_at)
                .where(institution_broadcasts.c.created_by == person.user_id)
                .order_by(institution_broadcasts.c.created_at)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        self.session.execute(delete(institution_admins).where(
            institution_admins.c.user_id == person.user_id))
        return ()
