"""The accounts' part: the profile, sessions, failed sign-ins and past exports. Erased, the
account is anonymised in place (``User.erase``: its id stays, for what the law keeps), its
sessions, failed sign-ins and exports deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from adapters.outbound.persistence.accounts import login_attempts, refresh_tokens, users
from adapters.outbound.persistence.privacy.exports import data_exports
from adapters.outbound.persistence.privacy.rows import SqlSection, records
from application.shared.privacy import Person
from domain.accounts.model import User
from domain.accounts.throttle import attempts_key
from domain.shared.events import Event


class AccountsPersonalData(SqlSection):
    name = "account"
    tables = ("users", "refresh_tokens", "login_attempts", "data_exports")

    def export(self, person: Person) -> dict[str, Any]:
        u, r, e = users.c, refresh_tokens.c, data_exports.c
        profile = records(self.session, select(
            u.id, u.email, u.full_name, u.role, u.locale, u.created_at, u.email_verified_at,
            u.password_changed_at).where(u.id == person.user_id))
        attempts = records(self.session, select(
            login_attempts.c.failures, login_attempts.c.last_failed_at,
            login_attempts.c.blocked_until).where(
            login_attempts.c.key == attempts_key(person.email)))
        return {
            "profile": profile[0] if profile else None,
            "sessions": records(self.session, select(
                r.created_at, r.expires_at, r.used_at, r.revoked_at)
                .where(r.user_id == person.user_id).order_by(r.created_at, r.id)),
            "failed_sign_ins": attempts[0] if attempts else None,
            "data_exports": records(self.session, select(
                e.id, e.status, e.requested_at, e.ready_at, e.expires_at)
                .where(e.user_id == person.user_id).order_by(e.requested_at, e.id)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        user = self.session.get(User, person.user_id)
        if user is not None:
            user.erase(now)
        self.session.execute(delete(refresh_tokens).where(
            refresh_tokens.c.user_id == person.user_id))
        self.session.execute(delete(login_attempts).where(
            login_attempts.c.key == attempts_key(person.email)))
        self.session.execute(delete(data_exports).where(
            data_exports.c.user_id == person.user_id))
        return ()
