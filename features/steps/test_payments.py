"""Steps of payments.feature: card payments, 3-D Secure, declines, abandoned checkouts, PayPal in
another currency, and the payment provider's notifications arriving twice or out of order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import Engine, select, update

from adapters.outbound.persistence import tables as t
from application.payments.sweep_payments import SweepPayments
from features.steps.conftest import CONFLICT, NAME, NOT_VALID, Platform
from features.steps.payment_steps import *  # noqa: F403  (shared fixtures and steps)
from features.steps.payment_steps import AMOUNT, TITLE, Payments, Providers, amount_of, shown

scenarios("../payments.feature")

CURRENCY_PAIR = r"(?P<source>[A-Z]{3}) to (?P<target>[A-Z]{3})"
CLOSED = ("expired", "canceled")  # see "is closed" below


def last_checkout(platform: Platform) -> dict[str, Any]:
    """The answer to the checkout just opened (or resumed)."""
    assert platform.answer.request.path == "/checkout", platform.answer.request.path
    found: dict[str, Any] = platform.expect(201)
    return found


def paypal_order_id(payment: dict[str, Any]) -> str:
    """The PayPal order behind a checkout, as the approval page the student is sent to names it."""
    url = payment["redirect_url"]
    assert url and urlsplit(url).hostname == "www.sandbox.paypal.com", payment
    (order_id,) = parse_qs(urlsplit(url).query)["token"]
    return str(order_id)


# --- the providers ------------------------------------------------------------------------------


@given("students may pay with PayPal, which charges in US dollars")
def paypal_in_dollars(providers: Providers) -> None:
    providers.use_paypal()
    providers.configure(PAYPAL_CURRENCY="USD")


@given(parsers.re(f"the exchange rate from {CURRENCY_PAIR} is (?P<rate>\\d+\\.\\d+)"))
def exchange_rate(providers: Providers, source: str, target: str, rate: str) -> None:
    providers.configure(EXCHANGE_RATES=f"{source}:{target}={rate}")


@given(parsers.re(f"no exchange rate from {CURRENCY_PAIR} is set"))
def no_exchange_rate(providers: Providers, source: str, target: str) -> None:
    providers.configure(EXCHANGE_RATES="")


# --- checking out and paying by card ------------------------------------------------------------


@given(parsers.re(f"{NAME} has checked out {TITLE} by card(?: and left without paying)?"))
def has_checked_out(payments: Payments, platform: Platform, name: str, title: str) -> None:
    payment = platform.expect(201, payments.checkout(name, title))
    assert payment["status"] == "pending" and payment["client_secret"], payment


@then(parsers.re(f"{NAME} is asked to pay {AMOUNT}(?P<which> in the same checkout as before"
                 "| in a new checkout)?"))
def asked_to_pay(payments: Payments, platform: Platform, name: str, amount: str,
                 which: str | None) -> None:
    payment = last_checkout(platform)
    assert payment["status"] == "pending" and payment["client_secret"], payment
    assert shown(payment["amount"]) == amount == shown(payment["order_total"]), payment
    assert payment["exchange_rate"] is None, payment
    title = payments.last_checkout[name]
    ids = payments.checkouts[name, title]
    assert payment["payment_id"] == ids[-1]
    if which == " in the same checkout as before":
        assert payment["reused"] is True and len(ids) == 1, (payment, ids)
    elif which == " in a new checkout":
        assert payment["reused"] is False and len(ids) == 2 and ids[0] != ids[1], (payment, ids)
    else:
        assert payment["reused"] is False and len(ids) == 1, (payment, ids)


@then(parsers.re(f"{NAME} is told that they are already enrolled in {TITLE}"))
def already_enrolled(platform: Platform, name: str, title: str) -> None:
    problem = platform.problem(CONFLICT)
    assert "already enrolled" in problem["detail"] and title in problem["detail"], problem


@then(parsers.re(f"the bank asks {NAME} to authenticate the payment"))
def asked_to_authenticate(payments: Payments, name: str) -> None:
    answer = payments.confirmations[name, payments.last_checkout[name]]
    payment = payments.platform.expect(200, answer)
    assert payment["status"] == "requires_action", payment
    assert payment["next_action"]["type"] == "sandbox_3ds", payment
    assert payment["next_action"]["authenticate"], payment


@when(parsers.re(f"{NAME} (?P<outcome>passes|fails) the bank's authentication"))
def authenticates(payments: Payments, platform: Platform, name: str, outcome: str) -> None:
    """On the bank's 3-D Secure page, which eduport's answer to "Pay" pointed to."""
    answer = payments.confirmations[name, payments.last_checkout[name]]
    reference = answer.get_json()["next_action"]["authenticate"]
    platform.expect(200, platform.call("POST", f"/sandbox/payments/{reference}/authenticate",
                                       name, json={"passed": outcome == "passes"}))


@then(parsers.re(f"{NAME}'s payment for {TITLE} is refused because the authentication failed"))
def authentication_failed(payments: Payments, name: str, title: str) -> None:
    payment = payments.seen(name, title)
    assert (payment["status"], payment["failure_reason"]) == (
        "failed", "authentication_failed"), payment


@then(parsers.re(f"{NAME} is told that the card was declined"))
def card_declined(payments: Payments, name: str) -> None:
    answer = payments.confirmations[name, payments.last_checkout[name]]
    payment = payments.platform.expect(200, answer)
    assert (payment["status"], payment["failure_reason"]) == ("failed", "card_declined"), payment


# --- checkouts left unpaid ----------------------------------------------------------------------


@given(parsers.re(f"{NAME}'s checkout for {TITLE} stays open for (?P<minutes>\\d+) minutes"))
def stays_open(payments: Payments, name: str, title: str, minutes: str) -> None:
    payment = payments.seen(name, title)
    left = datetime.fromisoformat(payment["expires_at"]) - datetime.now(UTC)
    assert payment["status"] == "pending", payment
    assert timedelta(minutes=int(minutes)) - timedelta(minutes=1) < left <= timedelta(
        minutes=int(minutes)), payment


@when(parsers.re("more than (?P<minutes>\\d+) minutes pass"))
def time_passes(platform: Platform, minutes: str) -> None:
    """The clock moves on for the payments eduport keeps: everything about them happened
    ``minutes`` + 1 minutes earlier."""
    earlier = timedelta(minutes=int(minutes) + 1)
    c = t.payments.c
    with platform.injector.get(Engine).begin() as connection:
        rows = connection.execute(select(c.id, c.created_at, c.updated_at, c.expires_at)).all()
        for row in rows:
            connection.execute(update(t.payments).where(c.id == row.id).values(
                created_at=row.created_at - earlier, updated_at=row.updated_at - earlier,
                expires_at=row.expires_at - earlier if row.expires_at else None))


@when("eduport closes the checkouts nobody paid in time")
def sweep(platform: Platform) -> None:
    """What the scheduler runs every few minutes."""
    platform.injector.get(SweepPayments)()


@then(parsers.re(f"{NAME}'s checkout for {TITLE} is closed"))
def checkout_closed(payments: Payments, name: str, title: str) -> None:
    payment = payments.seen(name, title)
    # Expired by the sweeper, or canceled by the provider's notice that the sweeper's
    # cancellation caused, whichever eduport heard first: either way it is over.
    assert payment["status"] in CLOSED, payment
    assert payment["client_secret"] is None and payment["redirect_url"] is None, payment


@then(parsers.re(f"{NAME} can no longer pay in that checkout"))
def cannot_pay_any_more(payments: Payments, platform: Platform, name: str) -> None:
    title = payments.last_checkout[name]
    payment = platform.expect(200, payments.confirm(name, title))
    assert payment["status"] in CLOSED, payment
    charged = payments.sandbox.fetch(payments.reference(name, title))
    assert charged.status == "canceled" and charged.received is None, charged


# --- PayPal -------------------------------------------------------------------------------------


@when(parsers.re(f"{NAME} checks out {TITLE} with PayPal"))
def checks_out_with_paypal(payments: Payments, name: str, title: str) -> None:
    payments.checkout(name, title, provider="paypal")


@then(parsers.re(f"{NAME} is asked to pay {AMOUNT} for (?P<price>\\S+ [A-Z]{{3}}), "
                 r"at (?P<rate>\d+\.\d+) (?P<target>[A-Z]{3}) per (?P<source>[A-Z]{3})"))
def asked_to_pay_converted(platform: Platform, name: str, amount: str, price: str, rate: str,
                           target: str, source: str) -> None:
    payment = last_checkout(platform)
    assert payment["provider"] == "paypal" and payment["status"] == "pending", payment
    assert shown(payment["amount"]) == amount and shown(payment["order_total"]) == price, payment
    used = payment["exchange_rate"]
    assert (used["source_currency"], used["target_currency"], used["rate"]) == (
        source, target, rate), payment
    paypal_order_id(payment)  # the student is sent to PayPal to approve it


@when(parsers.re(f"{NAME} approves the payment at PayPal"))
def approves_at_paypal(payments: Payments, name: str) -> None:
    payment = payments.seen(name, payments.last_checkout[name])
    payments.paypal.approve(paypal_order_id(payment))


@when(parsers.re(f"{NAME} comes back to eduport"))
def comes_back(payments: Payments, name: str) -> None:
    payments.confirm(name, payments.last_checkout[name])


@then(parsers.re(f"PayPal charged {NAME} {AMOUNT}"))
def paypal_charged(payments: Payments, name: str, amount: str) -> None:
    order = payments.paypal.order(payments.reference(name, payments.last_checkout[name]))
    (unit,) = order["purchase_units"]
    (capture,) = unit["payments"]["captures"]
    value, currency = amount.split()
    assert order["status"] == "COMPLETED" and capture["status"] == "COMPLETED", order
    assert capture["amount"] == {"currency_code": currency, "value": value}, capture


@then(parsers.re(f"{NAME} is told that no exchange rate from {CURRENCY_PAIR} is available"))
def no_rate(platform: Platform, name: str, source: str, target: str) -> None:
    problem = platform.problem(NOT_VALID)
    assert problem["type"].endswith("/rate-unavailable"), problem
    assert f"no exchange rate from {source} to {target}" in problem["detail"], problem


@then("PayPal was asked to charge nothing")
def paypal_untouched(payments: Payments) -> None:
    paypal = payments.paypal
    assert paypal.orders == {}, paypal.orders
    assert not [r for r in paypal.requests if r.path.startswith("/v2/")], paypal.requests


# --- the payment provider's notifications -------------------------------------------------------


@given(parsers.re(f"{NAME} has paid at the payment provider but never came back to eduport"))
def paid_at_provider(payments: Payments, name: str) -> None:
    """The card was charged from the checkout page; the browser never told eduport."""
    title = payments.last_checkout[name]
    state = payments.sandbox.complete(payments.reference(name, title), f"browser:{name}")
    assert state.status == "succeeded", state


@given(parsers.re(f"{AMOUNT} of {NAME}'s payment was refunded at the payment provider"))
def refunded_at_provider(payments: Payments, amount: str, name: str) -> None:
    """Someone at the school refunded it in the provider's dashboard."""
    title = payments.last_checkout[name]
    payments.refunds_at_provider += 1
    receipt = payments.sandbox.refund(payments.reference(name, title),
                                      payments.payment_id(name, title), amount_of(amount),
                                      f"dashboard:{payments.refunds_at_provider}")
    assert receipt.status == "succeeded", receipt


