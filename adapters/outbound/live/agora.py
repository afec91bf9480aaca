"""Agora RTC channels (vendor-contracts.md, section 10): the client's SDK joins with the app id,
the channel (the room), a uid and a ``006`` token built here by ``agora-token-builder``.

Agora has no moderator in a token: the host and speakers publish, the audience only joins.
The privileges lapse at ``min(not_after, now + token_ttl)`` by eduport's clock; the token
itself lapses 24 h after it is built by the host's clock (the library fixes that), so the
lifetime is capped at 24 h."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from agora_token_builder import RtcTokenBuilder
from agora_token_builder.RtcTokenBuilder import Role_Publisher, Role_Subscriber

from adapters.outbound.live.rules import check_admission
from application.live.ports import Attendee, RoomPass
from domain.live.model import RoomRole

_MAX_UID = 2**32 - 1
_TOKEN_LIFE = timedelta(hours=24)  # AccessToken's own ts: time.time() + 24 h
_PUBLISHERS = (RoomRole.HOST, RoomRole.SPEAKER)


class AgoraVideoRooms:
    provider = "agora"

    def __init__(self, app_id: str, app_certificate: str,
                 token_ttl: timedelta = timedelta(seconds=3600)) -> None:
        # Without a certificate the builder still answers, with a token no channel accepts.
        if not app_id or not app_certificate:
            raise ValueError("app_id and app_certificate are required")
        if not timedelta(0) < token_ttl <= _TOKEN_LIFE:
            raise ValueError("token_ttl must be positive and at most 24 hours")
        self._app_id, self._certificate, self._ttl = app_id, app_certificate, token_ttl

    def admit(self, room: str, attendee: Attendee, now: datetime,
              not_after: datetime) -> RoomPass:
        check_admission(room, now, not_after)
        uid = attendee.uid
        # 0 would sign for any uid; the builder checks nothing.
        if isinstance(uid, bool) or not isinstance(uid, int) or not 1 <= uid <= _MAX_UID:
            raise ValueError(f"uid must be 1 to 2**32 - 1, not {uid!r}")
        expires = math.floor(min(not_after, now + self._ttl).timestamp())
        if expires <= math.floor(now.timestamp()):
            raise ValueError("the pass would be valid for less than a second")
        role = Role_Publisher if attendee.role in _PUBLISHERS else Role_Subscriber
        token = RtcTokenBuilder.buildTokenWithUid(self._app_id, self._certificate, room, uid,
                                                  role, expires)
        return RoomPass(provider=self.provider, room=room, display_name=attendee.name,
                        token=token, expires_at=datetime.fromtimestamp(expires, UTC),
                        app_id=self._app_id, uid=uid)
