"""A local fake of JSearch's ``GET /search`` behind the RapidAPI gateway, written from
vendor-contracts.md section 7 (itself mostly community-sourced and unverified)::

    with FakeJSearch() as jsearch:
        jsearch.add_job(jsearch_job("j1", "Python Developer", shape="2025"))
        r = requests.get(f"{jsearch.url}/search", timeout=5,
                         params={"query": "python in Berlin", "page": 1, "num_pages": 1},
                         headers={"X-RapidAPI-Key": jsearch.api_key,
                                  "X-RapidAPI-Host": "jsearch.p.rapidapi.com"})
        assert r.json()["status"] == "OK" and r.json()["data"][0]["job_id"] == "j1"

Wire behaviour reproduced:

- ``X-RapidAPI-Key`` (header names are case-insensitive): none is 401 ``{"message":
  "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."}``, another key
  403 ``{"message": "You are not subscribed to this API."}``. ``X-RapidAPI-Host`` is only
  recorded. Another path is 404, another method 405 (both ``{"message": ...}``).
- ``query`` is required (else 400 ``{"status": "ERROR", "error": {...}}``, the fake's own
  guess of JSearch's error shape). It is split at its last `` in ``: every keyword word must
  appear in the job's title or description, and at least one location word in its city,
  state, country or ``job_location``. ``work_from_home`` (or the older
  ``remote_jobs_only``) ``true`` keeps remote jobs; ``employment_types`` (comma list of
  codes) keeps jobs of one of them (from ``job_employment_types`` or
  ``job_employment_type``, code or display string); ``date_posted`` (today, 3days, week,
  month) keeps jobs posted in the last 1, 3, 7, 30 days; ``country`` (default ``us``) keeps
  jobs whose ``job_country`` is it. ``job_requirements`` is echoed, not filtered on.
- 10 jobs per page; ``page`` and ``num_pages`` (positive integers, else 400) pick
  ``num_pages`` consecutive pages, in the order the jobs were added. The answer is
  ``{"status": "OK", "request_id", "parameters": {echo, page and num_pages as numbers},
  "data": [...]}`` with ``x-ratelimit-requests-{limit,remaining,reset}`` headers.
- ``quota`` (requests a month): past it, 429 with the quota message and those headers.

Test controls: ``add_job`` / ``add_jobs`` / ``clear_jobs`` (``jsearch_job`` builds a job in
the 2023 or the 2025 shape), ``rate_limit_next`` (429 with ``x-ratelimit-*`` and optionally
``Retry-After``), ``fail_next`` (any 4xx/5xx, JSON or a body of your choosing),
``html_next`` (an HTML page, 200 by default), ``malform_next`` (any body), ``corrupt_next``
(the real answer with invalid UTF-8 bytes spliced in), ``slow_next`` / ``delay_next``
(timeouts), ``hold_next``; ``requests`` / ``request_count`` / ``clear_log``."""

from __future__ import annotations

import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = ["DEFAULT_API_KEY", "DISPLAY_TYPES", "INVALID_KEY_MESSAGE", "NOT_SUBSCRIBED_MESSAGE",
           "QUOTA_MESSAGE", "FakeJSearch", "jsearch_job"]

JSON = dict[str, Any]

DEFAULT_API_KEY = "jsearch-test-key-0123456789abcdef"  # test-only
DEFAULT_HOST = "jsearch.p.rapidapi.com"
PAGE_SIZE = 10
INVALID_KEY_MESSAGE = "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."
NOT_SUBSCRIBED_MESSAGE = "You are not subscribed to this API."
QUOTA_MESSAGE = ("You have exceeded the MONTHLY quota for Requests on your current plan, "
                 "BASIC. Upgrade your plan at https://rapidapi.com/letscrape-6bRBa3QguO5/api/"
                 "jsearch")
RATE_MESSAGE = "Too many requests"
# 2025's display strings for the codes (the codes stay in ``job_employment_types``).
DISPLAY_TYPES = {"FULLTIME": "Full-time", "PARTTIME": "Part-time",
                 "CONTRACTOR": "Contractor", "INTERN": "Internship"}
_DAYS = {"today": 1, "3days": 3, "week": 7, "month": 30}
_WORD = re.compile(r"[\w+#.]+")
_IN = re.compile(r"\s+in\s+", re.IGNORECASE)


