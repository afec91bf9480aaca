"""Identity's part: verifications and the teacher application are deleted; the verifier is
asked after the commit to delete what it holds of each session (``VerifierSessionErased``).
What the person decided as a reviewer keeps their pseudonymous id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from adapters.outbound.persistence.identity import identity_verifications, teacher_applications
from adapters.outbound.persistence.privacy.rows import SqlSection, records
from application.shared.privacy import Person
from domain.identity.erasure import VerifierSessionErased
from domain.shared.events import Event


class IdentityPersonalData(SqlSection):
    name = "identity"
    tables = ("identity_verifications", "teacher_applications")

    def export(self, person: Person) -> dict[str, Any]:
        v, a = identity_verifications.c, teacher_applications.c
        application = records(self.session, select(
            a.id, a.status, a.headline, a.bio, a.submitted_at, a.decided_at, a.reason)
            .where(a.user_id == person.user_id))
        return {
            "verifications": records(self.session, select(
                v.id, v.provider, v.status, v.created_at, v.status_at, v.decided_at,
                v.document_type, v.issuing_country, v.decline_reason)
                .where(v.user_id == person.user_id).order_by(v.created_at, v.id)),
            "teacher_application": application[0] if application else None,
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        v = identity_verifications.c
        sessions = self.session.execute(select(v.provider, v.session_id)
                                        .where(v.user_id == person.user_id)).all()
        self.session.execute(delete(identity_verifications).where(v.user_id == person.user_id))
        self.session.execute(delete(teacher_applications).where(
            teacher_applications.c.user_id == person.user_id))
        return [VerifierSessionErased(provider=row.provider, session_id=row.session_id)
                for row in sessions]
