"""``FakeStripe`` Billing (customers, prices, subscriptions, invoice items, invoices) proven
through the real ``stripe`` SDK (15.3.1, API ``2026-06-24.dahlia``), nothing patched.

The fake binds 127.0.0.1 only; webhook events are checked with ``stripe.Webhook``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe

from tests.vendor_servers.stripe_server import API_VERSION, FakeStripe

SECRET_KEY = "sk_test_billing"
WEBHOOK_SECRET = "whsec_billing_test"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET_KEY) as server:
        server.add_price(
            "price_monthly", unit_amount=1500, currency="usd", recurring_interval="month"
        )
        server.add_price("price_once", unit_amount=900, currency="usd")
        yield server


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    assert fake.url.startswith("http://127.0.0.1:")
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": fake.url}, max_network_retries=0)


def raw(fake: FakeStripe) -> dict[str, Any]:
    """The JSON body of the fake's latest answer, exactly as it went on the wire."""
    body = fake.last.response
    assert isinstance(body, dict)
    return body


def verify(body: bytes, headers: dict[str, str]) -> stripe.Event:
    return stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WEBHOOK_SECRET)


def new_customer(client: stripe.StripeClient) -> stripe.Customer:
    return client.v1.customers.create(params={"name": "Ada", "email": "ada@example.com"})


def incomplete_subscription(
    client: stripe.StripeClient, customer_id: str, **extra: Any
) -> stripe.Subscription:
    return client.v1.subscriptions.create(
        params={
            "customer": customer_id,
            "items": [{"price": "price_monthly", "quantity": 2}],
            "payment_behavior": "default_incomplete",
            "expand": ["latest_invoice.confirmation_secret"],
            **extra,
        }
    )


