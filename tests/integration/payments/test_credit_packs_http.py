"""Credit packs through the public API on the offline sandbox gateway, on SQLite and
PostgreSQL: the packs on sale, buying one, its credits counted once whatever repeats
(confirms, webhook deliveries and replays, the sweeper), refunds taking them back in
proportion, credits already spent, and what checkout refuses. Time is the Clock port's, so
the sweeper's hours pass at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from adapters.outbound.payments.sandbox import sign
from adapters.outbound.persistence import tables as t
from adapters.settings import Settings
from adapters.wiring.payments import sandbox_secret
from application.payments.sweep_payments import SweepPayments
from tests.driver import assert_problem, cast, deliver, log_in, paid_course, user_id
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says


@pytest.fixture
def people(client: Any, injector: Any) -> dict[str, dict[str, str]]:
    return cast(client, injector, students=("alan",))


def buy(client: Any, student: dict[str, str], pack: str = "plus",
        method: str = "pm_card_visa", key: str | None = None) -> Any:
    headers = {**student, **({"Idempotency-Key": key} if key else {})}
    return client.post("/checkout", headers=headers, json={
        "credit_pack": pack, "provider": "sandbox", "payment_method": method})


def bought(client: Any, student: dict[str, str], pack: str = "plus") -> str:
    """A pack bought and paid by card; the payment's id."""
    opened = buy(client, student, pack)
    assert opened.status_code == 201, opened.get_data(as_text=True)
    payment_id = str(opened.get_json()["payment_id"])
    paid = client.post(f"/payments/{payment_id}/confirm", headers=student)
    assert paid.get_json()["status"] == "succeeded"
    return payment_id


def refund(client: Any, admin: dict[str, str], payment_id: str, **body: Any) -> None:
    answer = client.post(f"/admin/payments/{payment_id}/refunds", headers=admin, json=body)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "succeeded"


def available(client: Any, student: dict[str, str]) -> int:
    balances = client.get("/me/credits", headers=student).get_json()["balances"]
    return sum(int(b["available"]) for b in balances if b["currency"] == "USD")


def entries(client: Any, student: dict[str, str]) -> list[tuple[str, int, str]]:
    """The student's ledger as (kind, amount, reason), sorted (the Clock stands still, so
    the entries share their time)."""
    found = client.get("/me/credits", headers=student).get_json()["entries"]
    return sorted((e["kind"], e["amount"]["amount_minor"], e["reason"]) for e in found)


def audited(client: Any, admin: dict[str, str], action: str) -> list[dict[str, Any]]:
    records = client.get("/admin/audit", headers=admin, query_string={"limit": 500}).get_json()
    return [r for r in records if r["action"] == action]


def sandbox_delivery(settings: Settings, clock: FakeClock, reference: str, payment_id: str,
                     event_id: str, kind: str = "payment.succeeded") -> tuple[bytes,
                                                                             dict[str, str]]:
    """A signed event of the sandbox, as it sends them, at the Clock's time."""
    body = json.dumps({"id": event_id, "type": kind, "created": int(clock.now().timestamp()),
                       "data": {"reference": reference, "payment_id": payment_id}}).encode()
    signature = sign(sandbox_secret(settings), int(clock.now().timestamp()), body)
    return body, {"Sandbox-Signature": signature, "Content-Type": "application/json"}


def reference_of(engine: Engine, payment_id: str) -> str:
    with engine.connect() as connection:
        return str(connection.execute(select(t.payments.c.provider_reference).where(
            t.payments.c.id == payment_id)).scalar_one())


def test_the_packs_on_sale_are_listed_to_anyone(client: Any) -> None:
    answer = client.get("/credit-packs")
    assert answer.status_code == 200
    assert answer.get_json() == [
        {"id": "starter", "title": "10.00 USD in credits",
         "price": {"amount_minor": 1000, "currency": "USD", "formatted": "10.00"},
         "credits": {"amount_minor": 1000, "currency": "USD", "formatted": "10.00"}},
        {"id": "plus", "title": "27.50 USD in credits",
         "price": {"amount_minor": 2500, "currency": "USD", "formatted": "25.00"},
         "credits": {"amount_minor": 2750, "currency": "USD", "formatted": "27.50"}},
        {"id": "pro", "title": "60.00 USD in credits",
         "price": {"amount_minor": 5000, "currency": "USD", "formatted": "50.00"},
         "credits": {"amount_minor": 6000, "currency": "USD", "formatted": "60.00"}}]


