"""The OpenAPI document tells the truth: schemathesis drives eduport on a real HTTP server
(127.0.0.1, a thread of this process) with each role's token and every phase it has
(examples, coverage, fuzzing, stateful), and fails on any 5xx and on any answer whose status,
content type, body or headers are not the ones the document declares.

The budget is bounded (``FUZZ_SECONDS`` of testing per role, at most ``MAX_EXAMPLES`` per
operation and phase), so the module takes about two minutes; deselect it locally with
``-m "not slow"``. CI runs it: nothing here skips. The seed is fixed so that a failure
replays; ``EDUPORT_FUZZ_SEED`` picks another, ``EDUPORT_FUZZ_SECONDS`` another budget.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from tests.conftest import fresh_database, make_settings
from tests.driver import (
    assert_problem,
    log_in,
    open_shop,
    published_course,
    register,
    sign_up,
    sign_up_admin,
    user_id,
)

FUZZ_SECONDS = int(os.environ.get("EDUPORT_FUZZ_SECONDS", "25"))
MAX_EXAMPLES = 12
SEED = int(os.environ.get("EDUPORT_FUZZ_SEED", "9"))
# What the document promises about answers, and about the requests it says are refused: no
# token where the bearer requirement is declared (ignored_auth), a method it does not list,
# a body that breaks its schema, a resource used after its deletion.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance", "ignored_auth",
          "unsupported_method", "negative_data_rejection", "missing_required_header",
          "use_after_free")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The platform admin goes last: it may change others' roles, which ends their sessions.
ROLES = ("student", "teacher", "company", "institution_admin", "platform_admin")
RATE_LIMITS = ("RATE_LIMIT_LOGIN", "RATE_LIMIT_REGISTER", "RATE_LIMIT_AUTHENTICATED",
               "RATE_LIMIT_PASSWORD_RESET", "RATE_LIMIT_VERIFICATION", "RATE_LIMIT_CHECKOUT",
               "RATE_LIMIT_WEBHOOKS")


# --- the server and its people -----------------------------------------------------------------


@dataclass
class Live:
    url: str
    client: Any  # a test client of the same app, for the seeding
    injector: Any
    people: dict[str, str] = field(default_factory=dict)  # role -> access token


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Live]:
    from hypothesis import configuration
    from werkzeug.serving import WSGIRequestHandler, make_server

    from bootstrap import build_injector, create_app

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # thousands of requests: the app's own log says enough

    tmp_path = tmp_path_factory.mktemp("conformance")
    # hypothesis' caches go to the test's folder, not the working tree
    configuration.set_hypothesis_home_dir(tmp_path / "hypothesis")
    # schemathesis is one client and a few users: no limit throttles it (the limits are
    # declared all the same, and checked below)
    settings = make_settings(tmp_path, fresh_database(request, tmp_path, "sqlite"),
                             **dict.fromkeys(RATE_LIMITS, "100000 per minute"))
    injector = build_injector(settings)
    app = create_app(injector, settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="eduport-http", daemon=True)
    thread.start()
    live = Live(f"http://127.0.0.1:{server.server_port}", app.test_client(), injector)
    try:
        live.people = cast(live)
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        injector.get(Engine).dispose()
        configuration.set_hypothesis_home_dir(None)


def cast(live: Live) -> dict[str, str]:
    """One signed-in user per role, and records for their ids to point at: a teacher's free
    and paid courses, a student enrolled in one with a checkout open for the other, a live
    session. Returns ``{role: access token}``."""
    client = live.client
    teacher, student = sign_up(client, "teacher", "Grace Hopper"), sign_up(client, "student")
    company, admin = sign_up(client, "company", "Acme"), sign_up_admin(client, live.injector)
    free = published_course(client, teacher, "free-course")
    paid = published_course(client, teacher, "paid-course", amount_minor=4900, currency="EUR")
    enrolled = client.post(f"/courses/{free['id']}/enrollments", headers=student)
    assert enrolled.status_code == 201, enrolled.get_data(as_text=True)
    checkout = client.post("/checkout", headers=student, json={
        "course_ids": [paid["id"]], "provider": "sandbox", "payment_method": "pm_card_visa"})
    assert checkout.status_code == 201, checkout.get_data(as_text=True)
    session = client.post(f"/courses/{free['id']}/live-sessions", headers=teacher, json={
        "title": "Office hours", "starts_at": "2030-01-01T10:00:00+00:00",
        "planned_minutes": 60})
    assert session.status_code == 201, session.get_data(as_text=True)
    # An institution admin is made by a platform admin: a sign-up given the role.
    assert register(client, "dean@example.test", "company", "Dean").status_code < 300
    dean_id = user_id(client, log_in(client, "dean@example.test"))
    changed = client.put(f"/admin/users/{dean_id}/role", headers=admin,
                         json={"role": "institution_admin"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    dean = log_in(client, "dean@example.test")
    assert client.get("/me", headers=dean).get_json()["role"] == "institution_admin"
    headers = {"student": student, "teacher": teacher, "company": company,
               "institution_admin": dean, "platform_admin": admin}
    return {role: h["Authorization"].removeprefix("Bearer ") for role, h in headers.items()}


# --- schemathesis ------------------------------------------------------------------------------


@dataclass
class Report:
    label: str
    seconds: float = 0.0
    operations: set[str] = field(default_factory=set)
    cases: Counter[str] = field(default_factory=Counter)  # per phase
    checks: Counter[str] = field(default_factory=Counter)  # how often each check ran
    failures: dict[str, list[str]] = field(default_factory=dict)  # check -> failures
    distinct: set[tuple[str, str, str]] = field(default_factory=set)  # check, operation, what
    errors: list[str] = field(default_factory=list)
    links: int = 0  # the stateful phase's links between operations

    def summary(self) -> str:
        phases = ", ".join(f"{phase} {self.cases[phase]}" for phase in PHASES)
        failed = len(self.distinct)
        return (f"{self.label}: {len(self.operations)} operations, "
                f"{sum(self.cases.values())} test cases ({phases}), {self.links} stateful "
                f"links, {self.seconds:.0f} s; {failed} failures, {len(self.errors)} errors")

    def problems(self) -> list[str]:
        return [*dict.fromkeys(f for found in self.failures.values() for f in found),
                *self.errors]


def config(token: str | None, *, seconds: int = FUZZ_SECONDS, checks: tuple[str, ...] = CHECKS,
           base_url: str | None = None) -> Any:
    import schemathesis

    return schemathesis.Config.from_dict({
        "seed": SEED,
        "max-time": seconds,
        "cache": {"enabled": False},  # nothing written into the working tree
        "workers": 1,
        "request-timeout": 10,
        "continue-on-failure": True,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "mode": "all"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
        "phases": {**{name: {"enabled": True} for name in PHASES},
                   "examples": {"enabled": True, "fill-missing": True}},
        **({"auth": {"openapi": {"bearerAuth": {"bearer": token}}}} if token else {}),
        **({"base-url": base_url} if base_url else {}),
    })


def run(schema: Any, label: str) -> Report:
    from schemathesis.engine import events, from_schema

    report = Report(label)
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and event.payload is not None:
            report.links = max(report.links, getattr(event.payload, "transitions_total", 0))
        elif isinstance(event, events.ScenarioFinished):
            phase, recorder = event.phase.value, event.recorder
            report.cases[phase] += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                case = recorder.cases[case_id].value
                report.operations.add(case.operation.label)
                for check in checks:
                    report.checks[check.name] += 1
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        report.distinct.add((check.name, case.operation.label, failure.title))
                        report.failures.setdefault(check.name, []).append(
                            f"[{label}, {phase}] {case.operation.label}: {failure.title}: "
                            f"{failure.message}\n{check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"[{label}] {event.label}: {event.info.title}: "
                                 f"{event.info.message}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"[{label}] fatal: {event.exception!r}")
    report.seconds = time.monotonic() - started
    return report


def fetch_document(live: Live) -> dict[str, Any]:
    answer = requests.get(f"{live.url}/openapi.json", timeout=10)
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_document_that_lies_is_caught(live: Live) -> None:
    """The run below can fail: the same checks over a copy of the document with four lies in
    it (Money without ``formatted``, a JSON probe declared as text, no 200 for /readyz, an
    impossible X-Request-ID) report each of them."""
    import schemathesis

    lies = copy.deepcopy(fetch_document(live))
    lies["components"]["schemas"]["Money"]["properties"].pop("formatted")
    lies["components"]["schemas"]["Money"]["required"].remove("formatted")
    healthz = lies["paths"]["/healthz"]["get"]["responses"]["200"]
    healthz["content"] = {"text/plain": healthz["content"]["application/json"]}
    del lies["paths"]["/readyz"]["get"]["responses"]["200"]
    lies["components"]["headers"]["X_REQUEST_ID"]["schema"]["pattern"] = "^never$"
    schema = schemathesis.openapi.from_dict(
        lies, config=config(live.people["student"], seconds=8, base_url=live.url),
    ).include(path_regex="^/(courses|healthz|readyz)$", method="GET")
    report = run(schema, "lies")
    print(report.summary())
    caught = {check for check, found in report.failures.items() if found}
    assert {"status_code_conformance", "content_type_conformance",
            "response_schema_conformance", "response_headers_conformance"} <= caught, \
        "\n".join(report.problems())
    assert any("formatted" in failure
               for failure in report.failures["response_schema_conformance"])


def test_public_operations_need_no_token_and_guarded_ones_refuse_without(live: Live) -> None:
    """What ``security`` says is what the server does: an operation that declares the bearer
    requirement answers 401 without a token, and one that does not never does."""
    document = fetch_document(live)
    seen = Counter[str]()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            url = live.url + path.replace("{", "").replace("}", "")  # ids that do not exist
            answer = requests.request(method, url, json={}, timeout=10)
            schemes = [s for s in operation.get("security", []) if s]
            optional = {} in operation.get("security", [])
            if schemes and not optional:
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
                assert "401" in operation["responses"], (method, path)
                seen["guarded"] += 1
            else:
                assert answer.status_code != 401, (method, path, answer.text)
                seen["public"] += 1
            assert answer.status_code < 500, (method, path, answer.text)
            assert str(answer.status_code) in operation["responses"], \
                (method, path, answer.status_code, sorted(operation["responses"]))
    assert seen["guarded"] >= 50 and seen["public"] >= 15, seen


def test_429_is_declared_where_a_limit_counts(request: pytest.FixtureRequest,
                                             tmp_path: Path) -> None:
    """With every limit at one request, a signed-in user's second call anywhere is refused:
    each operation declares 429 exactly when the server answers it, as a problem with
    Retry-After."""
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, fresh_database(request, tmp_path, "sqlite"),
                             **dict.fromkeys(RATE_LIMITS, "1 per hour"))
    injector = build_injector(settings)
    try:
        client = create_app(injector, settings).test_client()
        token = sign_up(client, "student")
        document = client.get("/openapi.json", headers=token).get_json()
        declared, refused = set(), set()
        for path, operations in document["paths"].items():
            for method in (m for m in operations if m != "parameters"):
                url = path.replace("{", "").replace("}", "")
                if "429" in operations[method]["responses"]:
                    declared.add((method, path))
                for _ in range(2):
                    answer = client.open(url, method=method, json={}, headers=token)
                    if answer.status_code == 429:
                        assert_problem(answer, 429)
                        assert int(answer.headers["Retry-After"]) > 0
                        refused.add((method, path))
        assert refused == declared, (sorted(refused - declared), sorted(declared - refused))
        assert len(declared) >= 60
    finally:
        injector.get(Engine).dispose()


def test_402_and_409_are_declared_where_they_happen(request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    """The paid path's refusals, each declared on its operation: enrolling in a paid course
    (402), a card the provider declines (402), buying a course one has (409)."""
    settings = make_settings(tmp_path, fresh_database(request, tmp_path, "sqlite"))
    shop = open_shop(settings, {"amount_minor": 4900, "currency": "EUR"})
    client, alan, course = shop["client"], shop["people"]["alan"], shop["course"]
    paths = client.get("/openapi.json").get_json()["paths"]

    def answer(status: int, method: str, template: str, **kwargs: Any) -> Any:
        path = template.replace("{course_id}", course).replace("{payment_id}",
                                                                kwargs.pop("payment", ""))
        answered = client.open(path, method=method, headers=alan, **kwargs)
        if status >= 400:
            assert_problem(answered, status)
        assert answered.status_code == status, answered.get_data(as_text=True)
        assert str(status) in paths[template][method.lower()]["responses"], (method, template)
        return answered.get_json()

    def buy(method: str) -> dict[str, Any]:
        return {"json": {"course_ids": [course], "provider": "sandbox",
                         "payment_method": method}}

    answer(402, "POST", "/courses/{course_id}/enrollments")
    answer(402, "POST", "/checkout", **buy("pm_no_such_card"))
    payment = answer(201, "POST", "/checkout", **buy("pm_card_visa"))["payment_id"]
    assert answer(200, "POST", "/payments/{payment_id}/confirm",
                  payment=payment)["status"] == "succeeded"
    answer(409, "POST", "/checkout", **buy("pm_card_visa"))
    assert answer(200, "POST", "/courses/{course_id}/enrollments")["created"] is False


@pytest.mark.slow
# schemathesis' own strategies draw from `random`; not this project's concern
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_every_answer_is_the_one_the_openapi_document_declares(live: Live) -> None:
    import schemathesis

    reports = []
    for role in ROLES:
        schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json",
                                               config=config(live.people[role]))
        reports.append(run(schema, role))
        print(reports[-1].summary())
    problems = [problem for report in reports for problem in report.problems()]
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)
    operations = len(fetch_document_operations(live))
    for report in reports:  # it really tested: every operation, checked, in each phase
        assert len(report.operations) == operations, report.summary()
        assert set(CHECKS) - {"use_after_free"} <= set(report.checks), report.summary()
        assert all(report.cases[phase] > 0 for phase in ("coverage", "fuzzing", "stateful")), \
            report.summary()


def fetch_document_operations(live: Live) -> list[tuple[str, str]]:
    return [(method, path) for path, operations in fetch_document(live)["paths"].items()
            for method in operations if method != "parameters"]
