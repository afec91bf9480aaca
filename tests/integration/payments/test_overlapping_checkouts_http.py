"""A course is never in two open checkout attempts of one student, whatever the course
sets: a checkout for {A} and then one for {A, B} replaces the first (closed at the
provider), so course A can never be paid twice; two such checkouts racing on PostgreSQL
leave one open attempt, and the others are told to retry (on SQLite too, whose writers
queue)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from adapters.outbound.persistence import tables as t
from tests.driver import assert_problem, cast, paid_course


@pytest.fixture
def people(client: Any, injector: Any) -> dict[str, dict[str, str]]:
    return cast(client, injector, students=("alan",))


def buy(client: Any, student: dict[str, str], courses: list[str]) -> Any:
    return client.post("/checkout", headers=student, json={
        "course_ids": courses, "provider": "sandbox", "payment_method": "pm_card_visa"})


def open_attempts_holding(engine: Engine, course_id: str) -> int:
    p, lines = t.payments, t.order_lines
    with engine.connect() as connection:
        return int(connection.execute(
            select(func.count()).select_from(p.join(lines, lines.c.order_id == p.c.order_id))
            .where(lines.c.course_id == course_id,
                   p.c.status.in_(["pending", "requires_action", "failed"]))).scalar_one())


def test_a_larger_checkout_replaces_the_open_one_and_nothing_is_charged_twice(
        client: Any, people: Any, engine: Engine) -> None:
    alan, grace = people["alan"], people["grace"]
    a = paid_course(client, grace, "compilers", {"amount_minor": 1000, "currency": "EUR"})
    b = paid_course(client, grace, "linkers", {"amount_minor": 2000, "currency": "EUR"})
    first = buy(client, alan, [a]).get_json()
    second = buy(client, alan, [a, b]).get_json()
    assert second["payment_id"] != first["payment_id"]
    replaced = client.get(f"/payments/{first['payment_id']}", headers=alan).get_json()
    assert replaced["status"] == "canceled"
    assert open_attempts_holding(engine, a) == 1
    # The replaced attempt stays closed; paying the new one charges each course once.
    late = client.post(f"/payments/{first['payment_id']}/confirm", headers=alan).get_json()
    assert late["status"] == "canceled"
    assert client.get("/me/enrollments", headers=alan).get_json() == []
    paid = client.post(f"/payments/{second['payment_id']}/confirm", headers=alan).get_json()
    assert paid["status"] == "succeeded"
    for course, price in ((a, 1000), (b, 2000)):
        figures = client.get(f"/courses/{course}/statistics", headers=grace).get_json()
        assert (figures["students_count"], figures["revenue"][0]["amount_minor"]) == (1, price)
    assert_problem(buy(client, alan, [a]), 409)  # enrolled: never charged again
    audit = client.get("/admin/audit", headers=people["root"]).get_json()
    assert [r["object_id"] for r in audit if r["action"] == "checkout.replaced"] == [
        first["payment_id"]]


def test_the_same_checkout_again_reuses_its_attempt(client: Any, people: Any) -> None:
    course = paid_course(client, people["grace"])
    first = buy(client, people["alan"], [course])
    again = buy(client, people["alan"], [course])
    assert first.status_code == 201 and again.get_json()["payment_id"] == \
        first.get_json()["payment_id"]


def test_checkouts_racing_for_one_course_leave_one_open_attempt(
        app: Any, client: Any, people: Any, engine: Engine) -> None:
    alan, grace = people["alan"], people["grace"]
    a = paid_course(client, grace, "compilers")
    b = paid_course(client, grace, "linkers")
    c = paid_course(client, grace, "loaders")
    baskets = [[a], [a, b], [a, c], [a, b, c]] * 3
    start = threading.Barrier(len(baskets))

    def checkout(courses: list[str]) -> int:
        start.wait()
        return int(buy(app.test_client(), alan, courses).status_code)

    with ThreadPoolExecutor(max_workers=len(baskets)) as pool:
        codes = list(pool.map(checkout, baskets))
    assert set(codes) <= {201, 409} and 201 in codes
    for course in (a, b, c):
        assert open_attempts_holding(engine, course) <= 1
    assert open_attempts_holding(engine, a) == 1
