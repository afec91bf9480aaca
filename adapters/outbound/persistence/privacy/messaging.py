"""Messaging's part: the in-app inbox and the preferences are deleted; the delivery log keeps
what was sent and how it went, to an address that reaches nobody; the person's address
leaves the suppression list (no account mails it any more)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update

from adapters.outbound.persistence.messaging import (
    message_deliveries,
    notification_preferences,
    notifications,
    suppressions,
)
from adapters.outbound.persistence.privacy.rows import SqlSection, records, scrub
from application.shared.privacy import Person
from domain.shared.events import Event


class MessagingPersonalData(SqlSection):
    name = "messages"
    tables = ("notifications", "notification_preferences", "message_deliveries",
              "suppressions")

    def _deliveries(self, person: Person) -> Any:
        c = message_deliveries.c
        return or_(c.user_id == person.user_id, c.recipient == person.email.lower())

    def export(self, person: Person) -> dict[str, Any]:
        n, d = notifications.c, message_deliveries.c
        preferences = records(self.session, select(notification_preferences.c.email_off)
                              .where(notification_preferences.c.id == person.user_id))
        suppressed = records(self.session, select(
            suppressions.c.reason, suppressions.c.provider, suppressions.c.created_at)
            .where(suppressions.c.id == person.email.lower()))
        return {
            "notifications": records(self.session, select(
                n.kind, n.text, n.data, n.created_at, n.read_at)
                .where(n.user_id == person.user_id).order_by(n.created_at, n.id)),
            "emails": records(self.session, select(
                d.kind, d.recipient, d.locale, d.status, d.provider, d.provider_message_id,
                d.created_at, d.updated_at).where(self._deliveries(person))
                .order_by(d.created_at, d.id)),
            "preferences": preferences[0] if preferences else None,
            "address_suppressed": suppressed[0] if suppressed else None,
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        d = message_deliveries.c
        self.session.execute(delete(notifications).where(
            notifications.c.user_id == person.user_id))
        self.session.execute(delete(notification_preferences).where(
            notification_preferences.c.id == person.user_id))
        scrub(self.session, message_deliveries, self._deliveries(person), [d.last_error], person)
        self.session.execute(update(message_deliveries).where(self._deliveries(person))
                             .values(recipient=person.erased_email))
        self.session.execute(delete(suppressions).where(
            suppressions.c.id == person.email.lower()))
        return ()
