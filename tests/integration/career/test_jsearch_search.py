"""The JSearch job search against a local fake of JSearch behind RapidAPI: what goes on the
wire (query, filters, headers), how both answer shapes (2023 and 2025) become listings, and
how each failure reaches the core (DeliveryFailed)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from adapters.outbound.career.jsearch import JSearchJobSearch
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
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.jsearch_server import (
    DEFAULT_API_KEY,
    INVALID_KEY_MESSAGE,
    NOT_SUBSCRIBED_MESSAGE,
    FakeJSearch,
    jsearch_job,
)

ADAPTER_LOG = "adapters.outbound.career.jsearch"
POSTED = datetime(2025, 8, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeJSearch]:
    with FakeJSearch() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_fake(fake: FakeJSearch) -> None:
    # One server for the module: each test starts with no jobs, no faults and an empty log.
    fake.clear_faults()
    fake.clear_log()
    fake.clear_jobs()


@pytest.fixture
def board(fake: FakeJSearch) -> JSearchJobSearch:
    return JSearchJobSearch(DEFAULT_API_KEY, base_url=fake.url, timeout_seconds=5)


def only(listings: tuple[JobListing, ...]) -> JobListing:
    assert len(listings) == 1, listings
    return listings[0]


# ------------------------------------------------------------------ the request
def test_a_search_sends_the_query_filters_and_rapidapi_headers(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    board.search(JobQuery(keyword="  python   developer ", location="Berlin",
                          remote_only=True,
                          employment_types=(EmploymentType.FULLTIME,
                                            EmploymentType.CONTRACTOR),
                          date_posted="week", experience=ExperienceLevel.UNDER_3_YEARS,
                          page=2, country="de"))

    assert fake.request_count == 1
    sent = fake.last
    assert (sent.method, sent.path) == ("GET", "/search")
    assert sent.params == {"query": "python developer in Berlin", "page": "2",
                           "num_pages": "1", "date_posted": "week", "work_from_home": "true",
                           "employment_types": "FULLTIME,CONTRACTOR",
                           "job_requirements": "under_3_years_experience", "country": "de"}
    assert sent.header("X-RapidAPI-Key") == DEFAULT_API_KEY
    assert sent.header("X-RapidAPI-Host") == "jsearch.p.rapidapi.com"
    assert sent.status == 200


def test_an_open_search_sends_only_what_it_asks(fake: FakeJSearch,
                                                board: JSearchJobSearch) -> None:
    board.search(JobQuery(keyword="nurse"))

    assert fake.last.params == {"query": "nurse", "page": "1", "num_pages": "1",
                                "date_posted": "all", "country": "us"}


def test_the_default_country_and_host_are_the_configured_ones(fake: FakeJSearch) -> None:
    board = JSearchJobSearch(DEFAULT_API_KEY, base_url=fake.url, host="jsearch.example.test",
                             default_country="GB", timeout_seconds=5)
    fake.add_job(jsearch_job("uk1", "Data Analyst", country="GB"))

    found = board.search(JobQuery(keyword="analyst", page=0, date_posted="yesterday"))

    assert [listing.id for listing in found] == ["ext_uk1"]
    assert fake.last.params["country"] == "gb"
    assert fake.last.params["page"] == "1"
    assert fake.last.params["date_posted"] == "all"
    assert fake.last.header("X-RapidAPI-Host") == "jsearch.example.test"


def test_the_constructor_refuses_an_empty_key_and_a_plain_http_vendor() -> None:
    with pytest.raises(ValueError, match="key"):
        JSearchJobSearch("   ")
    with pytest.raises(ValueError, match="https"):
        JSearchJobSearch("k", base_url="http://jsearch.p.rapidapi.com")
    with pytest.raises(ValueError, match="timeout"):
        JSearchJobSearch("k", timeout_seconds=0)
    assert "k3y" not in repr(JSearchJobSearch("k3y"))


# ------------------------------------------------------------------ the 2023 shape
def test_a_2023_job_is_mapped_field_by_field(fake: FakeJSearch,
                                             board: JSearchJobSearch) -> None:
    fake.add_job(jsearch_job(
        "abc123==", "Senior Python Engineer", shape="2023", employer_name="Acme GmbH",
        description="Build APIs with Django and Docker on AWS.", city="Berlin",
        state="Berlin", country="DE", remote=True, employment_type="FULLTIME",
        experience_months=60, min_salary=65000, max_salary=80000.5, salary_currency="eur",
        salary_period="YEAR", apply_link="https://acme.example.test/jobs/1",
        posted_at=POSTED))

    job = only(board.search(JobQuery(keyword="python", country="de")))

    assert job.id == "ext_abc123=="
    assert job.title == "Senior Python Engineer"
    assert job.company == "Acme GmbH"
    assert job.location == "Berlin, DE"
    assert job.description == "Build APIs with Django and Docker on AWS."
    assert job.employment_type is EmploymentType.FULLTIME
    assert job.experience is ExperienceLevel.OVER_3_YEARS
    assert job.remote is True
    assert job.salary == Salary("EUR", SalaryPeriod.YEAR, 6_500_000, 8_000_050)
    assert job.apply_link == "https://acme.example.test/jobs/1"
    assert job.posted_at == POSTED
    assert job.posted_at.tzinfo is not None
    assert job.source is JobSource.EXTERNAL
    assert job.skills == ("Python", "Django", "Docker", "AWS")


@pytest.mark.parametrize(("months", "no_experience", "expected"), [
    (None, True, ExperienceLevel.NONE),
    (12, False, ExperienceLevel.UNDER_3_YEARS),
    (35, False, ExperienceLevel.UNDER_3_YEARS),
    (36, False, ExperienceLevel.OVER_3_YEARS),
])
def test_the_2023_experience_object_gives_the_level(
    fake: FakeJSearch, board: JSearchJobSearch, months: int | None, no_experience: bool,
    expected: ExperienceLevel,
) -> None:
    fake.add_job(jsearch_job("x1", "Developer", shape="2023", description="Code.",
                             experience_months=months, no_experience_required=no_experience))

    assert only(board.search(JobQuery(keyword="developer"))).experience is expected


def test_an_empty_experience_object_falls_back_to_the_text(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.add_job(jsearch_job("x2", "Developer", shape="2023",
                             description="You bring 2+ years with React."))
    fake.add_job(jsearch_job("x3", "Developer", shape="2023", description="Write code."))

    first, second = board.search(JobQuery(keyword="developer"))

    assert (first.id, first.experience) == ("ext_x2", ExperienceLevel.UNDER_3_YEARS)
    assert (second.id, second.experience) == ("ext_x3", None)


# ------------------------------------------------------------------ the 2025 shape
def test_a_2025_job_reads_its_type_from_the_list_and_experience_from_qualifications(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    job_data = fake.add_job(jsearch_job(
        "new1", "Backend Developer", shape="2025", employer_name="Globex",
        description="Kotlin and PostgreSQL services.", city="Austin", state="TX",
        country="US", employment_type="PARTTIME",
        qualifications=["Degree in computer science", "3+ years building services"],
        posted_at=POSTED))
    assert job_data["job_employment_type"] == "Part-time"
    assert "job_required_experience" not in job_data

    job = only(board.search(JobQuery(keyword="developer", location="Austin")))

    assert job.id == "ext_new1"
    assert job.company == "Globex"
    assert job.location == "Austin, TX, US"
    assert job.employment_type is EmploymentType.PARTTIME
    assert job.experience is ExperienceLevel.OVER_3_YEARS
    assert job.remote is False
    assert job.salary is None
    assert job.posted_at == POSTED
    assert job.skills == ("Kotlin", "SQL")


@pytest.mark.parametrize(("display", "expected"), [
    ("Full-time", EmploymentType.FULLTIME),
    ("Part-time", EmploymentType.PARTTIME),
    ("Contractor", EmploymentType.CONTRACTOR),
    ("Internship", EmploymentType.INTERN),
    ("FULLTIME", EmploymentType.FULLTIME),
    ("Volunteer", None),
])
def test_a_display_string_alone_gives_the_employment_type(
    fake: FakeJSearch, board: JSearchJobSearch, display: str,
    expected: EmploymentType | None,
) -> None:
    fake.add_job(jsearch_job("t1", "Tester", job_employment_type=display,
                             job_employment_types=None))

    assert only(board.search(JobQuery(keyword="tester"))).employment_type is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Requires 5 years of experience in Java.", ExperienceLevel.OVER_3_YEARS),
    ("At least 1 year of relevant experience.", ExperienceLevel.UNDER_3_YEARS),
    ("3-5 years experience with Linux.", ExperienceLevel.OVER_3_YEARS),
    ("No experience needed, we train you.", ExperienceLevel.NONE),
    ("An entry-level role in our support team.", ExperienceLevel.NONE),
    ("Founded 30 years ago, we make tools.", None),
])
def test_without_the_object_experience_comes_from_the_description(
    fake: FakeJSearch, board: JSearchJobSearch, text: str,
    expected: ExperienceLevel | None,
) -> None:
    fake.add_job(jsearch_job("d1", "Support Engineer", description=text))

    assert only(board.search(JobQuery(keyword="engineer"))).experience is expected


def test_a_job_without_city_fields_takes_job_location(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.add_job(jsearch_job("l1", "Designer", city=None, country=None,
                             job_location="Anywhere, Earth"))

    assert only(board.search(JobQuery(keyword="designer"))).location == "Anywhere, Earth"


# ------------------------------------------------------------------ salary, links, times
@pytest.mark.parametrize(("fields", "expected"), [
    ({"min_salary": 25.5, "max_salary": None, "salary_currency": "USD",
      "salary_period": "HOUR"}, Salary("USD", SalaryPeriod.HOUR, 2550, None)),
    ({"min_salary": None, "max_salary": 4000, "salary_currency": "gbp",
      "salary_period": "MONTH"}, Salary("GBP", SalaryPeriod.MONTH, None, 400_000)),
    ({"min_salary": 50000, "max_salary": 60000, "salary_currency": "USD",
      "salary_period": "ANNUAL"}, Salary("USD", SalaryPeriod.YEAR, 5_000_000, 6_000_000)),
    ({"min_salary": 50000, "max_salary": 60000, "salary_currency": "USD",
      "salary_period": None}, Salary("USD", SalaryPeriod.YEAR, 5_000_000, 6_000_000)),
    ({"min_salary": 50000, "max_salary": 60000, "salary_currency": None}, None),
    ({"min_salary": None, "max_salary": None, "salary_currency": "USD"}, None),
    ({"min_salary": 10, "max_salary": 20, "salary_currency": "US dollars"}, None),
])
def test_the_salary_is_kept_in_minor_units(
    fake: FakeJSearch, board: JSearchJobSearch, fields: dict[str, object],
    expected: Salary | None,
) -> None:
    fake.add_job(jsearch_job("s1", "Cook", **fields))  # type: ignore[arg-type]

    assert only(board.search(JobQuery(keyword="cook"))).salary == expected


@pytest.mark.parametrize(("link", "expected"), [
    ("http://jobs.example.test/a?b=1", "http://jobs.example.test/a?b=1"),
    ("javascript:alert(1)", None),
    ("ftp://jobs.example.test/a", None),
    ("/relative/path", None),
    (None, None),
])
def test_only_web_apply_links_are_kept(fake: FakeJSearch, board: JSearchJobSearch,
                                       link: str | None, expected: str | None) -> None:
    fake.add_job(jsearch_job("a1", "Cashier", apply_link=link))

    assert only(board.search(JobQuery(keyword="cashier"))).apply_link == expected


def test_posted_at_falls_back_to_the_timestamp(fake: FakeJSearch,
                                               board: JSearchJobSearch) -> None:
    fake.add_job(jsearch_job("p1", "Driver", job_posted_at_datetime_utc=None,
                             job_posted_at_timestamp=1_700_000_000))
    fake.add_job(jsearch_job("p2", "Driver", job_posted_at_datetime_utc="not a date",
                             job_posted_at_timestamp=None))

    first, second = board.search(JobQuery(keyword="driver"))

    assert first.posted_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert second.posted_at is None


def test_a_long_description_is_clipped_but_its_skills_are_read(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.add_job(jsearch_job("c1", "Analyst", description="x" * 6_000 + " Tableau"))

    job = only(board.search(JobQuery(keyword="analyst")))

    assert job.description == "x" * 5_000
    assert job.skills == ("Tableau",)


# ------------------------------------------------------------------ dirty answers
def test_invalid_utf8_and_control_characters_are_cleaned(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.add_job(jsearch_job("u1", "Caf\u00e9 Manager\x07", employer_name="Caf\u00e9\x00 Co",
                             description="Run the caf\u00e9.\nLine two\x1b[0m\tend"))
    fake.corrupt_next()

    job = only(board.search(JobQuery(keyword="manager")))

    assert b"Caf\xe9 Manager" in fake.last.response  # the fake really sent Latin-1 bytes
    assert job.title == "Caf\ufffd Manager"
    assert job.company == "Caf\ufffd Co"
    assert job.description == "Run the caf\ufffd.\nLine two[0m\tend"


def test_raw_control_bytes_inside_strings_do_not_fail_the_page(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.add_job(jsearch_job("u2", "Welder BELL"))
    fake.corrupt_next(text="BELL", raw=b"\x07\x01")

    assert only(board.search(JobQuery(keyword="welder"))).title == "Welder"


def test_malformed_jobs_are_skipped_without_failing_the_page(
    fake: FakeJSearch, board: JSearchJobSearch, caplog: pytest.LogCaptureFixture
) -> None:
    good = jsearch_job("ok1", "Plumber")
    fake.malform_next(body={"status": "OK", "request_id": "r1", "data": [
        {**jsearch_job("x", "No id"), "job_id": None}, jsearch_job("no-title", job_title=None),
        "not a job", None, good, jsearch_job("blank", "   ")]})

    with caplog.at_level(logging.WARNING, logger=ADAPTER_LOG):
        found = board.search(JobQuery(keyword="plumber"))

    assert [job.id for job in found] == ["ext_ok1"]
    assert "5 posting(s) without id or title" in caplog.text


def test_at_most_ten_postings_come_back(fake: FakeJSearch, board: JSearchJobSearch) -> None:
    fake.malform_next(body={"status": "OK", "data": [
        jsearch_job(f"m{i}", "Mover") for i in range(12)]})

    found = board.search(JobQuery(keyword="mover"))

    assert [job.id for job in found] == [f"ext_m{i}" for i in range(10)]


# ------------------------------------------------------------------ the fake's filters
def test_pages_hold_ten_jobs_each(fake: FakeJSearch, board: JSearchJobSearch) -> None:
    fake.add_jobs(*(jsearch_job(f"j{i:02}", "Python Developer") for i in range(12)))
    fake.add_job(jsearch_job("other", "Chef"))

    first = board.search(JobQuery(keyword="python developer", page=1))
    second = board.search(JobQuery(keyword="python developer", page=2))

    assert [job.id for job in first] == [f"ext_j{i:02}" for i in range(10)]
    assert [job.id for job in second] == ["ext_j10", "ext_j11"]
    assert fake.request_count == 2
    assert fake.last.response["parameters"]["page"] == 2


def test_the_fake_filters_by_place_remote_type_and_date(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    old = datetime.now(UTC) - timedelta(days=20)
    fake.add_jobs(
        jsearch_job("berlin", "Java Developer", city="Berlin"),
        jsearch_job("munich", "Java Developer", city="Munich"),
        jsearch_job("remote", "Java Developer", city="Munich", remote=True,
                    employment_type="CONTRACTOR"),
        jsearch_job("old", "Java Developer", city="Berlin", posted_at=old, shape="2023",
                    employment_type="INTERN"),
    )

    def ids(query: JobQuery) -> list[str]:
        return [job.id for job in board.search(query)]

    assert ids(JobQuery(keyword="java", location="Berlin")) == ["ext_berlin", "ext_old"]
    assert ids(JobQuery(keyword="java", remote_only=True)) == ["ext_remote"]
    assert ids(JobQuery(keyword="java", employment_types=(EmploymentType.CONTRACTOR,
                                                          EmploymentType.INTERN))) == [
        "ext_remote", "ext_old"]
    assert ids(JobQuery(keyword="java", date_posted="week")) == [
        "ext_berlin", "ext_munich", "ext_remote"]
    assert ids(JobQuery(keyword="java", country="de")) == []


# ------------------------------------------------------------------ failures
def test_a_missing_key_is_401_at_the_gateway(fake: FakeJSearch) -> None:
    answer = requests.get(f"{fake.url}/search", params={"query": "x"}, timeout=5)

    assert answer.status_code == 401
    assert answer.json() == {"message": INVALID_KEY_MESSAGE}


def test_a_401_is_delivery_failed_logged_at_error(
    fake: FakeJSearch, board: JSearchJobSearch, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(1, 401)

    with caplog.at_level(logging.INFO, logger=ADAPTER_LOG), \
            pytest.raises(DeliveryFailed, match="HTTP 401") as failure:
        board.search(JobQuery(keyword="python"))

    assert failure.value.retry_after is None
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert fake.last.response == {"message": INVALID_KEY_MESSAGE}


def test_a_wrong_key_is_403_delivery_failed_and_the_key_is_never_logged(
    fake: FakeJSearch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "wrong-key-5f3a9c0e7b1d"
    board = JSearchJobSearch(secret, base_url=fake.url, timeout_seconds=5)

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryFailed, match="HTTP 403") \
            as failure:
        board.search(JobQuery(keyword="python"))

    assert fake.last.status == 403
    assert fake.last.response == {"message": NOT_SUBSCRIBED_MESSAGE}
    errors = [r for r in caplog.records if r.name == ADAPTER_LOG]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert secret not in caplog.text
    assert secret not in str(failure.value)


def test_a_429_gives_retry_after_from_the_ratelimit_reset(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.rate_limit_next(reset=1800)

    with pytest.raises(DeliveryFailed, match="429") as failure:
        board.search(JobQuery(keyword="python"))

    assert failure.value.retry_after == 1800
    assert fake.last.status == 429
    assert "quota" in fake.last.response["message"]


def test_a_429_prefers_retry_after_and_ignores_non_numbers(
    fake: FakeJSearch, board: JSearchJobSearch
) -> None:
    fake.rate_limit_next(reset=1800, retry_after=7)
    fake.rate_limit_next(reset="soon")

    with pytest.raises(DeliveryFailed) as first:
        board.search(JobQuery(keyword="python"))
    with pytest.raises(DeliveryFailed) as second:
        board.search(JobQuery(keyword="python"))

    assert first.value.retry_after == 7
    assert second.value.retry_after is None


def test_an_exhausted_quota_is_429_from_the_fake_itself(fake: FakeJSearch) -> None:
    with FakeJSearch(quota=1, reset_seconds=600) as small:
        board = JSearchJobSearch(DEFAULT_API_KEY, base_url=small.url, timeout_seconds=5)
        small.add_job(jsearch_job("q1", "Baker"))
        assert [job.id for job in board.search(JobQuery(keyword="baker"))] == ["ext_q1"]
        assert small.last.headers.get("X-RapidAPI-Key") == DEFAULT_API_KEY

        with pytest.raises(DeliveryFailed) as failure:
            board.search(JobQuery(keyword="baker"))

        assert failure.value.retry_after == 600
        assert small.request_count == 2


def test_a_500_is_delivery_failed(fake: FakeJSearch, board: JSearchJobSearch) -> None:
    fake.fail_next(1, 500)

    with pytest.raises(DeliveryFailed, match="HTTP 500"):
        board.search(JobQuery(keyword="python"))
    assert fake.request_count == 1  # no retry: each request is billed


def test_another_4xx_is_delivery_failed(fake: FakeJSearch, board: JSearchJobSearch) -> None:
    fake.fail_next(1, 400, body='{"status":"ERROR","error":{"message":"bad","code":400}}',
                   content_type="application/json")

    with pytest.raises(DeliveryFailed, match="HTTP 400"):
        board.search(JobQuery(keyword="python"))


def test_a_slow_answer_is_a_timeout(fake: FakeJSearch) -> None:
    board = JSearchJobSearch(DEFAULT_API_KEY, base_url=fake.url, timeout_seconds=0.3)
    fake.slow_next(1, 2.0)

    with pytest.raises(DeliveryFailed, match=r"within 0\.3 s"):
        board.search(JobQuery(keyword="python"))


@pytest.mark.parametrize("status", [200, 502])
def test_an_html_page_is_delivery_failed(fake: FakeJSearch, board: JSearchJobSearch,
                                         status: int) -> None:
    fake.html_next(status=status)

    with pytest.raises(DeliveryFailed, match="cannot read" if status == 200 else "HTTP 502"):
        board.search(JobQuery(keyword="python"))
    assert fake.last.status == status


@pytest.mark.parametrize(("body", "message"), [
    ({"status": "OK", "request_id": "r"}, "without a list"),
    ({"status": "OK", "data": {"job_id": "1"}}, "without a list"),
    ({"status": "ERROR", "request_id": "r", "error": {"message": "x", "code": 500}},
     "did not succeed"),
    ({"data": []}, "did not succeed"),
    ([], "cannot read"),
    ("", "cannot read"),
])
def test_an_answer_of_another_shape_is_delivery_failed(
    fake: FakeJSearch, board: JSearchJobSearch, body: object, message: str
) -> None:
    fake.malform_next(body=body)  # type: ignore[arg-type]

    with pytest.raises(DeliveryFailed, match=message):
        board.search(JobQuery(keyword="python"))


def test_a_closed_port_is_delivery_failed() -> None:
    board = JSearchJobSearch(DEFAULT_API_KEY, base_url=f"http://127.0.0.1:{closed_port()}",
                             timeout_seconds=2)

    with pytest.raises(DeliveryFailed, match="could not be reached \\(ConnectionError\\)"):
        board.search(JobQuery(keyword="python"))


def test_an_ok_empty_answer_is_no_postings(fake: FakeJSearch,
                                           board: JSearchJobSearch) -> None:
    fake.add_job(jsearch_job("z1", "Gardener"))

    assert board.search(JobQuery(keyword="astronaut")) == ()
    assert fake.last.response["data"] == []
