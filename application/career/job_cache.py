"""External postings kept in the shared cache for an hour, as JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from application.career.ports import JobQuery
from application.shared.ports import Cache
from domain.career.jobs import (
    EmploymentType,
    ExperienceLevel,
    JobListing,
    JobSource,
    Salary,
    SalaryPeriod,
)

PREFIX = "career:jobs:"
# Clearing the cache moves the generation on: older keys are never read again and expire.
GENERATION = PREFIX + "generation"


def cache_key(cache: Cache, source: str, query: JobQuery) -> str:
    generation = (cache.get(GENERATION) or b"0").decode()
    digest = hashlib.sha256(query.normalised().encode()).hexdigest()[:32]
    return f"{PREFIX}{generation}:{source}:{digest}"


def _encode(job: JobListing) -> dict[str, Any]:
    s = job.salary
    return {"id": job.id, "title": job.title, "company": job.company,
            "location": job.location, "description": job.description,
            "posted_at": job.posted_at.isoformat() if job.posted_at else None,
            "employment_type": job.employment_type, "experience": job.experience,
            "remote": job.remote, "apply_link": job.apply_link, "skills": list(job.skills),
            "salary": None if s is None else [s.currency, s.period, s.minimum, s.maximum]}


def _decode(d: dict[str, Any]) -> JobListing:
    s = d["salary"]
    return JobListing(
        d["id"], d["title"], d["company"], d["location"], d["description"],
        JobSource.EXTERNAL,
        datetime.fromisoformat(d["posted_at"]) if d["posted_at"] else None,
        EmploymentType(d["employment_type"]) if d["employment_type"] else None,
        ExperienceLevel(d["experience"]) if d["experience"] else None, d["remote"],
        None if s is None else Salary(s[0], SalaryPeriod(s[1]), s[2], s[3]),
        d["apply_link"], tuple(d["skills"]))


def cached(cache: Cache, key: str) -> tuple[JobListing, ...] | None:
    raw = cache.get(key)
    if raw is None:
        return None
    try:
        return tuple(_decode(item) for item in json.loads(raw))
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # written by another release: ask again


def keep(cache: Cache, key: str, jobs: tuple[JobListing, ...], seconds: int) -> None:
    cache.set(key, json.dumps([_encode(job) for job in jobs]).encode(), seconds)


def forget_all(cache: Cache) -> int:
    """Forgets every cached search (``eduport jobs clear-cache``); the new generation."""
    return cache.incr(GENERATION)
