"""Lets a signed-in person subscribe to a private or presence channel (what pusher-js asks
``/broadcasting/auth`` for): the areas' rules decide, the channel service signs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.messaging.channels import (
    ENCRYPTED,
    PRESENCE,
    SOCKET_ID,
    ChannelRules,
    channel_name_problem,
    is_authorized_channel,
)
from application.messaging.ports import MemberDirectory
from application.messaging.published import RealtimePublisher
from application.shared.ports import Principal
from domain.shared.errors import InvalidValue, PermissionDenied


@dataclass(frozen=True)
class AuthorizeChannelCommand:
    principal: Principal
    socket_id: str  # the connection's id, as pusher-js sends it ("1234.5678")
    channel_name: str


class AuthorizeChannel:
    """Raises ``InvalidValue`` for a malformed socket id or channel name (or a public or
    encrypted channel, which this does not authorize), ``PermissionDenied`` when no rule lets
    the caller in, and ``ChannelsUnavailable`` where there is no channel service."""

    def __init__(self, publisher: RealtimePublisher, rules: ChannelRules,
                 members: MemberDirectory) -> None:
        self.publisher, self.rules, self.members = publisher, rules, members

    def __call__(self, command: AuthorizeChannelCommand) -> dict[str, str]:
        socket_id, channel = command.socket_id, command.channel_name
        if not SOCKET_ID.match(socket_id):
            raise InvalidValue("socket_id must be the connection's id, two numbers joined by "
                               "a dot (1234.5678)")
        problem = channel_name_problem(channel)
        if problem is not None:
            raise InvalidValue(problem)
        if not is_authorized_channel(channel):
            raise InvalidValue(f"{channel} is a public channel: subscribe to it without an "
                               "authorization")
        if channel.startswith(ENCRYPTED):
            raise InvalidValue("encrypted channels are not offered")
        principal = command.principal
        self.rules.decide(principal, channel)
        member: dict[str, Any] | None = None
        if channel.startswith(PRESENCE):
            name = self.members.name(principal.user_id)
            if name is None:
                raise PermissionDenied("your account is gone; sign in again")
            member = {"user_id": principal.user_id,
                      "user_info": {"name": name, "role": principal.role}}
        return self.publisher.authorize(socket_id, channel, member)
