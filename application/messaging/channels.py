"""Real-time channels: what a channel name and an event may be (Pusher's rules, checked
before anything is sent), and who may subscribe to which private or presence channel (the
rules the areas owning the channels declare, decided here in one place).

Public channels (``course.{id}``, ``job-board``) need no authorization; ``private-`` channels
need a rule that lets the caller in; ``presence-`` ones also say who the member is."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.messaging.published import MAX_EVENT_BYTES
from application.shared.ports import Principal
from domain.shared.errors import PermissionDenied

# Pusher: letters, digits and _-=@,.; only, and at most 164 characters, prefix included
# (the SDK allows 200, Pusher's documentation says 164: we hold the stricter one).
CHANNEL_NAME = re.compile(r"\A[-a-zA-Z0-9_=@,.;]+\Z")
MAX_CHANNEL_NAME = 164
MAX_EVENT_NAME = 200
MAX_CHANNELS = 100
SOCKET_ID = re.compile(r"\A\d+\.\d+\Z")
PRIVATE, PRESENCE, ENCRYPTED = "private-", "presence-", "private-encrypted-"
_RESERVED_EVENTS = ("pusher:", "pusher_internal:")
# What ``{id}`` stands for in a rule's pattern: one segment of a channel name (no dot).
_ID_PART = r"[-a-zA-Z0-9_=@,;]+"


def channel_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a channel's name, or None when it can."""
    if not name:
        return "a channel name is needed"
    if len(name) > MAX_CHANNEL_NAME:
        return f"a channel name has at most {MAX_CHANNEL_NAME} characters"
    if not CHANNEL_NAME.match(name):
        return "a channel name has only letters, digits and the characters _-=@,.;"
    return None


def is_authorized_channel(name: str) -> bool:
    """Private and presence channels need an authorization to subscribe; public ones not."""
    return name.startswith((PRIVATE, PRESENCE))


def encode_event(channels: Sequence[str], event: str, data: Mapping[str, Any]) -> str:
    """``data`` as the JSON text sent, once every rule holds: 1 to 100 valid channel names,
    an event name of at most 200 characters outside Pusher's own ``pusher:`` events, and at
    most ``MAX_EVENT_BYTES`` of UTF-8. Raises ``ValueError`` otherwise (nothing is sent)."""
    if isinstance(channels, str) or not MAX_CHANNELS >= len(channels) >= 1:
        raise ValueError(f"an event goes to 1 to {MAX_CHANNELS} channels (a list of names)")
    for name in channels:
        problem = channel_name_problem(name)
        if problem is not None:
            raise ValueError(f"{problem}: {name[:MAX_CHANNEL_NAME]!r}")
    if not event or len(event) > MAX_EVENT_NAME or event.startswith(_RESERVED_EVENTS):
        raise ValueError(f"an event name has 1 to {MAX_EVENT_NAME} characters and does not "
                         "start with pusher:")
    try:
        text = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"event data must be JSON values: {error}") from error
    size = len(text.encode())
    if size > MAX_EVENT_BYTES:
        raise ValueError(f"event data is {size} bytes, more than {MAX_EVENT_BYTES}")
    return text


Check = Callable[[Principal, str], bool]


@dataclass(frozen=True)
class ChannelRule:
    """Who may subscribe to the channels named like ``pattern``, where ``{id}`` stands for
    one segment of the name (``private-user.{id}``): ``allows(principal, id)`` decides, the
    id being ``""`` for a pattern without one (``private-admin``)."""

    pattern: str
    allows: Check = field(compare=False)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_authorized_channel(self.pattern):
            raise ValueError(f"a channel rule is for private- or presence- channels, not "
                             f"{self.pattern!r}")
        if self.pattern.count("{id}") > 1:
            raise ValueError(f"a channel rule names at most one {{id}}: {self.pattern!r}")
        before, _, after = self.pattern.partition("{id}")
        body = re.escape(before) + (f"(?P<id>{_ID_PART})" if "{id}" in self.pattern else "")
        object.__setattr__(self, "_regex", re.compile(rf"\A{body}{re.escape(after)}\Z"))

    def match(self, channel: str) -> str | None:
        """The channel's id part when its name fits the pattern (``""`` without one), else
        None."""
        found = self._regex.match(channel)
        if found is None:
            return None
        return found.group("id") if "id" in found.groupdict() else ""


@dataclass(frozen=True)
class ChannelRules:
    """Every area's rules; the first whose pattern fits the channel decides. A channel no
    rule covers is refused."""

    rules: Sequence[ChannelRule] = ()

    def decide(self, principal: Principal, channel: str) -> None:
        """Returns when ``principal`` may subscribe; raises ``PermissionDenied`` otherwise."""
        for rule in self.rules:
            found = rule.match(channel)
            if found is not None:
                if rule.allows(principal, found):
                    return
                raise PermissionDenied(f"you may not subscribe to {channel}")
        raise PermissionDenied(f"there is no channel {channel} to subscribe to")
