"""A person turns emails of some kinds of message on or off (never security messages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.messaging.get_notification_preferences import KindPreference, describe
from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Principal
from domain.messaging.model import MessageKind, Preferences
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class ChangeNotificationPreferencesCommand:
    actor: Principal
    email: Mapping[str, bool]  # kind -> emailed


class ChangeNotificationPreferences:
    def __init__(self, uow: MessagingUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, cmd: ChangeNotificationPreferencesCommand) -> list[KindPreference]:
        unknown = sorted(set(cmd.email) - set(MessageKind._value2member_map_))
        if unknown:
            raise InvalidValue(f"no messages of kind: {', '.join(unknown)}")
        with self.uow:
            preferences = self.uow.preferences.get(cmd.actor.user_id) or Preferences(
                cmd.actor.user_id)
            for kind, email in cmd.email.items():
                preferences.choose(MessageKind(kind), email)
            self.uow.preferences.save(preferences)
            self.uow.commit()
        return describe(preferences)