@when(parsers.re(f"the notification that {NAME}'s payment succeeded arrives twice"))
def payment_notification_twice(payments: Payments, name: str) -> None:
    notification = payments.held_notification("payment.succeeded")
    for _ in range(2):
        payments.platform.expect(200, payments.deliver_sandbox(notification))


@then("eduport recognises the second notification as a repeat")
def second_is_a_repeat(payments: Payments) -> None:
    first, second = (answer.get_json() for answer in payments.deliveries[-2:])
    assert first == {"received": True, "duplicate": False}, first
    assert second == {"received": True, "duplicate": True}, second


@when(parsers.re("the held-up notifications arrive in the order: (?P<order>.+)"))
def notifications_in_order(payments: Payments, order: str) -> None:
    kinds = {"paid": "payment.succeeded", "refunded": "charge.refunded"}
    words = re.findall(r"\w+", order)
    assert set(words) <= {*kinds, "then", "and"}, order
    for word in words:
        if word in kinds:
            payments.platform.expect(
                200, payments.deliver_sandbox(payments.held_notification(kinds[word])))


@then(parsers.re(f"{NAME} is enrolled once in {TITLE}"))
def enrolled_once(payments: Payments, platform: Platform, name: str, title: str) -> None:
    mine = platform.enrollments_of(name)
    assert [(e["course_title"], e["status"]) for e in mine] == [(title, "active")], mine



@when(parsers.re(f'{NAME} checks out {TITLE} and "(?P<other>[^"]+)" together by card'))
def checks_out_two(payments: Payments, platform: Platform, name: str, title: str,
                   other: str) -> None:
    answer = platform.expect(201, platform.call("POST", "/checkout", name, json={
        "course_ids": [platform.course(title).id, platform.course(other).id],
        "provider": "sandbox", "payment_method": "pm_card_visa"}))
    payments.checkouts[name, f"{title} + {other}"] = [answer["payment_id"]]


@when(parsers.re(f'{NAME} pays for {TITLE} and "(?P<other>[^"]+)"'))
def pays_for_two(payments: Payments, platform: Platform, name: str, title: str,
                 other: str) -> None:
    paid = platform.expect(200, payments.confirm(name, f"{title} + {other}"))
    assert paid["status"] == "succeeded", paid
