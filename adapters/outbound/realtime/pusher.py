"""Pusher Channels (or any server speaking its HTTP API, such as a self-hosted soketi)
through the ``pusher`` SDK (vendor-contracts.md, section 9).

Every rule of an event is checked before the request (the SDK's own size check is looser
than the service's 10 KB). Errors become ``DeliveryFailed``: the SDK's exceptions, a
connection failure or timeout, and soketi's way of refusing, a 200 answer with an
``{"error": ..., "code": ...}`` body."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pusher
import requests
from pusher.errors import PusherError

from application.messaging.channels import PRESENCE, SOCKET_ID, channel_name_problem, encode_event
from application.shared.errors import DeliveryFailed

log = logging.getLogger(__name__)


def build_pusher_client(app_id: str, key: str, secret: str, *, cluster: str | None = None,
                        host: str | None = None, port: int | None = None,
                        scheme: str = "https", timeout_seconds: float = 5) -> pusher.Pusher:
    """The SDK's client: Pusher's host for ``cluster`` unless ``host`` is given (soketi)."""
    return pusher.Pusher(app_id=app_id, key=key, secret=secret, cluster=cluster, host=host,
                         port=port, ssl=scheme == "https", timeout=timeout_seconds)


class PusherRealtimePublisher:
    provider = "pusher"

    def __init__(self, client: pusher.Pusher) -> None:
        self._client = client

    def publish(self, channels: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        text = encode_event(channels, event, data)  # ValueError: nothing is sent
        names = list(channels)
        try:
            # A string goes to the service as it is: what was measured is what is sent.
            answer = self._client.trigger(names, event, text)
        except (PusherError, requests.RequestException, ValueError) as error:
            # ValueError: a body that is not JSON. The SDK's messages may quote the request.
            raise DeliveryFailed(f"the channel service failed: {type(error).__name__}") from error
        if isinstance(answer, dict) and "error" in answer:
            raise DeliveryFailed(f"the channel service refused the event "
                                 f"(code {answer.get('code')}): {answer.get('error')}")
        log.debug("realtime event sent", extra={"event": event, "channels": len(names)})

    def authorize(self, socket_id: str, channel: str,
                  member: Mapping[str, Any] | None = None) -> dict[str, str]:
        if not SOCKET_ID.match(socket_id):
            raise ValueError("socket_id must be two numbers joined by a dot")
        problem = channel_name_problem(channel)
        if problem is not None:
            raise ValueError(problem)
        presence = channel.startswith(PRESENCE)
        if presence and not (member and member.get("user_id")):
            raise ValueError("a presence channel needs the member's user_id")
        # Only a presence channel signs the member: soketi checks a private one without it.
        signed = self._client.authenticate(channel, socket_id,
                                           dict(member) if presence and member else None)
        return {name: str(value) for name, value in signed.items()}
