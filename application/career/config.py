"""Rules of career that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.career.ports import JobSearch


@dataclass(frozen=True)
class CareerPolicy:
    # Advisor calls a person may make per UTC day, and per minute.
    daily_calls: int = 50
    calls_per_minute: int = 5
    # External job search: results kept per normalised query, requests allowed per month.
    search_cache_seconds: int = 3600
    monthly_searches: int = 200
    default_search: str = "developer"
    default_location: str | None = None
    default_country: str = "us"
    # How long a company's link to an applicant's CV works.
    cv_link_seconds: int = 900
    # The hour of the UTC day from which the day's digests of new jobs go out.
    digest_hour: int = 8
    # How long a conversation waits for a reply being written before another message may
    # start one (longer than the advisor's timeout: only a reply whose process died expires).
    reply_lease: timedelta = timedelta(minutes=2)


@dataclass(frozen=True)
class ConfiguredJobBoard:
    """The outside job board when one is configured; None searches local postings only."""

    board: JobSearch | None = None
