"""Checkout and webhooks through the app with the real Stripe SDK against a local server that
speaks Stripe's wire protocol: outages on create, signed events, refunds and disputes, and a
credit pack bought and charged back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from adapters.outbound.persistence import tables as t
from tests.conftest import make_settings
from tests.driver import assert_problem, deliver, open_shop
from tests.vendor_servers.stripe_server import FakeStripe, sign_stripe_payload

SECRET, WEBHOOK_SECRET = "sk_test_eduport", "whsec_eduport_test"


@pytest.fixture
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        yield server


@pytest.fixture
def shop(tmp_path: Path, database_url: str, stripe_server: FakeStripe) -> dict[str, Any]:
    settings = make_settings(tmp_path, database_url, STRIPE_SECRET=SECRET,
                             STRIPE_API_BASE=stripe_server.url,
                             STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_TIMEOUT_SECONDS="1")
    return {**open_shop(settings, {"amount_minor": 1999, "currency": "USD"}),
            "stripe": stripe_server}


def checkout(shop: dict[str, Any], key: str, flow: str = "payment_intent") -> Any:
    return shop["client"].post("/checkout", headers={**shop["people"]["alan"],
                                                     "Idempotency-Key": key},
                               json={"course_ids": [shop["course"]], "provider": "stripe",
                                     "flow": flow})


def deliver_event(shop: dict[str, Any], event: dict[str, Any], at: int | None = None) -> Any:
    body = json.dumps(event).encode()
    signature = sign_stripe_payload(body, WEBHOOK_SECRET, at or int(time.time()))
    return deliver(shop["client"], "stripe", body, {"Stripe-Signature": signature})


def enrollments(shop: dict[str, Any]) -> list[dict[str, Any]]:
    return list(shop["client"].get("/me/enrollments", headers=shop["people"]["alan"]).get_json())


def test_a_500_on_create_is_a_503_and_the_retry_with_the_same_key_succeeds(
    shop: dict[str, Any], engine: Engine
) -> None:
    stripe = shop["stripe"]
    stripe.fail_next(1, status=500)
    assert_problem(checkout(shop, "buy-1"), 503)
    with engine.connect() as connection:
        refs = connection.execute(select(t.payments.c.provider_reference)).scalars().all()
    assert refs == [None]  # nothing half-open: no reference, nothing at Stripe
    assert stripe.payment_intents == {}
    retried = checkout(shop, "buy-1")
    assert retried.status_code == 201 and retried.get_json()["client_secret"]
    creates = [r for r in stripe.requests if r.method == "POST" and r.path == "/v1/payment_intents"]
    assert len({r.header("Idempotency-Key") for r in creates}) == 1  # one key, derived from ids
    assert len(stripe.payment_intents) == 1
    (intent,) = stripe.payment_intents.values()
    assert intent["amount"] == 1999 and intent["currency"] == "usd"
    assert intent["metadata"]["payment_id"] == retried.get_json()["payment_id"]


def test_a_rejected_api_key_is_a_generic_503_with_the_cause_in_the_log(
    shop: dict[str, Any], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    shop["stripe"].fail_next(1, status=401)  # Stripe's answer to a wrong or revoked key
    answer = checkout(shop, "buy-key")
    assert_problem(answer, 503)
    assert answer.get_json()["detail"] == "payments are unavailable right now; try again later"
    assert "key" not in json.dumps(answer.get_json()).lower()
    assert any("check the configured Stripe secret key" in r.getMessage()
               for r in caplog.records if r.levelname == "ERROR")
    with engine.connect() as connection:
        assert connection.execute(select(t.payments.c.provider_reference)).scalars().all() == [None]
    assert checkout(shop, "buy-key").status_code == 201  # the key works again: same attempt


def test_a_timeout_on_create_never_makes_a_second_charge(shop: dict[str, Any]) -> None:
    stripe = shop["stripe"]
    stripe.delay_next(1, 2.5)  # longer than STRIPE_TIMEOUT_SECONDS
    assert_problem(checkout(shop, "buy-2"), 503)
    time.sleep(2.7)  # Stripe finished creating it after we gave up
    retried = checkout(shop, "buy-2")
    assert retried.status_code == 201
    assert len(stripe.payment_intents) == 1  # the same key found the same PaymentIntent


def test_signed_events_settle_duplicates_do_nothing_stale_ones_are_refused(
    shop: dict[str, Any], engine: Engine
) -> None:
    stripe, client = shop["stripe"], shop["client"]
    payment = checkout(shop, "buy-3").get_json()
    (pi_id,) = stripe.payment_intents
    stripe.succeed_payment_intent(pi_id)
    event = stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id))
    assert_problem(deliver_event(shop, event, at=int(time.time()) - 301), 400)
    assert_problem(deliver(client, "stripe", json.dumps(event).encode()), 400)
    first = deliver_event(shop, event)
    assert first.status_code == 200 and first.get_json() == {"received": True,
                                                             "duplicate": False}
    assert deliver_event(shop, event).get_json()["duplicate"] is True
    assert [e["status"] for e in enrollments(shop)] == ["active"]
    seen = client.get(f"/payments/{payment['payment_id']}", headers=shop["people"]["alan"])
    assert seen.get_json()["status"] == "succeeded"
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(t.webhook_events)).scalar()
    assert stored == 1
    stranger = stripe.event("payment_intent.succeeded", {**stripe.payment_intent(pi_id),
                                                         "id": "pi_unknown", "metadata": {}})
    assert deliver_event(shop, stranger).status_code == 200  # acknowledged and recorded


def test_refund_then_dispute_events_from_stripe(shop: dict[str, Any]) -> None:
    stripe, client, people = shop["stripe"], shop["client"], shop["people"]
    payment = checkout(shop, "buy-4").get_json()
    (pi_id,) = stripe.payment_intents
    stripe.succeed_payment_intent(pi_id)
    deliver_event(shop, stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id)))
    refund = client.post(f"/admin/payments/{payment['payment_id']}/refunds",
                         headers=people["root"], json={"amount_minor": 999})
    assert refund.status_code == 202
    charge = stripe.charge(stripe.payment_intent(pi_id)["latest_charge"])
    deliver_event(shop, stripe.event("charge.refunded", charge))
    seen = client.get(f"/payments/{payment['payment_id']}", headers=people["alan"]).get_json()
    assert seen["status"] == "partially_refunded" and seen["refunded"]["amount_minor"] == 999
    dispute = stripe.dispute(charge["id"])
    deliver_event(shop, stripe.event("charge.dispute.created", dispute))
    assert [e["status"] for e in enrollments(shop)] == ["suspended"]
    deliver_event(shop, stripe.event("charge.dispute.closed", {**dispute, "status": "lost"}))
    assert [e["status"] for e in enrollments(shop)] == ["revoked"]


def test_a_refund_stripe_answers_succeeded_settles_without_waiting_for_the_event(
        shop: dict[str, Any]) -> None:
    stripe, client, people = shop["stripe"], shop["client"], shop["people"]
    payment = checkout(shop, "buy-5").get_json()
    (pi_id,) = stripe.payment_intents
    stripe.succeed_payment_intent(pi_id)
    deliver_event(shop, stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id)))
    path, root = f"/admin/payments/{payment['payment_id']}/refunds", people["root"]

    def seen() -> dict[str, Any]:
        found: dict[str, Any] = client.get(f"/payments/{payment['payment_id']}",
                                           headers=people["alan"]).get_json()
        return found

    partial = client.post(path, headers=root, json={"amount_minor": 500})
    assert partial.status_code == 202 and partial.get_json()["status"] == "succeeded"
    assert (seen()["status"], seen()["refunded"]["amount_minor"]) == ("partially_refunded", 500)
    assert [e["status"] for e in enrollments(shop)] == ["active"]
    full = client.post(path, headers=root, json={"full": True})
    assert full.get_json()["amount"]["amount_minor"] == 1499
    assert (seen()["status"], seen()["refunded"]["amount_minor"]) == ("refunded", 1999)
    assert [e["status"] for e in enrollments(shop)] == ["revoked"]
    # The events arriving afterwards change nothing.
    charge = stripe.charge(stripe.payment_intent(pi_id)["latest_charge"])
    assert deliver_event(shop, stripe.event("charge.refunded", charge)).status_code == 200
    assert (seen()["status"], seen()["refunded"]["amount_minor"]) == ("refunded", 1999)
    stats = client.get(f"/courses/{shop['course']}/statistics",
                       headers=people["grace"]).get_json()
    assert stats["students_count"] == 0
    assert all(r["amount_minor"] == 0 for r in stats["revenue"])


def test_the_checkout_session_flow(shop: dict[str, Any]) -> None:
    stripe = shop["stripe"]
    opened = checkout(shop, "buy-5", flow="checkout_session").get_json()
    assert opened["redirect_url"] and opened["client_secret"] is None
    (session_id,) = stripe.checkout_sessions
    session = stripe.checkout_session(session_id)
    assert session["success_url"].startswith("https://app.example.test/checkout/success")
    assert session["metadata"]["payment_id"] == opened["payment_id"]
    stripe.complete_checkout_session(session_id, paid=True)
    deliver_event(shop, stripe.event("checkout.session.completed",
                                     stripe.checkout_session(session_id)))
    assert [e["status"] for e in enrollments(shop)] == ["active"]


NOT_STRIPE = {
    "proxy html page": (502, "text/html", b"<html><body>Bad gateway</body></html>"),
    "404 from elsewhere": (404, "text/html", b"<h1>Not Found</h1>"),
    "json that is not stripe's": (404, "application/json", b'{"message": "no route"}'),
    "200 html": (200, "text/html", b"<html>login</html>"),
}


@pytest.mark.parametrize("answer", NOT_STRIPE.values(), ids=NOT_STRIPE.keys())
def test_an_answer_that_is_not_stripes_is_503_never_declined_nor_stored(
        tmp_path: Path, database_url: str, answer: tuple[int, str, bytes],
        caplog: pytest.LogCaptureFixture) -> None:
    from werkzeug.wrappers import Response

    from tests.vendor_servers.base import LocalServer

    status, mimetype, body = answer
    calls: list[str] = []

    def elsewhere(environ: Any, start_response: Any) -> Any:
        calls.append(environ["PATH_INFO"])
        return Response(body, status=status, mimetype=mimetype)(environ, start_response)

    with LocalServer(elsewhere) as server:
        settings = make_settings(tmp_path, database_url, STRIPE_SECRET=SECRET,
                                 STRIPE_API_BASE=server.url, STRIPE_TIMEOUT_SECONDS="1")
        shop = open_shop(settings, {"amount_minor": 1999, "currency": "USD"})
        for _ in range(2):
            problem = assert_problem(checkout(shop, "buy-elsewhere"), 503)
            assert problem["detail"] == "payments are unavailable right now; try again later"
        # The key was not kept as a final answer: the second try asked again.
        assert len([c for c in calls if c.endswith("/payment_intents")]) == 2
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any("was not Stripe's" in r.getMessage() for r in errors)
    assert enrollments(shop) == []


# --- credit packs (ADR 19): a pack is its own line item; a lost dispute takes its credits --


def buy_pack(shop: dict[str, Any], flow: str) -> dict[str, Any]:
    opened = shop["client"].post("/checkout", headers={**shop["people"]["alan"],
                                                       "Idempotency-Key": f"pack-{flow}"},
                                 json={"credit_pack": "plus", "provider": "stripe",
                                       "flow": flow})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    found: dict[str, Any] = opened.get_json()
    return found


def pack_credits(shop: dict[str, Any]) -> tuple[int, list[tuple[str, int]]]:
    mine = shop["client"].get("/me/credits", headers=shop["people"]["alan"]).get_json()
    available = sum(b["available"] for b in mine["balances"])
    return available, sorted((e["kind"], e["amount"]["amount_minor"]) for e in mine["entries"])


def test_a_pack_sold_in_a_checkout_session_is_credited_once(shop: dict[str, Any]) -> None:
    stripe = shop["stripe"]
    opened = buy_pack(shop, "checkout_session")
    assert opened["redirect_url"] and opened["amount"]["amount_minor"] == 2500
    (session_id,) = stripe.checkout_sessions
    (created,) = [r for r in stripe.requests
                  if r.method == "POST" and r.path == "/v1/checkout/sessions"]
    (item,) = created.params["line_items"]
    assert item["price_data"]["product_data"]["name"] == "27.50 USD in credits"
    assert (item["price_data"]["unit_amount"], item["price_data"]["currency"]) == ("2500", "usd")
    stripe.complete_checkout_session(session_id, paid=True)
    event = stripe.event("checkout.session.completed", stripe.checkout_session(session_id))
    assert deliver_event(shop, event).get_json()["duplicate"] is False
    assert deliver_event(shop, event).get_json()["duplicate"] is True
    shop["client"].post(f"/payments/{opened['payment_id']}/confirm",
                        headers=shop["people"]["alan"])
    assert pack_credits(shop) == (2750, [("top_up", 2750)])


def test_a_lost_dispute_takes_the_credits_back(shop: dict[str, Any]) -> None:
    stripe, client, people = shop["stripe"], shop["client"], shop["people"]
    payment = buy_pack(shop, "payment_intent")
    (pi_id,) = stripe.payment_intents
    assert stripe.payment_intent(pi_id)["amount"] == 2500
    stripe.succeed_payment_intent(pi_id)
    deliver_event(shop, stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id)))
    assert pack_credits(shop) == (2750, [("top_up", 2750)])
    charge = stripe.charge(stripe.payment_intent(pi_id)["latest_charge"])
    dispute = stripe.dispute(charge["id"])
    deliver_event(shop, stripe.event("charge.dispute.created", dispute))
    assert pack_credits(shop)[0] == 2750  # an open dispute takes nothing yet
    lost = stripe.event("charge.dispute.closed", {**dispute, "status": "lost"})
    deliver_event(shop, lost)
    deliver_event(shop, stripe.event("charge.dispute.closed", {**dispute, "status": "lost"}))
    assert pack_credits(shop) == (0, [("refund", 2750), ("top_up", 2750)])
    seen = client.get(f"/payments/{payment['payment_id']}", headers=people["alan"]).get_json()
    assert seen["status"] == "charged_back"