def test_a_paid_pack_tops_up_once_whatever_is_repeated(
        app: Any, client: Any, people: Any, settings: Settings, clock: FakeClock,
        engine: Engine) -> None:
    alan, root = people["alan"], people["root"]
    opened = buy(client, alan, key="pack-1")
    payment = opened.get_json()
    assert (opened.status_code, payment["amount"]["amount_minor"], payment["status"]) == (
        201, 2500, "pending")
    assert buy(client, alan, key="pack-1").headers.get("Idempotent-Replayed") == "true"
    pid = payment["payment_id"]
    assert available(client, alan) == 0  # nothing before the money arrives
    reference = reference_of(engine, pid)
    # Confirms and deliveries at once, then every stored delivery replayed by an admin.
    confirm = [lambda: app.test_client().post(f"/payments/{pid}/confirm", headers=alan)] * 3
    deliveries = [lambda n=n: deliver(app.test_client(), "sandbox", *sandbox_delivery(
        settings, clock, reference, pid, f"evt_{n}")) for n in range(6)]
    with ThreadPoolExecutor(max_workers=9) as pool:
        codes = [job.result(timeout=120).status_code
                 for job in [pool.submit(call) for call in [*confirm, *deliveries]]]
    assert codes == [200] * 9
    for delivery in client.get("/admin/webhooks", headers=root).get_json():
        replayed = client.post(f"/admin/webhooks/{delivery['id']}/replay", headers=root)
        assert replayed.status_code == 200, replayed.get_data(as_text=True)
    assert entries(client, alan) == [("top_up", 2750, "credit pack plus bought")]
    assert available(client, alan) == 2750
    assert client.get("/me/enrollments", headers=alan).get_json() == []
    (succeeded,) = audited(client, root, "payment.succeeded")
    assert (succeeded["object_id"], succeeded["details"]["credit_pack"]) == (pid, "plus")
    assert_problem(client.post(f"/admin/payments/{pid}/refunds", headers=root,
                               json={"amount_minor": 2501}), 422)


def test_a_pack_paid_without_a_word_is_credited_by_the_sweeper_once(
        client: Any, injector: Any, people: Any, settings: Settings, clock: FakeClock,
        engine: Engine) -> None:
    alan = people["alan"]
    pid = buy(client, alan).get_json()["payment_id"]
    reference = reference_of(engine, pid)
    with engine.begin() as connection:  # the bank said yes, and nobody heard
        connection.execute(update(t.sandbox_payments).where(
            t.sandbox_payments.c.reference == reference).values(status="succeeded"))
    clock.advance(hours=3)
    assert injector.get(SweepPayments)().settled == 1
    alan = log_in(client, "alan@example.test")  # the sessions of three hours ago are over
    assert entries(client, alan) == [("top_up", 2750, "credit pack plus bought")]
    deliver(client, "sandbox", *sandbox_delivery(settings, clock, reference, pid, "evt_late"))
    client.post(f"/payments/{pid}/confirm", headers=alan)
    clock.advance(days=2)
    assert injector.get(SweepPayments)().paid_rechecked == 1
    alan = log_in(client, "alan@example.test")
    assert entries(client, alan) == [("top_up", 2750, "credit pack plus bought")]


def test_three_d_secure_then_the_pack_is_credited(client: Any, people: Any) -> None:
    alan = people["alan"]
    pid = buy(client, alan, "starter", "pm_card_threeDSecure2Required").get_json()["payment_id"]
    step = client.post(f"/payments/{pid}/confirm", headers=alan).get_json()
    assert step["status"] == "requires_action" and available(client, alan) == 0
    done = client.post(f"/sandbox/payments/{step['next_action']['authenticate']}/authenticate",
                       headers=alan, json={"passed": True})
    assert done.status_code == 200
    assert entries(client, alan) == [("top_up", 1000, "credit pack starter bought")]


