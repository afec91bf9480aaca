"""The embedded default real-time publisher: no channel service, a log line per event.

Publishing logs the event's name and channels (never its data); authorizing a subscription
raises ``ChannelsUnavailable``, so clients fall back to polling the in-app inbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from application.messaging.channels import encode_event
from application.messaging.published import ChannelsUnavailable

log = logging.getLogger(__name__)


class LogRealtimePublisher:
    provider = "log"

    def publish(self, channels: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        encode_event(channels, event, data)  # the same rules as a real service
        log.info("realtime event (no channel service configured)",
                 extra={"event": event, "channels": list(channels)})

    def authorize(self, socket_id: str, channel: str,
                  member: Mapping[str, Any] | None = None) -> dict[str, str]:
        raise ChannelsUnavailable("no real-time channel service is configured here; read the "
                                  "notifications inbox instead")
