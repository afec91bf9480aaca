"""PayPal through the app: a course priced in EGP (which PayPal cannot charge) is paid in USD
at a stored rate, captured on confirmation, and PayPal's webhooks are verified by PayPal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from tests.conftest import make_settings
from tests.driver import assert_problem, deliver, open_shop
from tests.vendor_servers.paypal_server import FakePayPal

EGP_PRICE = {"amount_minor": 250000, "currency": "EGP"}  # 2,500.00 EGP


@pytest.fixture
def paypal() -> Iterator[FakePayPal]:
    with FakePayPal() as server:
        yield server
        assert server.invalid_requests == []  # everything eduport sent matched PayPal's spec


def make_shop(tmp_path: Path, database_url: str, paypal: FakePayPal, rates: str) -> dict[str, Any]:
    settings = make_settings(
        tmp_path, database_url, PAYPAL_MODE="sandbox", PAYPAL_SANDBOX_CLIENT_ID=paypal.client_id,
        PAYPAL_SANDBOX_SECRET=paypal.client_secret, PAYPAL_API_BASE=paypal.url,
        PAYPAL_WEBHOOK_ID=paypal.webhook_id, EXCHANGE_RATES=rates,
        EXCHANGE_RATES_AS_OF="2026-11-20T00:00:00+00:00")
    return open_shop(settings, EGP_PRICE)


def checkout(shop: dict[str, Any]) -> Any:
    return shop["client"].post("/checkout", headers=shop["people"]["alan"], json={
        "course_ids": [shop["course"]], "provider": "paypal"})


def deliver_event(shop: dict[str, Any], paypal: FakePayPal, event: dict[str, Any]) -> Any:
    return deliver(shop["client"], "paypal", json.dumps(event).encode(),
                   paypal.transmission_headers(event))


def test_pay_with_paypal_in_another_currency(
    tmp_path: Path, database_url: str, paypal: FakePayPal, engine: Engine
) -> None:
    shop = make_shop(tmp_path, database_url, paypal, "EGP:USD=0.0205")
    opened = checkout(shop)
    assert opened.status_code == 201, opened.get_json()
    payment = opened.get_json()
    assert payment["order_total"] == {"amount_minor": 250000, "currency": "EGP",
                                      "formatted": "2500.00"}
    assert payment["amount"] == {"amount_minor": 5125, "currency": "USD", "formatted": "51.25"}
    assert payment["exchange_rate"]["rate"] == "0.0205"
    assert payment["exchange_rate"]["source"] == "configuration"
    assert payment["redirect_url"].startswith("http")
    with engine.connect() as connection:
        order_id = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    order = paypal.order(order_id)
    unit = order["purchase_units"][0]
    assert unit["amount"]["value"] == "51.25" and unit["amount"]["currency_code"] == "USD"
    assert unit["custom_id"] == payment["payment_id"]

    client, alan = shop["client"], shop["people"]["alan"]
    early = client.post(f"/payments/{payment['payment_id']}/confirm", headers=alan)
    assert early.get_json()["status"] == "pending"  # not approved by the buyer yet
    paypal.approve(order_id)
    done = client.post(f"/payments/{payment['payment_id']}/confirm", headers=alan)
    assert done.get_json()["status"] == "succeeded"
    enrolled = client.get("/me/enrollments", headers=alan).get_json()
    assert [e["course_id"] for e in enrolled] == [shop["course"]]
    figures = client.get(f"/courses/{shop['course']}/statistics",
                         headers=shop["people"]["grace"]).get_json()
    assert figures["revenue"] == [{"amount_minor": 250000, "currency": "EGP",
                                   "formatted": "2500.00"}]


def test_a_missing_rate_is_refused_not_guessed(
    tmp_path: Path, database_url: str, paypal: FakePayPal, engine: Engine
) -> None:
    shop = make_shop(tmp_path, database_url, paypal, "EUR:USD=1.08")
    problem = assert_problem(checkout(shop), 422)
    assert "EGP" in problem["detail"] and "USD" in problem["detail"]
    with engine.connect() as connection:
        assert connection.execute(select(t.payments.c.id)).all() == []
    assert paypal.requests == []  # PayPal was never asked


def test_a_declined_capture_is_not_success_and_webhooks_are_verified_by_paypal(
    tmp_path: Path, database_url: str, paypal: FakePayPal, engine: Engine
) -> None:
    shop = make_shop(tmp_path, database_url, paypal, "EGP:USD=0.0205")
    payment = checkout(shop).get_json()
    with engine.connect() as connection:
        order_id = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    paypal.approve(order_id)
    paypal.set_capture_outcome("DECLINED")
    client, alan = shop["client"], shop["people"]["alan"]
    declined = client.post(f"/payments/{payment['payment_id']}/confirm", headers=alan)
    assert declined.get_json()["status"] == "failed"
    assert client.get("/me/enrollments", headers=alan).get_json() == []

    capture = paypal.order(order_id)["purchase_units"][0]["payments"]["captures"][0]
    event = paypal.webhook_event("PAYMENT.CAPTURE.DENIED", capture)
    forged = {**event, "summary": "tampered"}
    headers = paypal.transmission_headers(event)
    refused = deliver(client, "paypal", json.dumps(forged).encode(), headers)
    assert_problem(refused, 400)
    accepted = deliver_event(shop, paypal, event)
    assert accepted.status_code == 200 and accepted.get_json()["duplicate"] is False
    with engine.connect() as connection:
        (outcome,) = connection.execute(select(t.webhook_events.c.outcome)).scalars()
    assert outcome == "failed"


def dispute(capture_id: str, payment_id: str, status: str = "OPEN",
            outcome: str | None = None) -> dict[str, Any]:
    """A Disputes v1 dispute as PayPal puts it in CUSTOMER.DISPUTE.* events."""
    found: dict[str, Any] = {
        "dispute_id": "PP-D-27803", "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
        "status": status, "dispute_amount": {"currency_code": "USD", "value": "51.25"},
        "disputed_transactions": [{"seller_transaction_id": capture_id, "custom": payment_id,
                                   "gross_amount": {"currency_code": "USD", "value": "51.25"}}],
    }
    if outcome:
        found["dispute_outcome"] = {"outcome_code": outcome}
    return found


@pytest.mark.parametrize(("outcome", "after"), [
    ("RESOLVED_SELLER_FAVOUR", ("active", "succeeded", 250000, 1)),
    ("RESOLVED_BUYER_FAVOUR", ("revoked", "charged_back", 0, 0))])
def test_paypal_disputes_suspend_then_restore_or_revoke_access(
        tmp_path: Path, database_url: str, paypal: FakePayPal, engine: Engine, outcome: str,
        after: tuple[str, str, int, int]) -> None:
    shop = make_shop(tmp_path, database_url, paypal, "EGP:USD=0.0205")
    client, alan = shop["client"], shop["people"]["alan"]
    payment = checkout(shop).get_json()
    with engine.connect() as connection:
        order_id = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    paypal.approve(order_id)
    client.post(f"/payments/{payment['payment_id']}/confirm", headers=alan)
    capture_id = paypal.order(order_id)["purchase_units"][0]["payments"]["captures"][0]["id"]

    def access() -> list[str]:
        return [e["status"] for e in client.get("/me/enrollments", headers=alan).get_json()]

    assert access() == ["active"]
    for event_type, body in (
            ("CUSTOMER.DISPUTE.CREATED", dispute(capture_id, payment["payment_id"])),
            ("CUSTOMER.DISPUTE.UPDATED", dispute(capture_id, payment["payment_id"],
                                                 "UNDER_REVIEW"))):
        event = paypal.webhook_event(event_type, body, "dispute")
        assert deliver_event(shop, paypal, event).status_code == 200
        assert access() == ["suspended"]
    resolved = paypal.webhook_event("CUSTOMER.DISPUTE.RESOLVED", dispute(
        capture_id, payment["payment_id"], "RESOLVED", outcome), "dispute")
    assert deliver_event(shop, paypal, resolved).status_code == 200
    seen = client.get(f"/payments/{payment['payment_id']}", headers=alan).get_json()
    figures = client.get(f"/courses/{shop['course']}/statistics",
                         headers=shop["people"]["grace"]).get_json()
    assert (access()[0], seen["status"], figures["revenue"][0]["amount_minor"],
            figures["students_count"]) == after