def test_refunds_take_the_credits_back_in_proportion_and_leave_courses_alone(
        client: Any, people: Any, settings: Settings, clock: FakeClock, engine: Engine) -> None:
    alan, root, grace = people["alan"], people["root"], people["grace"]
    course = paid_course(client, grace)
    paid = client.post("/checkout", headers=alan, json={
        "course_ids": [course], "provider": "sandbox", "payment_method": "pm_card_visa"})
    client.post(f"/payments/{paid.get_json()['payment_id']}/confirm", headers=alan)
    pid = bought(client, alan)
    refund(client, root, pid, amount_minor=333)  # 366.3 of 2750 credits
    assert available(client, alan) == 2750 - 366
    refund(client, root, pid, amount_minor=333)  # 732.6 in all
    assert available(client, alan) == 2750 - 733
    # The refund's event delivered again, and replayed: the step counts once.
    reference = reference_of(engine, pid)
    deliver(client, "sandbox", *sandbox_delivery(settings, clock, reference, pid, "evt_r",
                                                 "charge.refunded"))
    refund(client, root, pid, full=True)
    assert available(client, alan) == 0
    assert entries(client, alan) == [
        ("refund", 366, "credit pack plus refunded"), ("refund", 367, "credit pack plus refunded"),
        ("refund", 2017, "credit pack plus refunded"), ("top_up", 2750, "credit pack plus bought")]
    assert client.get(f"/payments/{pid}", headers=alan).get_json()["status"] == "refunded"
    # The course bought beside it keeps its student and its revenue, which never held the
    # pack's money.
    figures = client.get(f"/courses/{course}/statistics", headers=grace).get_json()
    assert figures["students_count"] == 1
    assert [r["amount_minor"] for r in figures["revenue"]] == [4900]
    assert audited(client, root, "credits.refund_shortfall") == []


def test_a_refund_after_the_credits_were_spent_takes_what_is_left_and_audits_the_rest(
        client: Any, injector: Any, people: Any, settings: Settings, clock: FakeClock,
        engine: Engine) -> None:
    alan, root = people["alan"], people["root"]
    pid = bought(client, alan)
    spent = client.post(f"/admin/users/{user_id(client, alan)}/credits", headers=root, json={
        "amount_minor": -2000, "currency": "USD", "reason": "spent", "key": "spent-1"})
    assert spent.status_code == 200
    refund(client, root, pid, full=True)
    assert available(client, alan) == 0
    assert ("refund", 750, "credit pack plus refunded") in entries(client, alan)
    # Seen again (a delivery, the sweeper's daily look): nothing more is taken or audited.
    deliver(client, "sandbox", *sandbox_delivery(settings, clock, reference_of(engine, pid),
                                                 pid, "evt_again", "charge.refunded"))
    clock.advance(days=2)
    injector.get(SweepPayments)()
    alan, root = (log_in(client, f"{name}@example.test") for name in ("alan", "root"))
    assert [kind for kind, _, _ in entries(client, alan)] == ["adjustment", "refund", "top_up"]
    (shortfall,) = audited(client, root, "credits.refund_shortfall")
    assert shortfall["object_id"] == user_id(client, alan)
    assert {k: shortfall["details"][k] for k in ("payment_id", "wanted_minor", "taken_minor",
                                                   "shortfall_minor", "currency")} == {
        "payment_id": pid, "wanted_minor": 2750, "taken_minor": 750, "shortfall_minor": 2000,
        "currency": "USD"}


def test_the_same_pack_reuses_its_open_attempt_and_never_replaces_a_course_checkout(
        client: Any, people: Any) -> None:
    alan = people["alan"]
    course = paid_course(client, people["grace"])
    for_course = client.post("/checkout", headers=alan, json={
        "course_ids": [course], "provider": "sandbox", "payment_method": "pm_card_visa"})
    first = buy(client, alan).get_json()
    again = buy(client, alan).get_json()
    assert again["reused"] and again["payment_id"] == first["payment_id"]
    other = buy(client, alan, "pro").get_json()
    assert other["payment_id"] != first["payment_id"]
    seen = client.get(f"/payments/{for_course.get_json()['payment_id']}", headers=alan)
    assert seen.get_json()["status"] == "pending"


@pytest.mark.parametrize("body", [
    {"credit_pack": "gold"},  # not on sale
    {"credit_pack": ""},
    {"credit_pack": "plus", "course_ids": ["c-1"]},  # both
    {},  # neither
    {"credit_pack": None},
    {"credit_pack": 7},
])
def test_checkout_refuses_what_is_not_one_pack_on_sale(client: Any, people: Any,
                                                       body: dict[str, Any]) -> None:
    answer = client.post("/checkout", headers=people["alan"],
                         json={"provider": "sandbox", "payment_method": "pm_card_visa", **body})
    problem = assert_problem(answer, 422)
    assert set(problem["errors"]) & {"credit_pack", "course_ids"}


def test_only_students_buy_packs(client: Any, people: Any) -> None:
    for who in ("grace", "root"):
        assert_problem(buy(client, people[who]), 403)
    assert_problem(client.post("/checkout", json={"credit_pack": "plus",
                                                  "provider": "sandbox"}), 401)
