"""Rules of live classes that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LivePolicy:
    # A pass admits until the planned end plus this, so a class that runs over is not cut.
    grace: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class ConsultationPolicy:
    # Starting needs credits for the base fee and this many minutes; they are held.
    min_minutes: int = 5
    # Each time the hold runs low it grows by this many minutes (or what is left).
    hold_step_minutes: int = 5
    # A pass into a consultation's room lapses after this; joining again renews it.
    pass_ttl: timedelta = timedelta(hours=1)
