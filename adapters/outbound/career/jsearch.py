"""JSearch (OpenWeb Ninja, sold through RapidAPI) over plain ``requests``
(vendor-contracts.md, section 7; there is no SDK and most of the contract is unverified).

- ``GET {base}/search`` with ``X-RapidAPI-Key`` / ``X-RapidAPI-Host``; ``query`` is the
  keyword plus `` in <location>``, one page (``num_pages=1``, about 10 postings, billed per
  page), ``date_posted``, ``work_from_home`` (the newer name of ``remote_jobs_only``; sent
  only for a remote-only search), ``employment_types``, ``job_requirements``, ``country``.
- The answer ``{"status": "OK", "data": [job, ...]}`` comes in two shapes: 2023 captures have
  ``job_employment_type: "FULLTIME"`` and a ``job_required_experience`` object; 2025 ones a
  display string (``"Full-time"``) there, the codes in ``job_employment_types`` and no
  experience object, so the experience is read from ``job_highlights.Qualifications`` and
  the description. Both are mapped as the ACE seed maps them (``ext_`` ids, salary range,
  type, experience, remote, apply link, posted time, source external).
- The body is decoded with ``errors="replace"`` (boards relay invalid UTF-8) and control
  characters are stripped from every string; a posting without id or title is skipped.

Failures are ``DeliveryFailed``: unreachable, a timeout, 5xx, 429 (``retry_after`` from
``Retry-After`` or ``x-ratelimit-requests-reset``), 401/403 (logged at ERROR: the operator
must fix the key), another 4xx, or an answer that is not JSON with ``status == "OK"`` and a
``data`` list. The key is never logged, nor the search's words."""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import requests

from application.career.ports import JobQuery
from application.shared.errors import DeliveryFailed
from domain.career.jobs import (
    EmploymentType,
    ExperienceLevel,
    JobListing,
    JobSource,
    Salary,
    SalaryPeriod,
)
from domain.career.skills import extract_skills
from domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)

SOURCE = "jsearch"
DEFAULT_BASE_URL = "https://jsearch.p.rapidapi.com"
DEFAULT_HOST = "jsearch.p.rapidapi.com"
MAX_DESCRIPTION = 5_000
PAGE_SIZE = 10  # what one JSearch page holds (the port promises at most 10)
DATE_POSTED = frozenset({"all", "today", "3days", "week", "month"})
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

# Employment types as JSearch writes them, letters only and upper-cased ("Full-time" ->
# "FULLTIME"): the codes of 2023 and of ``job_employment_types``, and 2025's display strings.
_EMPLOYMENT = {
    "FULLTIME": EmploymentType.FULLTIME,
    "PARTTIME": EmploymentType.PARTTIME,
    "CONTRACTOR": EmploymentType.CONTRACTOR,
    "CONTRACT": EmploymentType.CONTRACTOR,
    "INTERN": EmploymentType.INTERN,
    "INTERNSHIP": EmploymentType.INTERN,
}
# Control characters (Unicode category C*) other than newline and tab, and lone surrogates
# (which ``json.loads`` produces from ``\ud800`` escapes and no UTF-8 encoder takes).
_KEEP = frozenset("\n\t")
_SURROGATE = re.compile("[\ud800-\udfff]")
# "3+ years", "3 - 5 years of experience", "5 years experience", "2 yrs of relevant experience"
_YEARS = re.compile(
    r"\b(?P<years>\d{1,2})\s*(?P<plus>\+|plus)?\s*"
    r"(?:(?:-|\u2013|to)\s*\d{1,2}\s*\+?\s*)?(?:years?|yrs?)\b(?P<tail>[^.;\n]{0,40})",
    re.IGNORECASE,
)
_NO_EXPERIENCE = re.compile(
    r"\bno\s+(?:prior\s+|previous\s+|professional\s+|work\s+)?experience\b"
    r"|\bentry[\s-]+level\b|\bwithout\s+(?:prior\s+)?experience\b",
    re.IGNORECASE,
)


