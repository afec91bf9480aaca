"""Rules of identity that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class IdentityPolicy:
    # Approving a teacher needs their identity verified.
    teacher_requires_identity: bool = True
    # Open sessions are asked for their decision after this long (a lost webhook).
    poll_after: timedelta = timedelta(minutes=30)
    # and then again every so often, until they are decided.
    poll_every: timedelta = timedelta(minutes=30)
