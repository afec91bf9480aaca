"""Room names that cannot be guessed: ACE's ``EdvanceSession42`` let anyone walk into any
class on public Jitsi. A name is keyed with a server secret, so it is stable for a session
and tells nothing about its id."""

from __future__ import annotations

import base64
import hashlib
import hmac


class KeyedRoomNames:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the room secret needs at least 16 bytes")
        self._secret = secret

    def room_for(self, session_id: str) -> str:
        digest = hmac.new(self._secret, session_id.encode(), hashlib.sha256).digest()
        # 160 bits in base32 (a-z, 2-7): 32 characters, lower case for Jitsi's lower-cased rooms.
        return "eduport-" + base64.b32encode(digest[:20]).decode().lower()
