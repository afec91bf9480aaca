"""Per kind of message, whether a person also gets it by email."""

from __future__ import annotations

from dataclasses import dataclass

from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Principal
from domain.messaging.model import MessageKind, Preferences


@dataclass(frozen=True)
class KindPreference:
    kind: str
    email: bool
    can_turn_off: bool


def describe(preferences: Preferences) -> list[KindPreference]:
    return [KindPreference(kind.value, preferences.emails(kind), not kind.is_security)
            for kind in MessageKind]


class GetNotificationPreferences:
    def __init__(self, uow: MessagingUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal) -> list[KindPreference]:
        with self.uow:
            found = self.uow.preferences.get(actor.user_id)
        return describe(found or Preferences(actor.user_id))