def _iso(moment: datetime) -> str:
    """``2025-01-01T00:00:00.000Z``, as JSearch writes times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def jsearch_job(job_id: str | None = None, title: str = "Python Developer", *,
                shape: str = "2025", employer_name: str | None = "Acme GmbH",
                description: str = "We build web services in Python and SQL.",
                city: str | None = "Berlin", state: str | None = None,
                country: str | None = "US", remote: bool = False,
                employment_type: str = "FULLTIME", experience_months: int | None = None,
                no_experience_required: bool = False,
                qualifications: list[str] | None = None,
                min_salary: float | None = None, max_salary: float | None = None,
                salary_currency: str | None = None, salary_period: str | None = None,
                apply_link: str | None = "https://jobs.example.test/apply/1",
                posted_at: datetime | None = None, **overrides: Any) -> JSON:
    """One job as JSearch answers it, in the ``"2023"`` shape (``job_employment_type`` a
    code like ``FULLTIME``, no ``job_employment_types``, a ``job_required_experience``
    object) or the ``"2025"`` shape (``job_employment_type`` a display string like
    ``"Full-time"``, the code in ``job_employment_types``, no experience object).
    ``employment_type`` is a code; ``overrides`` replace (or, None, keep as null) any field."""
    if shape not in ("2023", "2025"):
        raise ValueError("shape is '2023' or '2025'")
    moment = posted_at or datetime.now(UTC) - timedelta(hours=5)
    job_id = job_id or uuid.uuid4().hex[:16] + "=="
    place = ", ".join(part for part in (city, state, country) if part)
    job: JSON = {
        "job_id": job_id, "job_title": title, "employer_name": employer_name,
        "employer_logo": None, "employer_website": "https://acme.example.test",
        "job_publisher": "LinkedIn",
        "job_apply_link": apply_link, "job_apply_is_direct": False,
        "apply_options": [{"publisher": "LinkedIn", "apply_link": apply_link,
                           "is_direct": False}] if apply_link else [],
        "job_description": description, "job_is_remote": remote,
        "job_posted_at_timestamp": int(moment.timestamp()),
        "job_posted_at_datetime_utc": _iso(moment),
        "job_city": city, "job_state": state, "job_country": country,
        "job_latitude": 52.52, "job_longitude": 13.405,
        "job_min_salary": min_salary, "job_max_salary": max_salary,
        "job_salary_currency": salary_currency, "job_salary_period": salary_period,
        "job_highlights": {"Qualifications": qualifications} if qualifications else {},
        "job_offer_expiration_datetime_utc": None,
        "job_google_link": f"https://www.google.com/search?q=jobs&ibp=htl;jobs#{job_id}",
    }
    if shape == "2023":
        job["job_employment_type"] = employment_type
        job["job_required_experience"] = {
            "no_experience_required": no_experience_required,
            "required_experience_in_months": experience_months,
            "experience_mentioned": experience_months is not None or no_experience_required,
            "experience_preferred": False,
        }
    else:
        job["job_employment_type"] = DISPLAY_TYPES.get(employment_type, employment_type)
        job["job_employment_types"] = [employment_type]
        job["job_location"] = place
        job["job_posted_at"] = "5 hours ago"
    job.update(overrides)
    return job


@dataclass(frozen=True)
class _Malformed:
    status: int
    body: bytes
    content_type: str


class FakeJSearch(FakeVendorServer):
    """JSearch's ``/search``. ``jobs`` in the order added, ``requests`` all it received."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, quota: int | None = None,
                 reset_seconds: int = 2_592_000) -> None:
        super().__init__()
        self.api_key, self.quota, self.reset_seconds = api_key, quota, reset_seconds
        self.jobs: list[JSON] = []
        self._served = 0  # answered searches, against the quota
        self._malformed: list[_Malformed] = []
        self._corrupt: list[tuple[bytes, bytes]] = []

    # ------------------------------------------------------------------ seeding
    def add_job(self, job: JSON | None = None, **fields: Any) -> JSON:
        """Adds ``job`` (or ``jsearch_job(**fields)``) and returns it."""
        job = job if job is not None else jsearch_job(**fields)
        with self._lock:
            self.jobs.append(job)
        return job

    def add_jobs(self, *jobs: JSON) -> list[JSON]:
        with self._lock:
            self.jobs.extend(jobs)
        return list(jobs)

    def clear_jobs(self) -> None:
        with self._lock:
            self.jobs.clear()

    # ------------------------------------------------------------------ faults
    def fail_next(self, n: int = 1, status: int = 500, *, body: str | None = None,
                  retry_after: int | None = None, headers: dict[str, str] | None = None,
                  content_type: str = "text/html") -> None:
        """Answer the next ``n`` requests (after the key check) with ``status``: a JSON
        ``{"message"}`` (the gateway's texts for 401/403/429), or ``body`` as
        ``content_type``; ``retry_after`` adds ``Retry-After``, ``headers`` any others."""
        self._queue_failures(n, InjectedFailure(status, {
            "body": body, "retry_after": retry_after, "headers": dict(headers or {}),
            "content_type": content_type}))

    def rate_limit_next(self, n: int = 1, *, reset: int | str = 3600,
                        retry_after: int | str | None = None, quota: bool = True) -> None:
        """429 for the next ``n`` requests with ``x-ratelimit-requests-limit/remaining
        (0)/reset`` (``reset`` as given, may be non-numeric) and the quota message (or, not
        ``quota``, a per-second rate message); ``retry_after`` adds ``Retry-After``."""
        headers = {"x-ratelimit-requests-limit": str(self.quota or 200),
                   "x-ratelimit-requests-remaining": "0",
                   "x-ratelimit-requests-reset": str(reset)}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        self._queue_failures(n, InjectedFailure(429, {
            "body": None, "retry_after": None, "headers": headers,
            "message": QUOTA_MESSAGE if quota else RATE_MESSAGE}))

    def slow_next(self, n: int = 1, seconds: float = 2.0) -> None:
        """The next ``n`` requests wait ``seconds`` before being answered."""
        self.delay_next(n, seconds)

    def html_next(self, n: int = 1, status: int = 200,
                  body: str = "<html><body><h1>502 Bad Gateway</h1></body></html>") -> None:
        """An HTML page (a proxy's) for the next ``n`` authenticated requests."""
        self.malform_next(n, body, status=status, content_type="text/html")

    def malform_next(self, n: int = 1, body: str | bytes | JSON | list[Any] = "",
                     status: int = 200, content_type: str = "application/json") -> None:
        """The next ``n`` authenticated requests are answered ``body`` (a dict or list is
        sent as JSON) instead of the search's answer; nothing counts against the quota."""
        if n < 0:
            raise ValueError("n must be >= 0")
        raw = body if isinstance(body, bytes) else body.encode("utf-8") \
            if isinstance(body, str) else json.dumps(body).encode("utf-8")
        with self._lock:
            self._malformed.extend([_Malformed(status, raw, content_type)] * n)

    def corrupt_next(self, n: int = 1, text: str = "é", raw: bytes = b"\xe9") -> None:
        """The next ``n`` answers are the real search answer, written as UTF-8 without
        ``\\u`` escapes, with every ``text`` replaced by the bytes ``raw``: by default a
        Latin-1 ``é`` (``0xE9``), which is invalid UTF-8. Seed a job containing ``text``."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._corrupt.extend([(text.encode("utf-8"), raw)] * n)

    def clear_faults(self) -> None:
        with self._lock:
            super().clear_faults()
            self._malformed.clear()
            self._corrupt.clear()

    def clear_log(self) -> None:
        """Forgets ``requests`` and the quota count (jobs stay)."""
        with self._lock:
            self.requests.clear()
            self._served = 0

    # ------------------------------------------------------------------ HTTP
    def handle(self, request: Request) -> Response:
        query = dict(parse_qsl(request.query_string.decode("latin-1"),
                               keep_blank_values=True))
        recorded = self._record(request, query)
        given = request.headers.get("X-RapidAPI-Key", "")
        if not given:
            return _respond(recorded, 401, {"message": INVALID_KEY_MESSAGE})
        if not hmac.compare_digest(given.encode("utf-8", "replace"), self.api_key.encode()):
            return _respond(recorded, 403, {"message": NOT_SUBSCRIBED_MESSAGE})
        if request.path.rstrip("/") != "/search":
            return _respond(recorded, 404, {"message": "Endpoint '" + request.path +
                                            "' does not exist"})
        if request.method != "GET":
            return _respond(recorded, 405, {"message": "Method not allowed"})
        self._sleep(self._pop_delay())
        failure = self._pop_failure()
        if failure is not None:
            return _injected(recorded, failure)
        with self._lock:
            malformed = self._malformed.pop(0) if self._malformed else None
            corrupt = self._corrupt.pop(0) if self._corrupt else None
            over_quota = self.quota is not None and self._served >= self.quota
            if not over_quota and malformed is None:
                self._served += 1
            remaining = None if self.quota is None else max(0, self.quota - self._served)
        if malformed is not None:
            recorded.status, recorded.response = malformed.status, malformed.body
            return Response(malformed.body, status=malformed.status,
                            content_type=malformed.content_type)
        limits = {"x-ratelimit-requests-limit": str(self.quota or 200),
                  "x-ratelimit-requests-remaining": str(199 if remaining is None
                                                        else remaining),
                  "x-ratelimit-requests-reset": str(self.reset_seconds)}
        if over_quota:
            response = _respond(recorded, 429, {"message": QUOTA_MESSAGE})
            response.headers.update(limits)
            return response
        status, body = self._search(query)
        if corrupt is None:
            response = _respond(recorded, status, body)
        else:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8").replace(*corrupt)
            recorded.status, recorded.response = status, raw
            response = Response(raw, status=status, content_type="application/json")
        response.headers.update(limits)
        return response

    def _search(self, query: dict[str, str]) -> tuple[int, JSON]:
        request_id = str(uuid.uuid4())
        text = query.get("query", "").strip()
        if not text:
            return 400, _error(request_id, "Missing required parameter: query", 400)
        try:
            page, num_pages = int(query.get("page", "1")), int(query.get("num_pages", "1"))
        except ValueError:
            return 400, _error(request_id, "page and num_pages are integers", 400)
        if page < 1 or not 1 <= num_pages <= 50:
            return 400, _error(request_id, "page >= 1 and 1 <= num_pages <= 50", 400)
        cuts = list(_IN.finditer(text))
        keyword, place = (text[:cuts[-1].start()], text[cuts[-1].end():]) if cuts \
            else (text, "")
        words = [w.lower() for w in _WORD.findall(keyword)]
        places = [w.lower() for w in _WORD.findall(place)]
        remote = "true" in (query.get("work_from_home", "").lower(),
                            query.get("remote_jobs_only", "").lower())
        kinds = {k.strip().upper() for k in query.get("employment_types", "").split(",")
                 if k.strip()}
        days = _DAYS.get(query.get("date_posted", "all"))
        country = query.get("country", "us").strip().upper()
        with self._lock:
            jobs = [json.loads(json.dumps(job)) for job in self.jobs]  # copies, not the state
        found = [job for job in jobs
                 if _matches(job, words, places, remote, kinds, days, country)]
        start = (page - 1) * PAGE_SIZE
        data = found[start:start + PAGE_SIZE * num_pages]
        parameters: JSON = {"query": text, "page": page, "num_pages": num_pages,
                            "date_posted": query.get("date_posted", "all"),
                            "country": country.lower(), "language": query.get("language",
                                                                               "en")}
        for name in ("work_from_home", "remote_jobs_only", "employment_types",
                     "job_requirements"):
            if name in query:
                parameters[name] = query[name]
        return 200, {"status": "OK", "request_id": request_id, "parameters": parameters,
                     "data": data}


def _matches(job: JSON, words: list[str], places: list[str], remote: bool,
             kinds: set[str], days: int | None, country: str) -> bool:
    text = f"{job.get('job_title') or ''} {job.get('job_description') or ''}".lower()
    if any(word not in text for word in words):
        return False
    where = " ".join(str(job.get(name) or "") for name in
                     ("job_city", "job_state", "job_country", "job_location")).lower()
    if places and not any(word in where for word in places):
        return False
    if remote and job.get("job_is_remote") is not True:
        return False
    if kinds and not kinds & _kinds(job):
        return False
    if days is not None:
        stamp = job.get("job_posted_at_timestamp")
        if not isinstance(stamp, int | float) or stamp < time.time() - days * 86_400:
            return False
    job_country = job.get("job_country")
    return not (isinstance(job_country, str) and job_country and
                job_country.upper() != country)


def _kinds(job: JSON) -> set[str]:
    codes = {value.upper() for value in job.get("job_employment_types") or []
             if isinstance(value, str)}
    single = job.get("job_employment_type")
    if isinstance(single, str):
        by_display = {display.upper(): code for code, display in DISPLAY_TYPES.items()}
        codes.add(by_display.get(single.upper(), single.upper()))
    return codes


def _error(request_id: str, message: str, code: int) -> JSON:
    return {"status": "ERROR", "request_id": request_id,
            "error": {"message": message, "code": code}}


def _respond(recorded: RecordedRequest, status: int, body: Any) -> Response:
    recorded.status, recorded.response = status, body
    return Response(json.dumps(body), status=status, content_type="application/json")


def _injected(recorded: RecordedRequest, failure: InjectedFailure) -> Response:
    options = failure.options
    text = options.get("body")
    if text is None:
        message = options.get("message") or {
            401: INVALID_KEY_MESSAGE, 403: NOT_SUBSCRIBED_MESSAGE, 429: QUOTA_MESSAGE,
        }.get(failure.status, "Internal Server Error" if failure.status >= 500
              else "Bad Request")
        response = _respond(recorded, failure.status, {"message": message})
    else:
        recorded.status, recorded.response = failure.status, text
        response = Response(text, status=failure.status,
                            content_type=options.get("content_type", "text/html"))
    if options.get("retry_after") is not None:
        response.headers["Retry-After"] = str(options["retry_after"])
    response.headers.update(options.get("headers") or {})
    return response
