"""What every video vendor's adapter checks before it signs a pass."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

ROOM = re.compile(r"[a-z0-9-]{1,63}")


def check_admission(room: str, now: datetime, not_after: datetime) -> None:
    """Raises ``ValueError`` for a room outside ``[a-z0-9-]{1,63}`` (valid in every vendor's
    rules: Jitsi's XMPP names and Agora's channel names), a ``now`` that is not aware UTC, or
    a ``not_after`` that is not after it."""
    if not isinstance(room, str) or not ROOM.fullmatch(room):
        raise ValueError(f"room name {room!r} is not 1 to 63 of a-z, 0-9 and '-'")
    if now.tzinfo is None or now.utcoffset() != timedelta(0):
        raise ValueError("now must be a timezone-aware UTC datetime")
    if not_after.tzinfo is None:
        raise ValueError("not_after must be timezone-aware")
    if not_after <= now:
        raise ValueError("not_after must be after now")
