"""Operators see the money path over HTTP: `GET /admin/webhooks` lists the stored deliveries
(a Stripe event whose processing failed shows its error and its retry, one whose retries are
spent shows it was given up), and `POST /admin/webhooks/{id}/replay` runs one again, audited.
Stripe is the local server that speaks its wire protocol; its outages make processing fail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.driver import assert_problem, open_shop, user_id
from tests.integration.payments.test_stripe_checkout_http import (
    SECRET,
    WEBHOOK_SECRET,
    checkout,
    deliver_event,
    enrollments,
)
from tests.vendor_servers.stripe_server import FakeStripe

FIELDS = {"id", "provider", "event_id", "event_type", "received_at", "processed_at", "attempts",
          "last_error", "retry_at", "gave_up_at", "outcome"}


@pytest.fixture
def shop(tmp_path: Path, database_url: str) -> Iterator[dict[str, Any]]:
    with FakeStripe(api_key=SECRET) as stripe:
        settings = make_settings(tmp_path, database_url, STRIPE_SECRET=SECRET,
                                 STRIPE_API_BASE=stripe.url,
                                 STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                                 STRIPE_TIMEOUT_SECONDS="1")
        yield {**open_shop(settings, {"amount_minor": 1999, "currency": "USD"}),
               "stripe": stripe}


def listed(shop: dict[str, Any], who: str = "root", **query: Any) -> Any:
    return shop["client"].get("/admin/webhooks", headers=shop["people"][who],
                              query_string=query)


def replay(shop: dict[str, Any], delivery_id: str, who: str = "root") -> Any:
    return shop["client"].post(f"/admin/webhooks/{delivery_id}/replay",
                               headers=shop["people"][who])


def paid_at_stripe(shop: dict[str, Any]) -> dict[str, Any]:
    """Alan pays at Stripe; the event that says so, not delivered yet."""
    stripe = shop["stripe"]
    assert checkout(shop, "buy-1").status_code == 201
    (pi_id,) = stripe.payment_intents
    stripe.succeed_payment_intent(pi_id)
    event: dict[str, Any] = stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id))
    return event


def delivered_while_stripe_is_down(shop: dict[str, Any], outage: int = 1) -> dict[str, Any]:
    """The event is received, and processing fails: Stripe answers the re-fetch with 500
    for the next ``outage`` requests. Returns the delivery as the admin listing shows it."""
    event = paid_at_stripe(shop)
    shop["stripe"].fail_next(outage, status=500)
    received = deliver_event(shop, event)
    assert received.status_code == 200 and received.get_json()["duplicate"] is False
    (delivery,) = listed(shop).get_json()
    assert delivery["event_id"] == event["id"]
    return dict(delivery)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_failed_delivery_is_listed_with_its_retry_replayed_and_audited(
        shop: dict[str, Any]) -> None:
    failed = delivered_while_stripe_is_down(shop)
    assert set(failed) == FIELDS  # never the payload: it may carry personal data
    assert (failed["provider"], failed["event_type"], failed["attempts"]) == (
        "stripe", "payment_intent.succeeded", 1)
    assert failed["last_error"] and failed["processed_at"] is None
    assert failed["outcome"] is None and failed["gave_up_at"] is None
    # the first backoff step (10 s) after the failure, which came just after receipt
    waits = at(failed["retry_at"]) - at(failed["received_at"])
    assert timedelta(seconds=10) <= waits < timedelta(seconds=60), waits
    assert listed(shop, status="failed").get_json() == [failed]
    assert listed(shop, status="failed", provider="stripe").get_json() == [failed]
    for empty in ({"status": "pending"}, {"status": "processed"}, {"status": "given_up"},
                  {"provider": "paypal"}):
        assert listed(shop, **empty).get_json() == [], empty
    assert enrollments(shop) == []

    replayed = replay(shop, failed["id"])
    assert replayed.status_code == 200, replayed.get_data(as_text=True)
    assert replayed.get_json() == {"delivery_id": failed["id"], "outcome": "succeeded"}
    assert [e["status"] for e in enrollments(shop)] == ["active"]
    assert listed(shop, status="failed").get_json() == []
    (done,) = listed(shop, status="processed").get_json()
    assert done["id"] == failed["id"] and done["attempts"] == 2
    assert (done["outcome"], done["last_error"], done["retry_at"]) == ("succeeded", None, None)
    assert at(done["processed_at"]) >= at(done["received_at"])

    audit = shop["client"].get("/admin/audit", headers=shop["people"]["root"]).get_json()
    (record,) = [r for r in audit if r["action"] == "webhook.replayed"]
    assert (record["actor_id"], record["object_type"], record["object_id"]) == (
        user_id(shop["client"], shop["people"]["root"]), "webhook_delivery", failed["id"])
    assert record["details"] == {"outcome": "succeeded"}


def test_a_delivery_whose_retries_are_spent_is_given_up_until_replayed(
        shop: dict[str, Any]) -> None:
    first = delivered_while_stripe_is_down(shop, outage=6)  # the try and all five retries
    for attempt in range(2, 7):
        again = replay(shop, first["id"]).get_json()
        assert again["outcome"].startswith("failed again: "), again
        (seen,) = listed(shop).get_json()
        assert seen["attempts"] == attempt
    (given_up,) = listed(shop, status="given_up").get_json()
    assert given_up["id"] == first["id"] and given_up["retry_at"] is None
    assert at(given_up["gave_up_at"]) >= at(given_up["received_at"])
    assert listed(shop, status="failed").get_json() == [given_up]  # failed includes given up
    assert enrollments(shop) == []

    assert replay(shop, first["id"]).get_json()["outcome"] == "succeeded"  # Stripe is back
    assert listed(shop, status="given_up").get_json() == []
    assert [d["id"] for d in listed(shop, status="processed").get_json()] == [first["id"]]
    assert [e["status"] for e in enrollments(shop)] == ["active"]


def test_only_platform_admins_list_and_replay_deliveries(shop: dict[str, Any]) -> None:
    failed = delivered_while_stripe_is_down(shop)
    for who in ("alan", "grace"):  # a student, a teacher
        assert_problem(listed(shop, who), 403)
        assert_problem(replay(shop, failed["id"], who), 403)
    client = shop["client"]
    assert_problem(client.get("/admin/webhooks"), 401)
    assert_problem(client.post(f"/admin/webhooks/{failed['id']}/replay"), 401)
    assert listed(shop).get_json() == [failed]  # nobody replayed it
    assert enrollments(shop) == []
    audit = client.get("/admin/audit", headers=shop["people"]["root"]).get_json()
    assert [r for r in audit if r["action"] == "webhook.replayed"] == []


def test_an_unknown_status_is_422_and_an_unknown_delivery_404(shop: dict[str, Any]) -> None:
    failed = delivered_while_stripe_is_down(shop)
    assert_problem(listed(shop, status="lost"), 422)
    assert_problem(listed(shop, limit=0), 422)
    assert_problem(replay(shop, "no-such-delivery"), 404)
    assert listed(shop, status="failed").get_json() == [failed]  # the 404 replayed nothing
    audit = shop["client"].get("/admin/audit", headers=shop["people"]["root"]).get_json()
    assert [r for r in audit if r["action"] == "webhook.replayed"] == []


def test_deliveries_are_listed_newest_first_up_to_the_limit(shop: dict[str, Any]) -> None:
    failed = delivered_while_stripe_is_down(shop)
    stripe = shop["stripe"]
    (pi_id,) = stripe.payment_intents
    later = stripe.event("payment_intent.succeeded", stripe.payment_intent(pi_id))
    assert deliver_event(shop, later).status_code == 200  # Stripe is up: processed at once
    newest, oldest = listed(shop).get_json()
    assert (newest["event_id"], newest["outcome"], oldest["id"]) == (
        later["id"], "succeeded", failed["id"])
    assert at(newest["received_at"]) >= at(oldest["received_at"])
    assert listed(shop, limit=1).get_json() == [newest]
