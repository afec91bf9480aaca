"""Jobs, declared once beside the use case each one runs.

A job runs its use case with the job's id arguments, in a worker (RQ) or inline. A job with
``every`` is also recurring: the cron runs it at that interval. The worker's job table and the
cron schedule are read from these declarations; nothing else lists jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    use_case: type[Any]
    every: timedelta | None = None