class JSearchJobSearch:
    """The ``JobSearch`` port on JSearch. ``timeout_seconds`` is per request."""

    source = SOURCE

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL,
                 host: str = DEFAULT_HOST, default_country: str = "us",
                 timeout_seconds: float = 10.0) -> None:
        if not api_key.strip():
            raise ValueError("the JSearch (RapidAPI) key is empty")
        base = base_url.strip().rstrip("/")
        parts = urlsplit(base)
        # The key travels in a header: plain http only to this machine (the local fake).
        if parts.scheme != "https" and not (parts.scheme == "http"
                                            and parts.hostname in _LOCAL_HOSTS):
            raise ValueError("the JSearch base URL must be https:// (http only for localhost)")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be > 0")
        country = default_country.strip().lower()
        if len(country) != 2 or not country.isalpha():
            raise ValueError("the default country is an ISO 3166-1 alpha-2 code")
        self.base_url = base
        self.host = host.strip()
        self.default_country = country
        self._timeout = timeout_seconds
        self._session = requests.Session()
        self._session.headers.update({"X-RapidAPI-Key": api_key.strip(),
                                      "X-RapidAPI-Host": self.host,
                                      "Accept": "application/json"})

    def __repr__(self) -> str:
        return f"JSearchJobSearch(base_url={self.base_url!r}, key=***)"

    def search(self, query: JobQuery) -> tuple[JobListing, ...]:
        answer = self._get(self.params(query))
        listings: list[JobListing] = []
        skipped = 0
        for item in answer:
            listing = _listing(item)
            if listing is None:
                skipped += 1
            elif len(listings) < PAGE_SIZE:
                listings.append(listing)
        if skipped:
            log.warning("JSearch answered %s posting(s) without id or title; skipped them",
                        skipped, extra={"provider": SOURCE})
        return tuple(listings)

    def params(self, query: JobQuery) -> dict[str, str]:
        """The query string of ``GET /search`` for ``query``."""
        keyword = " ".join(query.keyword.split()) or "jobs"  # JSearch requires a query
        location = " ".join((query.location or "").split())
        params = {
            "query": f"{keyword} in {location}" if location else keyword,
            "page": str(max(1, query.page)),
            "num_pages": "1",
            "date_posted": query.date_posted if query.date_posted in DATE_POSTED else "all",
        }
        if query.remote_only:
            params["work_from_home"] = "true"
        if query.employment_types:
            params["employment_types"] = ",".join(
                dict.fromkeys(kind.value for kind in query.employment_types))
        if query.experience is not None:
            params["job_requirements"] = query.experience.value
        country = (query.country or "").strip().lower()
        params["country"] = country if len(country) == 2 and country.isalpha() \
            else self.default_country
        return params

    def _get(self, params: Mapping[str, str]) -> list[Any]:
        """One ``GET /search``: the ``data`` list of an OK answer, or ``DeliveryFailed``."""
        extra = {"provider": SOURCE}
        try:
            response = self._session.get(f"{self.base_url}/search", params=params,
                                         timeout=self._timeout)
        except requests.Timeout as error:
            log.warning("JSearch did not answer within %s s", self._timeout, extra=extra)
            raise DeliveryFailed(f"JSearch did not answer within {self._timeout} s") \
                from error
        except requests.RequestException as error:
            log.warning("JSearch could not be reached (%s)", type(error).__name__,
                        extra=extra)
            raise DeliveryFailed(
                f"JSearch could not be reached ({type(error).__name__})") from error
        status = response.status_code
        if status in (401, 403):
            log.error("JSearch (RapidAPI) refused our key (HTTP %s): check JSEARCH_API_KEY "
                      "and the subscription", status, extra=extra)
            raise DeliveryFailed(f"JSearch refused the API key (HTTP {status}): the "
                                 "operator must check JSEARCH_API_KEY")
        if status == 429:
            wait = _retry_after(response)
            log.warning("JSearch is over its quota or rate (HTTP 429, retry after %s s)",
                        wait, extra=extra)
            raise DeliveryFailed("JSearch is over its quota or rate (HTTP 429)", wait)
        if status >= 500:
            log.warning("JSearch failed (HTTP %s)", status, extra=extra)
            raise DeliveryFailed(f"JSearch failed (HTTP {status})", _retry_after(response))
        if not 200 <= status < 300:
            log.error("JSearch refused our request (HTTP %s)", status, extra=extra)
            raise DeliveryFailed(f"JSearch refused the request (HTTP {status})")
        text = response.content.decode("utf-8-sig", errors="replace")
        try:
            # strict=False: raw control characters inside strings are read (then stripped).
            answer = json.loads(text, strict=False)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            log.warning("JSearch answered with a body that is not a JSON object (HTTP %s, "
                        "%s)", status, response.headers.get("Content-Type", "no type"),
                        extra=extra)
            raise DeliveryFailed("JSearch answered with a body we cannot read")
        if answer.get("status") != "OK":
            log.warning("JSearch answered status %r", _clean(answer.get("status"))[:40],
                        extra=extra)
            raise DeliveryFailed("JSearch answered a search that did not succeed")
        data = answer.get("data")
        if not isinstance(data, list):
            log.warning("JSearch answered OK without a data list", extra=extra)
            raise DeliveryFailed("JSearch answered without a list of postings")
        return data


# ---------------------------------------------------------------- mapping
def _listing(job: Any) -> JobListing | None:
    """One posting as a listing; None when it has no id or no title."""
    if not isinstance(job, dict):
        return None
    job_id = job.get("job_id")
    job_id = _line(job_id) if isinstance(job_id, str | int) and not isinstance(job_id, bool) \
        else ""
    title = _line(job.get("job_title"))
    if not job_id or not title:
        return None
    full_description = _clean(job.get("job_description")).strip()
    return JobListing(
        id=f"ext_{job_id}",
        title=title,
        company=_line(job.get("employer_name")),
        location=_location(job),
        description=full_description[:MAX_DESCRIPTION],
        source=JobSource.EXTERNAL,
        posted_at=_posted_at(job),
        employment_type=_employment_type(job),
        experience=_experience(job, full_description),
        remote=job.get("job_is_remote") is True,
        salary=_salary(job),
        apply_link=_web_link(job.get("job_apply_link")),
        skills=extract_skills(f"{title}\n{full_description}"),
    )


