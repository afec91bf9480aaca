"""Rules of live classes that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LivePolicy:
    # A pass admits until the planned end plus this, so a class that runs over is not cut.
    grace: timedelta = timedelta(minutes=30)
