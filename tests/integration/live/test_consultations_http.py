"""Paid consultations through the public API, on SQLite and PostgreSQL: a teacher's service,
a student's consultation paid from credits, both parties' passes and heartbeats on the
Clock's time, the bill for the minutes both were there, earnings and usage, the refusals;
and the races: two stops at once, a stop racing a heartbeat, two starts against one
balance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence.live import credit_balances, credit_entries
from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import assert_problem, cast, user_id
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says

BASE, RATE = 500, 50


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, ACCESS_TOKEN_TTL_SECONDS="86400")


@pytest.fixture
def people(client: Any, injector: Any) -> dict[str, dict[str, str]]:
    return cast(client, injector, students=("ann", "bob"))


@pytest.fixture
def service(client: Any, people: Any) -> str:
    created = client.post("/consultation-services", headers=people["grace"], json={
        "title": "Career coaching", "base_fee_minor": BASE, "per_minute_minor": RATE,
        "currency": "USD"})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def give(client: Any, people: Any, who: str, minor: int, key: str = "gift") -> None:
    answer = client.post(f"/admin/users/{user_id(client, people[who])}/credits",
                         headers=people["root"], json={"amount_minor": minor, "currency": "USD",
                                                       "reason": "a gift", "key": key})
    assert answer.status_code == 200


def balance(client: Any, who: dict[str, str]) -> dict[str, int]:
    [usd] = client.get("/me/credits", headers=who).get_json()["balances"]
    return {"available": usd["available"], "held": usd["held"]}


def test_a_consultation_is_billed_for_the_minutes_both_were_there(
        client: Any, people: Any, service: str, clock: FakeClock) -> None:
    ann, grace = people["ann"], people["grace"]
    assert client.get("/consultation-services", headers=ann).get_json()[0]["base_fee"] == {
        "amount_minor": BASE, "currency": "USD", "formatted": "5.00"}
    poor = assert_problem(client.post("/consultations", headers=ann,
                                      json={"service_id": service}), 409)
    assert poor["type"].endswith("/insufficient-credits") and "7.50 USD" in poor["detail"]
    give(client, people, "ann", 10_000)
    started = client.post("/consultations", headers=ann, json={"service_id": service})
    assert started.status_code == 201
    consultation, student_pass = started.get_json()["consultation"], started.get_json()["pass"]
    cid = consultation["id"]
    assert consultation["held"]["amount_minor"] == BASE + 5 * RATE
    assert balance(client, ann) == {"available": 10_000 - BASE - 5 * RATE,
                                    "held": BASE + 5 * RATE}
    provider_pass = client.post(f"/consultations/{cid}/join", headers=grace).get_json()
    assert provider_pass["room"] == student_pass["room"]

    def beat(minutes: int, *who: str) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for _ in range(minutes * 2):
            clock.advance(seconds=30)
            for name in who:
                answer = client.post(f"/consultations/{cid}/heartbeat",
                                     headers=people[name]).get_json()
        return answer

    beat(3, "ann", "grace")
    beat(5, "ann")  # grace dropped out for five minutes
    client.post(f"/consultations/{cid}/join", headers=grace)
    latest = beat(2, "ann", "grace")
    assert latest["together_seconds"] == 5 * 60 and latest["present"] is True
    stopped = client.post(f"/consultations/{cid}/stop", headers=grace)
    assert stopped.status_code == 200
    bill = stopped.get_json()["bill"]
    assert (bill["seconds"], bill["minutes"]) == (300, 5)
    assert bill["cost"]["amount_minor"] == BASE + 5 * RATE
    assert stopped.get_json()["stop_reason"] == "provider"
    # A second stop, from either side, answers the same bill and moves nothing.
    assert client.post(f"/consultations/{cid}/stop", headers=ann).get_json() == \
        stopped.get_json()
    assert balance(client, ann) == {"available": 10_000 - BASE - 5 * RATE, "held": 0}
    kinds = [e["kind"] for e in client.get("/me/credits", headers=ann).get_json()["entries"]]
    assert kinds.count("capture") == 1 and kinds.count("release") == 1
    assert [c["id"] for c in client.get("/consultations", headers=grace).get_json()] == [cid]
    assert client.get(f"/consultations/{cid}", headers=ann).get_json()["status"] == "ended"
    [earned] = client.get("/me/earnings", headers=grace).get_json()
    assert (earned["consultations"], earned["minutes"], earned["revenue"]["amount_minor"]) == \
        (1, 5, BASE + 5 * RATE)
    today = clock.now().date().isoformat()
    [usage] = client.get(f"/admin/consultation-usage?from={today}&to={today}",
                         headers=people["root"]).get_json()
    assert (usage["day"], usage["minutes"], usage["provider_id"]) == \
        (today, 5, user_id(client, grace))
    assert_problem(client.post(f"/consultations/{cid}/heartbeat", headers=ann), 409)


def test_it_stops_itself_when_the_credits_run_out(
        client: Any, people: Any, service: str, clock: FakeClock) -> None:
    ann, grace = people["ann"], people["grace"]
    give(client, people, "ann", BASE + 7 * RATE)
    cid = client.post("/consultations", headers=ann,
                      json={"service_id": service}).get_json()["consultation"]["id"]
    client.post(f"/consultations/{cid}/join", headers=grace)
    status = "active"
    for _ in range(40):
        clock.advance(seconds=30)
        answer = client.post(f"/consultations/{cid}/heartbeat", headers=ann)
        if answer.status_code != 200:
            break
        status = answer.get_json()["consultation"]["status"]
        client.post(f"/consultations/{cid}/heartbeat", headers=grace)
        if status == "ended":
            break
    ended = client.get(f"/consultations/{cid}", headers=ann).get_json()
    assert status == "ended" and ended["stop_reason"] == "credits_exhausted"
    assert ended["bill"]["minutes"] == 7
    assert balance(client, ann) == {"available": 0, "held": 0}


def test_bad_input_is_a_problem_and_changes_nothing(
        client: Any, people: Any, service: str, engine: Engine) -> None:
    ann, bob, grace = people["ann"], people["bob"], people["grace"]
    good = {"title": "x", "base_fee_minor": 0, "per_minute_minor": 10, "currency": "USD"}
    for bad in ({**good, "per_minute_minor": -1}, {**good, "per_minute_minor": 0},
                {**good, "per_minute_minor": 10**9}, {**good, "base_fee_minor": "5"},
                {**good, "currency": "XYZ"}, {**good, "title": ""}):
        assert_problem(client.post("/consultation-services", headers=grace, json=bad), 422)
    assert_problem(client.post("/consultation-services", headers=ann, json=good), 403)
    assert_problem(client.post("/consultations", headers=ann, json={"service_id": "nope"}),
                   404)
    assert_problem(client.post("/consultations", headers=grace,
                               json={"service_id": service}), 403)
    assert_problem(client.post("/consultations", headers=ann, json={}), 422)
    give(client, people, "ann", 10_000)
    cid = client.post("/consultations", headers=ann,
                      json={"service_id": service}).get_json()["consultation"]["id"]
    for path in ("", "/join", "/heartbeat", "/stop"):
        method = client.get if path == "" else client.post
        assert_problem(method(f"/consultations/{cid}{path}", headers=bob), 404)
    assert_problem(client.post(f"/consultations/{cid}/heartbeat", headers=grace), 409)
    assert_problem(client.post("/consultations/nope/stop", headers=ann), 404)
    assert_problem(client.get("/admin/consultation-usage?from=2026-02-01&to=2026-01-01",
                              headers=people["root"]), 422)
    assert_problem(client.get("/admin/consultation-usage?from=x&to=y",
                              headers=people["root"]), 422)
    assert_problem(client.get("/me/earnings", headers=ann), 403)
    with engine.connect() as connection:
        assert connection.execute(select(credit_entries.c.kind)).scalars().all().count(
            "hold") == 1
    retired = client.delete(f"/consultation-services/{service}", headers=grace)
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    assert_problem(client.post("/consultations", headers=ann, json={"service_id": service}),
                   409)
    assert client.get(f"/consultations/{cid}", headers=ann).get_json()["status"] == "active"


def _at_once(app: Any, calls: list[Callable[[Any], Any]]) -> list[Any]:
    start = threading.Barrier(len(calls))

    def run(call: Callable[[Any], Any]) -> Any:
        client = app.test_client()
        start.wait()
        return call(client)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _started(client: Any, people: Any, service: str, clock: FakeClock) -> str:
    give(client, people, "ann", 10_000)
    cid = client.post("/consultations", headers=people["ann"],
                      json={"service_id": service}).get_json()["consultation"]["id"]
    client.post(f"/consultations/{cid}/join", headers=people["grace"])
    for _ in range(4):
        clock.advance(seconds=30)
        for who in ("ann", "grace"):
            client.post(f"/consultations/{cid}/heartbeat", headers=people[who])
    return str(cid)


def _captures(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(select(credit_entries.c.amount_minor).where(
            credit_entries.c.kind == "capture")).scalars())


def test_two_stops_at_once_bill_once(app: Any, client: Any, people: Any, service: str,
                                     clock: FakeClock, engine: Engine) -> None:
    cid = _started(client, people, service, clock)
    answers = _at_once(app, [
        lambda c: c.post(f"/consultations/{cid}/stop", headers=people["ann"]),
        lambda c: c.post(f"/consultations/{cid}/stop", headers=people["grace"])])
    assert {a.status_code for a in answers} <= {200, 409}, [a.get_json() for a in answers]
    assert _captures(engine) == [BASE + 2 * RATE]
    assert balance(client, people["ann"]) == {"available": 10_000 - BASE - 2 * RATE,
                                              "held": 0}


def test_a_stop_racing_a_heartbeat_bills_once(app: Any, client: Any, people: Any,
                                              service: str, clock: FakeClock,
                                              engine: Engine) -> None:
    cid = _started(client, people, service, clock)
    clock.advance(seconds=30)
    answers = _at_once(app, [
        lambda c: c.post(f"/consultations/{cid}/stop", headers=people["ann"]),
        lambda c: c.post(f"/consultations/{cid}/heartbeat", headers=people["grace"])])
    assert answers[0].status_code in (200, 409), answers[0].get_json()
    assert answers[1].status_code in (200, 409), answers[1].get_json()
    if answers[0].status_code == 409:  # the heartbeat's lock won: stop again, as a client would
        assert client.post(f"/consultations/{cid}/stop", headers=people["ann"]).status_code \
            == 200
    captured = _captures(engine)
    assert len(captured) == 1
    ended = client.get(f"/consultations/{cid}", headers=people["ann"]).get_json()
    assert ended["bill"]["cost"]["amount_minor"] == captured[0]
    assert balance(client, people["ann"])["held"] == 0


def test_two_starts_against_one_balance_hold_it_once(
        app: Any, client: Any, people: Any, service: str, engine: Engine) -> None:
    give(client, people, "ann", BASE + 5 * RATE)  # one consultation's worth
    answers = _at_once(app, [
        lambda c: c.post("/consultations", headers=people["ann"], json={"service_id": service}),
        lambda c: c.post("/consultations", headers=people["ann"], json={"service_id": service}),
    ])
    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_json() for a in answers]
    with engine.connect() as connection:
        [(available, held)] = connection.execute(select(
            credit_balances.c.available, credit_balances.c.held)).all()
    assert (available, held) == (0, BASE + 5 * RATE)