def _clean(value: Any) -> str:
    """``value`` when a string, without control characters (newlines and tabs kept) and
    lone surrogates; "" otherwise."""
    if not isinstance(value, str):
        return ""
    value = _SURROGATE.sub("\ufffd", value)
    return "".join(ch for ch in value
                   if ch in _KEEP or not unicodedata.category(ch).startswith("C"))


def _line(value: Any) -> str:
    """A one-line text (title, company, place): cleaned, whitespace collapsed."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return " ".join(_clean(value).split())


def _location(job: Mapping[str, Any]) -> str:
    parts = [_line(job.get(name)) for name in ("job_city", "job_state", "job_country")]
    joined = ", ".join(dict.fromkeys(part for part in parts if part))
    return joined or _line(job.get("job_location"))


def _employment_type(job: Mapping[str, Any]) -> EmploymentType | None:
    kinds = job.get("job_employment_types")
    candidates = list(kinds) if isinstance(kinds, list) else []
    candidates.append(job.get("job_employment_type"))
    for candidate in candidates:
        if isinstance(candidate, str):
            letters = re.sub(r"[^A-Z]", "", candidate.upper())
            if letters in _EMPLOYMENT:
                return _EMPLOYMENT[letters]
            # a display string naming several ("Full-time and Part-time"): the first named
            found = [(letters.find(code), kind) for code, kind in _EMPLOYMENT.items()
                     if code in letters]
            if found:
                return min(found, key=lambda hit: hit[0])[1]
    return None


def _experience(job: Mapping[str, Any], description: str) -> ExperienceLevel | None:
    required = job.get("job_required_experience")
    if isinstance(required, dict):
        if required.get("no_experience_required") is True:
            return ExperienceLevel.NONE
        months = required.get("required_experience_in_months")
        if _is_number(months) and months >= 0:
            if months == 0:
                return ExperienceLevel.NONE
            return ExperienceLevel.UNDER_3_YEARS if months < 36 else \
                ExperienceLevel.OVER_3_YEARS
    highlights = job.get("job_highlights")
    qualifications = highlights.get("Qualifications") if isinstance(highlights, dict) else None
    texts = [_clean(line) for line in qualifications] if isinstance(qualifications, list) \
        else []
    return _experience_in_text("\n".join([*texts, description]))


def _experience_in_text(text: str) -> ExperienceLevel | None:
    """The first number of years of experience the text asks for ("3+ years", "5 years of
    experience"), else "no experience" / "entry level"; None when it names neither."""
    for match in _YEARS.finditer(text):
        if match["plus"] or "experience" in match["tail"].lower():
            years = int(match["years"])
            if years == 0:
                return ExperienceLevel.NONE
            return ExperienceLevel.UNDER_3_YEARS if years < 3 else ExperienceLevel.OVER_3_YEARS
    if _NO_EXPERIENCE.search(text):
        return ExperienceLevel.NONE
    return None


def _salary(job: Mapping[str, Any]) -> Salary | None:
    currency = _line(job.get("job_salary_currency")).upper()
    low, high = (_minor_units(job.get(name)) for name in ("job_min_salary", "job_max_salary"))
    if not currency or (low is None and high is None):
        return None
    period_text = _line(job.get("job_salary_period")).upper()
    period = SalaryPeriod(period_text) if period_text in SalaryPeriod.__members__ \
        else SalaryPeriod.YEAR
    if low is not None and high is not None and low > high:
        low, high = high, low
    try:
        return Salary(currency, period, low, high)
    except InvalidValue:  # not an ISO 4217 code
        return None


def _minor_units(value: Any) -> int | None:
    if not _is_number(value) or value < 0:
        return None
    return round(value * 100)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _web_link(value: Any) -> str | None:
    link = _clean(value).strip()
    if not link or any(ch.isspace() for ch in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    return link if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _posted_at(job: Mapping[str, Any]) -> datetime | None:
    stamp = job.get("job_posted_at_datetime_utc")
    if isinstance(stamp, str) and stamp.strip():
        try:
            moment = datetime.fromisoformat(stamp.strip())
        except ValueError:
            moment = None
        if moment is not None:
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None \
                else moment.astimezone(UTC)
    seconds = job.get("job_posted_at_timestamp")
    if _is_number(seconds):
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _retry_after(response: requests.Response) -> int | None:
    """``Retry-After``, else RapidAPI's ``x-ratelimit-requests-reset``, in whole seconds
    when it is a plain number; None otherwise."""
    for name in ("Retry-After", "x-ratelimit-requests-reset"):
        value = (response.headers.get(name) or "").strip()
        try:
            seconds = float(value) if value.isascii() else math.nan
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return math.ceil(seconds)
    return None