# ------------------------------------------------------------------------------------------
# customers and prices
# ------------------------------------------------------------------------------------------
def test_a_customer_is_created_with_metadata_retrieved_and_updated(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(
        params={
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "description": "student",
            "metadata": {"user_id": "42", "plan": "pro"},
        },
        options={"idempotency_key": "cus-1"},
    )
    assert fake.last.params["metadata"] == {"user_id": "42", "plan": "pro"}
    form = parse_qsl(fake.last.raw_body.decode())  # bracket keys, form-encoded
    assert ("metadata[user_id]", "42") in form and ("metadata[plan]", "pro") in form
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert (customer.name, customer.email, customer.description) == (
        "Ada Lovelace",
        "ada@example.com",
        "student",
    )
    assert customer.metadata.to_dict() == {"user_id": "42", "plan": "pro"}

    fetched = client.v1.customers.retrieve(customer.id)
    assert fetched.id == customer.id and fetched.metadata["plan"] == "pro"

    updated = client.v1.customers.update(
        customer.id, params={"name": "Ada King", "metadata": {"plan": "", "cohort": "7"}}
    )
    assert updated.name == "Ada King"
    assert updated.metadata.to_dict() == {"user_id": "42", "cohort": "7"}  # merged, "" unsets

    created, changed = fake.take_events()
    assert created["type"] == "customer.created"
    assert created["request"]["idempotency_key"] == "cus-1"
    assert created["data"]["object"]["metadata"] == {"user_id": "42", "plan": "pro"}
    assert changed["type"] == "customer.updated"
    assert changed["data"]["previous_attributes"]["name"] == "Ada Lovelace"

    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_nope")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"


def test_an_unknown_customer_parameter_is_rejected_like_stripe(
    client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create(params={"nmae": "typo"})  # type: ignore[arg-type]
    assert error.value.code == "parameter_unknown" and error.value.param == "nmae"


def test_a_price_is_retrieved(client: stripe.StripeClient) -> None:
    price = client.v1.prices.retrieve("price_monthly")
    assert (price.unit_amount, price.currency, price.type) == (1500, "usd", "recurring")
    assert price.recurring is not None and price.recurring.interval == "month"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.retrieve("price_missing")
    assert error.value.http_status == 404


# ------------------------------------------------------------------------------------------
# subscriptions
# ------------------------------------------------------------------------------------------
def test_a_default_incomplete_subscription_has_an_open_invoice_with_a_client_secret(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    subscription = incomplete_subscription(client, customer.id, metadata={"course": "c-1"})
    wire = raw(fake)

    assert subscription.status == "incomplete"
    assert subscription.customer == customer.id
    assert subscription.metadata.to_dict() == {"course": "c-1"}
    invoice = subscription.latest_invoice
    assert isinstance(invoice, stripe.Invoice)  # expanded inline
    assert invoice.status == "open" and invoice.number is not None
    assert invoice.amount_due == 3000 and invoice.billing_reason == "subscription_create"
    assert invoice.parent is not None and invoice.parent.subscription_details is not None
    assert invoice.parent.subscription_details.subscription == subscription.id
    assert invoice.confirmation_secret is not None
    secret = invoice.confirmation_secret.client_secret
    assert invoice.confirmation_secret.type == "payment_intent"

    # the secret is the client_secret of the invoice's PaymentIntent (via invoice.payments)
    payments = client.v1.invoice_payments.list(
        params={"invoice": invoice.id, "expand": ["data.payment.payment_intent"]}
    )
    (payment,) = payments.data
    intent = payment.payment.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "requires_payment_method"
    assert intent.client_secret == secret and secret.startswith(f"{intent.id}_secret_")
    assert intent.amount == 3000 and intent.currency == "usd"

    # API 2026-06-24.dahlia: the billing period lives on the subscription items
    (item,) = subscription["items"].data
    assert item.quantity == 2 and item.price.id == "price_monthly"
    start = datetime.fromtimestamp(item.current_period_start, UTC)
    end = datetime.fromtimestamp(item.current_period_end, UTC)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1
    assert "current_period_end" not in wire and "current_period_start" not in wire
    assert "payment_intent" not in wire["latest_invoice"]  # removed from Invoice in basil


def test_the_pre_basil_latest_invoice_payment_intent_expand_is_refused(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create(
            params={
                "customer": customer.id,
                "items": [{"price": "price_monthly"}],
                "payment_behavior": "default_incomplete",
                "expand": ["latest_invoice.payment_intent"],
            }
        )
    assert error.value.http_status == 400 and error.value.param == "expand"
    assert "payment_intent" in str(error.value.user_message)


def test_a_subscription_is_retrieved_with_expand_in_the_query_string(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    subscription = incomplete_subscription(client, new_customer(client).id)
    fetched = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice.confirmation_secret", "customer"]}
    )
    assert fake.last.method == "GET" and "expand" in fake.last.query_string
    assert isinstance(fetched.customer, stripe.Customer)
    assert isinstance(fetched.latest_invoice, stripe.Invoice)
    assert fetched.latest_invoice.confirmation_secret is not None
    plain = client.v1.subscriptions.retrieve(subscription.id)
    assert isinstance(plain.latest_invoice, str)
    assert "confirmation_secret" not in raw(fake)  # includable only


def test_an_unknown_price_is_a_400_naming_the_item_param(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": "price_ghost"}]}
        )
    assert error.value.http_status == 400
    assert error.value.code == "resource_missing"
    assert error.value.param == "items[0][price]"
    assert error.value.user_message == "No such price: 'price_ghost'"
    assert fake.subscriptions == {} and fake.invoices == {}

    with pytest.raises(stripe.InvalidRequestError) as one_time:
        client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": "price_once"}]}
        )
    assert one_time.value.param == "items[0][price]"

    with pytest.raises(stripe.InvalidRequestError) as no_customer:
        client.v1.subscriptions.create(
            params={"customer": "cus_ghost", "items": [{"price": "price_monthly"}]}
        )
    assert no_customer.value.param == "customer" and no_customer.value.http_status == 400


def test_cancel_at_period_end_then_undo_then_cancel_now(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    subscription = incomplete_subscription(client, new_customer(client).id)
    fake.activate_subscription(subscription.id)
    fake.take_events()
    period_end = subscription["items"].data[0].current_period_end

    at_end = client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    assert fake.last.params["cancel_at_period_end"] == "true"
    assert at_end.status == "active" and at_end.cancel_at_period_end is True
    assert at_end.cancel_at == period_end and at_end.canceled_at is not None
    assert at_end.cancellation_details is not None
    assert at_end.cancellation_details.reason == "cancellation_requested"

    undone = client.v1.subscriptions.update(
        subscription.id, params={"cancel_at_period_end": False, "metadata": {"k": "v"}}
    )
    assert undone.cancel_at_period_end is False and undone.cancel_at is None
    assert undone.metadata.to_dict() == {"k": "v"}

    canceled = client.v1.subscriptions.cancel(subscription.id)
    assert fake.last.method == "DELETE"
    assert canceled.status == "canceled" and canceled.ended_at is not None

    events = fake.take_events()
    assert [e["type"] for e in events] == [
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    assert events[0]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert events[1]["data"]["previous_attributes"]["cancel_at_period_end"] is True
    assert events[2]["data"]["object"]["status"] == "canceled"

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})


def test_cancel_at_period_end_cancels_at_renewal(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    subscription = incomplete_subscription(client, new_customer(client).id)
    fake.activate_subscription(subscription.id)
    client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    fake.take_events()
    ended = fake.renew_subscription(subscription.id)
    assert ended["status"] == "canceled"
    assert [e["type"] for e in fake.take_events()] == ["customer.subscription.deleted"]


# ------------------------------------------------------------------------------------------
# invoice items and invoices
# ------------------------------------------------------------------------------------------
def test_invoice_items_invoice_and_finalize(fake: FakeStripe, client: stripe.StripeClient) -> None:
    customer = new_customer(client)
    pending = client.v1.invoice_items.create(
        params={
            "customer": customer.id,
            "amount": 2500,
            "currency": "usd",
            "description": "Course: Algebra",
            "metadata": {"course_id": "c-9"},
        }
    )
    assert pending.invoice is None and pending.amount == 2500

    ignoring = client.v1.invoices.create(params={"customer": customer.id})
    assert ignoring.status == "draft" and ignoring.amount_due == 0  # exclude is the default
    assert ignoring.lines.data == []

    invoice = client.v1.invoices.create(
        params={
            "customer": customer.id,
            "auto_advance": False,
            "collection_method": "send_invoice",
            "days_until_due": 7,
            "metadata": {"order": "o-1"},
            "pending_invoice_items_behavior": "include",
        }
    )
    assert fake.last.params["auto_advance"] == "false"
    assert invoice.status == "draft" and invoice.number is None
    assert invoice.hosted_invoice_url is None
    attached = client.v1.invoice_items.create(
        params={"customer": customer.id, "amount": 700, "currency": "usd", "invoice": invoice.id}
    )
    assert attached.invoice == invoice.id

    draft = client.v1.invoices.retrieve(invoice.id)
    assert [line.amount for line in draft.lines.data] == [2500, 700]
    assert draft.amount_due == 3200 and draft.status == "draft"

    finalized = client.v1.invoices.finalize_invoice(invoice.id)
    assert finalized.status == "open"
    assert finalized.amount_due == 3200 and finalized.amount_remaining == 3200
    assert finalized.number is not None and finalized.number.endswith("-0001")
    assert finalized.hosted_invoice_url is not None
    assert finalized.hosted_invoice_url.startswith("https://invoice.stripe.com/")
    assert finalized.status_transitions.finalized_at is not None
    assert finalized.due_date is not None

    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.invoices.finalize_invoice(invoice.id)
    assert again.value.http_status == 400
    assert again.value.user_message == (
        "This invoice is already finalized, you can't re-finalize a non-draft invoice."
    )
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.invoice_items.create(
            params={"customer": customer.id, "amount": 1, "currency": "usd", "invoice": invoice.id}
        )
    assert late.value.param == "invoice"

    types = [e["type"] for e in fake.take_events()]
    assert types.count("invoice.created") == 2 and types.count("invoice.finalized") == 1
    assert types.count("invoiceitem.created") == 2


def test_invoices_are_listed_per_customer_newest_first(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    alice, bob = new_customer(client), new_customer(client)
    first = client.v1.invoices.create(params={"customer": alice.id})
    second = client.v1.invoices.create(params={"customer": alice.id})
    client.v1.invoices.create(params={"customer": bob.id})

    page = client.v1.invoices.list(params={"customer": alice.id, "limit": 1})
    assert fake.last.params == {"customer": alice.id, "limit": "1"}
    wire = raw(fake)
    assert wire["object"] == "list" and wire["url"] == "/v1/invoices"
    assert [i.id for i in page.data] == [second.id] and page.has_more is True
    assert [i.id for i in page.auto_paging_iter()] == [second.id, first.id]

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.list(params={"limit": 101})
    assert error.value.param == "limit"


def test_finalising_a_zero_invoice_pays_it(fake: FakeStripe, client: stripe.StripeClient) -> None:
    invoice = client.v1.invoices.create(params={"customer": new_customer(client).id})
    finalized = client.v1.invoices.finalize_invoice(invoice.id)
    assert finalized.status == "paid" and finalized.amount_paid == 0


# ------------------------------------------------------------------------------------------
# idempotency
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ["customer", "subscription", "invoice_item", "invoice"])
def test_every_billing_post_replays_its_idempotency_key(
    fake: FakeStripe, client: stripe.StripeClient, endpoint: str
) -> None:
    customer = new_customer(client)
    calls = {
        "customer": (client.v1.customers.create, {"name": "Bo"}, {"name": "Other"}),
        "subscription": (
            client.v1.subscriptions.create,
            {"customer": customer.id, "items": [{"price": "price_monthly"}]},
            {"customer": customer.id, "items": [{"price": "price_monthly", "quantity": 3}]},
        ),
        "invoice_item": (
            client.v1.invoice_items.create,
            {"customer": customer.id, "amount": 100, "currency": "usd"},
            {"customer": customer.id, "amount": 101, "currency": "usd"},
        ),
        "invoice": (
            client.v1.invoices.create,
            {"customer": customer.id},
            {"customer": customer.id, "auto_advance": True},
        ),
    }
    create, params, different = calls[endpoint]
    fake.take_events()
    first = create(params=params, options={"idempotency_key": f"idem-{endpoint}"})
    emitted = len(fake.events)
    replay = create(params=params, options={"idempotency_key": f"idem-{endpoint}"})
    assert replay.id == first.id
    assert fake.last.replayed and fake.last.status == 200
    assert len(fake.events) == emitted  # a replay does not execute (no second event)

    with pytest.raises(stripe.IdempotencyError) as mismatch:
        create(params=different, options={"idempotency_key": f"idem-{endpoint}"})
    assert mismatch.value.http_status == 400
    assert raw(fake)["error"]["type"] == "idempotency_error"


def test_finalize_replays_its_key_instead_of_failing_the_second_time(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    invoice = client.v1.invoices.create(params={"customer": new_customer(client).id})
    client.v1.invoice_items.create(
        params={
            "customer": invoice.customer,
            "amount": 500,
            "currency": "usd",
            "invoice": invoice.id,
        }
    )
    first = client.v1.invoices.finalize_invoice(invoice.id, options={"idempotency_key": "fin"})
    again = client.v1.invoices.finalize_invoice(invoice.id, options={"idempotency_key": "fin"})
    assert first.number == again.number and again.status == "open"
    assert fake.last.replayed


# ------------------------------------------------------------------------------------------
# test controls and signed events
# ------------------------------------------------------------------------------------------
def test_paying_the_first_invoice_activates_the_subscription_with_signed_events(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    subscription = incomplete_subscription(client, customer.id)
    invoice_id = subscription.latest_invoice.id  # type: ignore[union-attr]
    created = fake.take_events()
    assert [e["type"] for e in created] == [
        "customer.created",
        "invoice.created",
        "invoice.finalized",
        "customer.subscription.created",
    ]
    assert created[1]["data"]["object"]["status"] == "draft"
    assert created[2]["data"]["object"]["status"] == "open"

    failed = fake.fail_invoice_payment(invoice_id, "insufficient_funds")
    assert failed["status"] == "open" and failed["attempt_count"] == 1
    assert client.v1.subscriptions.retrieve(subscription.id).status == "incomplete"

    paid = fake.pay_invoice(invoice_id)
    assert paid["status"] == "paid" and paid["attempt_count"] == 2
    assert paid["status_transitions"]["paid_at"] is not None
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"

    fetched = client.v1.invoices.retrieve(
        invoice_id, params={"expand": ["payments.data.payment.payment_intent"]}
    )
    assert fetched.status == "paid" and fetched.amount_paid == 3000
    assert fetched.payments is not None
    intent = fetched.payments.data[0].payment.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "succeeded" and intent.payment_method_types == ["card"]

    events = fake.take_events()
    verified = fake.deliver_events(events, verify, WEBHOOK_SECRET)
    assert [e.type for e in verified] == [
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "payment_intent.succeeded",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
    ]
    assert all(e.api_version == API_VERSION for e in verified)
    assert all(e["request"]["id"] is None for e in verified)  # automatic, not an API call
    failed_event, updated = verified[1], verified[-1]
    assert failed_event.data.object.attempt_count == 1
    assert failed_event.data.object.status == "open"
    assert updated.data.object.status == "active"
    assert updated.data.previous_attributes is not None
    assert updated.data.previous_attributes["status"] == "incomplete"


def test_events_can_be_delivered_out_of_order_and_twice(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    subscription = incomplete_subscription(client, new_customer(client).id)
    fake.take_events()
    fake.pay_invoice(subscription.latest_invoice.id)  # type: ignore[union-attr]
    events = fake.take_events("invoice.paid", "customer.subscription.updated")
    assert [e["type"] for e in events] == ["invoice.paid", "customer.subscription.updated"]
    assert [e["type"] for e in fake.take_events()] == [
        "payment_intent.succeeded",
        "invoice.payment_succeeded",
    ]  # the other types stayed pending

    deliveries: list[tuple[bytes, dict[str, str]]] = []

    def send(body: bytes, headers: dict[str, str]) -> str:
        deliveries.append((body, headers))
        return verify(body, headers).id

    ids = fake.deliver_events(events, send, WEBHOOK_SECRET, order="reversed", times=2)
    assert ids == [events[1]["id"], events[0]["id"]] * 2
    assert deliveries[0][0] == deliveries[2][0]  # a redelivery is the same body
    assert json.loads(deliveries[0][0])["type"] == "customer.subscription.updated"
    assert deliveries[0][1]["Content-Type"].startswith("application/json")

    picked = fake.deliver_events(events, send, WEBHOOK_SECRET, order=[1, 1, 0])
    assert picked == [events[1]["id"], events[1]["id"], events[0]["id"]]

    body, headers = FakeStripe.signed_event(events[0], WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        verify(body.replace(b"invoice.paid", b"invoice.void"), headers)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_other")


def test_a_declined_renewal_makes_the_subscription_past_due_then_a_payment_recovers_it(
    fake: FakeStripe, client: stripe.StripeClient
) -> None:
    subscription = incomplete_subscription(client, new_customer(client).id)
    fake.activate_subscription(subscription.id)
    first_end = subscription["items"].data[0].current_period_end
    fake.take_events()

    renewed = fake.past_due_subscription(subscription.id)
    assert renewed["status"] == "past_due"
    assert renewed["items"]["data"][0]["current_period_start"] == first_end
    renewal = fake.invoice(renewed["latest_invoice"])
    assert renewal["billing_reason"] == "subscription_cycle"
    assert renewal["status"] == "open" and renewal["attempt_count"] == 1
    assert renewal["next_payment_attempt"] > renewal["created"]  # Stripe will retry
    types = [e["type"] for e in fake.take_events()]
    assert types == [
        "invoice.created",
        "invoice.finalized",
        "customer.subscription.updated",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]

    fake.activate_subscription(subscription.id)
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"
    assert client.v1.invoices.retrieve(renewal["id"]).status == "paid"

    fake.cancel_subscription(subscription.id, reason="payment_failed")
    gone = client.v1.subscriptions.retrieve(subscription.id)
    assert gone.status == "canceled"
    assert gone.cancellation_details is not None
    assert gone.cancellation_details.reason == "payment_failed"
    last = fake.take_events()[-1]
    assert last["type"] == "customer.subscription.deleted"
    assert verify(*FakeStripe.signed_event(last, WEBHOOK_SECRET)).type == (
        "customer.subscription.deleted"
    )
