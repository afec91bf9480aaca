"""Messaging's published interface: how any area tells a person something (``Notifier``),
and publishes on a real-time channel it owns (``RealtimePublisher``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.shared.errors import DomainError

# Pusher's documented limit for one event's data; we hold every event under it.
MAX_EVENT_BYTES = 10 * 1024


@dataclass(frozen=True)
class Recipient:
    """Whom a message is for, as the area that sends it knows them; ``user_id`` None for an
    address with no account (it gets the email, no in-app notice)."""

    user_id: str | None
    email: str
    name: str
    locale: str = "en"


@dataclass(frozen=True)
class Notice:
    """One thing to tell a person. ``kind`` names its templates (``MessageKind``).
    ``context`` feeds the email only and may hold a link with a token: it is never stored.
    ``data`` (ids and small fields) is kept in the in-app inbox and sent in real time.
    ``idempotency_key`` makes a repeated notice (a retried job) a no-op."""

    recipient: Recipient
    kind: str
    idempotency_key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)


def user_channel(user_id: str) -> str:
    """The private channel only the user may subscribe to (the accounts area's rule)."""
    return f"private-user.{user_id}"


class Notifier(Protocol):
    def notify(self, notice: Notice) -> None:
        """Stores the in-app notification (at most once per key), then emails it unless the
        person turned that kind off or the address is suppressed, recording the delivery.
        Raises ``DeliveryFailed`` for a transient mail failure (the caller's job retries,
        and nothing is stored twice); ``InvalidValue`` for an unknown kind or locale."""


class MailDeliverability(Protocol):
    def undeliverable(self, address: str) -> str | None:
        """Why mail no longer goes to ``address`` ("bounced", "complained"); None when it
        does."""


class RealtimePublisher(Protocol):
    provider: str

    def publish(self, channels: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        """Triggers ``event`` on the channels (1 to 100) with ``data`` (ids and small fields,
        JSON-encoded under ``MAX_EVENT_BYTES``, else ``ValueError`` before anything is
        sent). Call only after a commit. Raises ``DeliveryFailed`` when the service is
        unreachable or refuses us."""

    def authorize(self, socket_id: str, channel: str,
                  member: Mapping[str, Any] | None = None) -> dict[str, str]:
        """What a client needs to subscribe to a private channel, or a presence one with
        ``member`` (``user_id`` and ``user_info``): ``{"auth": ...}`` and for presence
        ``channel_data``. Raises ``ChannelsUnavailable`` where there is no channel service."""


class ChannelsUnavailable(DomainError):
    """No real-time channel service is configured: clients poll the in-app inbox."""

    code = "channels_unavailable"
