"""Paid enrollment through the HTTP API and the offline sandbox gateway, on SQLite and
PostgreSQL: 3-D Secure, declines, Idempotency-Key, refunds, the webhook inbox, and races."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from adapters.outbound.payments.sandbox import sign
from adapters.outbound.persistence import tables as t
from adapters.wiring.messaging import MessagingSettings
from adapters.wiring.payments import sandbox_secret as _sandbox_secret
from tests.driver import assert_problem, cast, count, deliver, paid_course
from tests.integration.mail import body, messages


@pytest.fixture
def people(client: Any, injector: Any) -> dict[str, dict[str, str]]:
    return cast(client, injector, students=("alan", "ada"))


def buy(client: Any, student: dict[str, str], course_id: str, method: str = "pm_card_visa",
        key: str | None = None) -> Any:
    headers = {**student, **({"Idempotency-Key": key} if key else {})}
    return client.post("/checkout", headers=headers, json={
        "course_ids": [course_id], "provider": "sandbox", "payment_method": method})


def stats(client: Any, teacher: dict[str, str], course_id: str) -> dict[str, Any]:
    return dict(client.get(f"/courses/{course_id}/statistics", headers=teacher).get_json())


def test_pay_by_card_enrolls_and_counts_revenue_once(
    client: Any, people: Any, settings: Any
) -> None:
    course = paid_course(client, people["grace"])
    opened = buy(client, people["alan"], course)
    assert opened.status_code == 201
    payment = opened.get_json()
    assert payment["amount"] == {"amount_minor": 4900, "currency": "EUR", "formatted": "49.00"}
    assert payment["status"] == "pending" and payment["client_secret"]
    confirmed = client.post(f"/payments/{payment['payment_id']}/confirm", headers=people["alan"])
    assert confirmed.get_json()["status"] == "succeeded"
    enrollments = client.get("/me/enrollments", headers=people["alan"]).get_json()
    assert [e["course_id"] for e in enrollments] == [course]
    assert stats(client, people["grace"], course)["students_count"] == 1
    assert stats(client, people["grace"], course)["revenue"][0]["amount_minor"] == 4900
    assert_problem(buy(client, people["alan"], course), 409)  # already enrolled
    (receipt,) = [m for m in messages(Path(settings.section(MessagingSettings).outbox_dir))
                  if m["Subject"] == "Your receipt from eduport"]
    assert receipt["To"] == "alan@example.test" and "49.00 EUR" in body(receipt)


def test_three_d_secure_then_the_bank_approves(client: Any, people: Any) -> None:
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course, "pm_card_threeDSecure2Required").get_json()
    step = client.post(f"/payments/{payment['payment_id']}/confirm", headers=people["alan"])
    action = step.get_json()
    assert action["status"] == "requires_action" and action["next_action"]["type"]
    reference = action["next_action"]["authenticate"]
    # Only the payment's own student acts on the bank's page; nobody else can pass or fail it.
    for stranger in ({}, people["ada"], people["grace"]):
        answer = client.post(f"/sandbox/payments/{reference}/authenticate", headers=stranger,
                             json={"passed": False})
        assert_problem(answer, 401 if not stranger else 404)
    done = client.post(f"/sandbox/payments/{reference}/authenticate", headers=people["alan"],
                       json={"passed": True})
    assert done.status_code == 200
    # The sandbox's signed event went through the inbox and settled the payment.
    seen = client.get(f"/payments/{payment['payment_id']}", headers=people["alan"]).get_json()
    assert seen["status"] == "succeeded"
    assert len(client.get("/me/enrollments", headers=people["alan"]).get_json()) == 1


def test_the_sandbox_bank_page_refuses_unknown_and_unconfirmed_payments(
    client: Any, people: Any
) -> None:
    alan = people["alan"]
    assert_problem(client.post("/sandbox/payments/sbx_nosuch/authenticate", headers=alan,
                               json={"passed": True}), 404)
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course, "pm_card_threeDSecure2Required").get_json()
    reference = payment["client_secret"].split("_secret_")[0]  # as Stripe's client secrets
    # Not confirmed yet: there is no challenge to answer, and nothing changes.
    assert_problem(client.post(f"/sandbox/payments/{reference}/authenticate", headers=alan,
                               json={"passed": True}), 402)
    seen = client.get(f"/payments/{payment['payment_id']}", headers=people["alan"]).get_json()
    assert seen["status"] == "pending"
    assert_problem(client.post("/sandbox/payments/x/authenticate", headers=alan,
                               json={"passed": "maybe"}), 422)


def test_a_declined_card_enrolls_nobody_and_a_new_card_can_retry(
    client: Any, people: Any
) -> None:
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course, "pm_card_chargeDeclined").get_json()
    declined = client.post(f"/payments/{payment['payment_id']}/confirm",
                           headers=people["alan"]).get_json()
    assert declined["status"] == "failed" and declined["failure_reason"] == "card_declined"
    assert client.get("/me/enrollments", headers=people["alan"]).get_json() == []
    assert stats(client, people["grace"], course)["students_count"] == 0
    retry = buy(client, people["alan"], course, "pm_card_visa").get_json()
    assert retry["payment_id"] != payment["payment_id"] and not retry["reused"]
    done = client.post(f"/payments/{retry['payment_id']}/confirm", headers=people["alan"])
    assert done.get_json()["status"] == "succeeded"
    old = client.get(f"/payments/{payment['payment_id']}", headers=people["alan"]).get_json()
    assert old["status"] == "canceled"


def test_idempotency_key_replays_and_rejects_another_body(client: Any, people: Any) -> None:
    course, other = paid_course(client, people["grace"]), paid_course(
        client, people["grace"], "parsers")
    first = buy(client, people["alan"], course, key="order-7")
    replay = buy(client, people["alan"], course, key="order-7")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json() and replay.status_code == 201
    assert_problem(buy(client, people["alan"], other, key="order-7"), 422)


def test_another_students_payment_is_invisible(client: Any, people: Any) -> None:
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course).get_json()
    assert_problem(client.get(f"/payments/{payment['payment_id']}", headers=people["ada"]), 404)
    assert_problem(client.post(f"/payments/{payment['payment_id']}/confirm",
                               headers=people["ada"]), 404)
    assert_problem(client.get("/payments/nope", headers=people["alan"]), 404)
    assert_problem(buy(client, people["grace"], course), 403)  # teachers do not buy
    assert_problem(client.post("/checkout", headers=people["alan"], json={
        "course_ids": [course], "provider": "bitcoin"}), 422)


def test_partial_then_full_refund(client: Any, people: Any) -> None:
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course).get_json()
    pid = payment["payment_id"]
    client.post(f"/payments/{pid}/confirm", headers=people["alan"])
    assert_problem(client.post(f"/admin/payments/{pid}/refunds", headers=people["alan"],
                               json={}), 403)
    partial = client.post(f"/admin/payments/{pid}/refunds", headers=people["root"],
                          json={"amount_minor": 900, "reason": "late start"})
    assert partial.status_code == 202
    seen = client.get(f"/payments/{pid}", headers=people["alan"]).get_json()
    assert seen["status"] == "partially_refunded" and seen["refunded"]["amount_minor"] == 900
    assert client.get("/me/enrollments", headers=people["alan"]).get_json()[0]["status"] == \
        "active"
    assert_problem(client.post(f"/admin/payments/{pid}/refunds", headers=people["root"],
                               json={"amount_minor": 4001}), 422)
    # A refund says what it refunds: an empty body, or both an amount and full, refund nothing.
    for unclear in ({}, {"reason": "oops"}, {"amount_minor": 100, "full": True},
                    {"full": False}, {"full": "yes"}):
        problem = assert_problem(client.post(f"/admin/payments/{pid}/refunds",
                                             headers=people["root"], json=unclear), 422)
        assert problem["errors"]
    seen = client.get(f"/payments/{pid}", headers=people["alan"]).get_json()
    assert seen["refunded"]["amount_minor"] == 900
    client.post(f"/admin/payments/{pid}/refunds", headers=people["root"], json={"full": True})
    seen = client.get(f"/payments/{pid}", headers=people["alan"]).get_json()
    assert seen["status"] == "refunded"
    assert client.get("/me/enrollments", headers=people["alan"]).get_json()[0]["status"] == \
        "revoked"
    figures = stats(client, people["grace"], course)
    assert figures["students_count"] == 0 and figures["revenue"][0]["amount_minor"] == 0


def sandbox_event(settings: Any, reference: str, payment_id: str, event_id: str) -> tuple[
        bytes, dict[str, str]]:
    body = json.dumps({"id": event_id, "type": "payment.succeeded", "created": int(time.time()),
                       "data": {"reference": reference, "payment_id": payment_id}}).encode()
    return body, {"Sandbox-Signature": sign(_sandbox_secret(settings), int(time.time()), body),
                  "Content-Type": "application/json"}


def test_forged_stale_and_unknown_deliveries(client: Any, settings: Any, engine: Engine) -> None:
    body, headers = sandbox_event(settings, "sbx_x", "nope", "evt_1")
    before = count(engine, t.webhook_events)
    assert_problem(deliver(client, "sandbox", body), 400)
    forged = {**headers, "Sandbox-Signature": headers["Sandbox-Signature"][:-4] + "0000"}
    assert_problem(deliver(client, "sandbox", body, forged), 400)
    old = int(time.time()) - 301
    stale = {"Sandbox-Signature": sign(_sandbox_secret(settings), old, body)}
    assert_problem(deliver(client, "sandbox", body, stale), 400)
    assert count(engine, t.webhook_events) == before  # nothing stored
    accepted = deliver(client, "sandbox", body, headers)
    assert accepted.status_code == 200 and accepted.get_json()["duplicate"] is False
    again = deliver(client, "sandbox", body, headers)
    assert again.get_json()["duplicate"] is True
    with engine.connect() as connection:
        (outcome,) = connection.execute(select(t.webhook_events.c.outcome)).scalars()
    assert "not one of ours" in outcome
    assert_problem(deliver(client, "stripe", b"{}"), 404)  # not configured here


def test_concurrent_deliveries_and_confirms_enroll_exactly_once(
    app: Any, client: Any, people: Any, settings: Any, engine: Engine
) -> None:
    course = paid_course(client, people["grace"])
    payment = buy(client, people["alan"], course).get_json()
    pid = payment["payment_id"]
    with engine.connect() as connection:
        reference = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    # The bank says yes without telling us: only deliveries and confirms can settle it.
    _pay_silently(engine, reference)
    same = sandbox_event(settings, reference, pid, "evt_same")
    distinct = [sandbox_event(settings, reference, pid, f"evt_{n}") for n in range(5)]
    start = threading.Barrier(30)

    def delivered(event: tuple[bytes, dict[str, str]]) -> int:
        start.wait()
        return int(deliver(app.test_client(), "sandbox", *event).status_code)

    def confirm() -> int:
        start.wait()
        return int(app.test_client().post(f"/payments/{pid}/confirm",
                                          headers=people["alan"]).status_code)

    with ThreadPoolExecutor(max_workers=30) as pool:
        jobs = [pool.submit(delivered, same) for _ in range(20)]
        jobs += [pool.submit(delivered, event) for event in distinct]
        jobs += [pool.submit(confirm) for _ in range(5)]
        codes = [job.result(timeout=120) for job in jobs]
    assert codes == [200] * 30
    assert count(engine, t.webhook_events) == 6  # the repeated event was stored once
    assert count(engine, t.enrollments) == 1
    figures = stats(client, people["grace"], course)
    assert figures["students_count"] == 1 and figures["revenue"][0]["amount_minor"] == 4900
    with engine.connect() as connection:
        succeeded = connection.execute(select(func.count()).select_from(t.audit_log).where(
            t.audit_log.c.action == "payment.succeeded")).scalar_one()
    assert succeeded == 1


def _pay_silently(engine: Engine, reference: str) -> None:
    """The provider's side of a payment that succeeded while our process heard nothing."""
    from sqlalchemy import update

    with engine.begin() as connection:
        connection.execute(update(t.sandbox_payments)
                           .where(t.sandbox_payments.c.reference == reference)
                           .values(status="succeeded"))
