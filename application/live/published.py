"""The live area's published interface: what another area reads of the classes held."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class LiveMinutes(Protocol):
    def by_teacher_domain(self, start: datetime, end: datetime) -> Mapping[str, int]:
        """Minutes of live classes held from ``start`` up to ``end`` (UTC): each ended
        session's time inside the span, rounded up to a whole minute, summed by the domain
        of its teacher's verified address (lower case; unverified addresses count nowhere).
        A session still running is counted once it ends. Read only, in the caller's
        transaction."""
