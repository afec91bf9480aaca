"""Steps of refunds.feature: refunds by platform admins (through the sandbox, whose refund
notifications settle the access) and disputes of card payments (through Stripe, whose dispute
notifications are the only way eduport hears of them)."""

from __future__ import annotations

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.conftest import NAME, NOT_VALID, Platform
from features.steps.payment_steps import *  # noqa: F403  (shared fixtures and steps)
from features.steps.payment_steps import AMOUNT, TITLE, Payments, Providers, amount_of

scenarios("../refunds.feature")

ACCEPTED = 202  # a refund is asked of the provider; its notification settles the payment


# --- refunds ------------------------------------------------------------------------------------


REFUND = (f"{NAME} (?P<tries>refunds|has refunded|tries to refund) "
          f"(?:(?P<amount>\\d+\\.\\d+ [A-Z]{{3}}) of )?(?P<student>[A-Z]\\w*)'s payment for {TITLE}"
          '(?P<full> in full)?(?:, because "(?P<reason>[^"]+)")?')


@given(parsers.re(REFUND))
@when(parsers.re(REFUND))
def refunds(payments: Payments, platform: Platform, name: str, tries: str, amount: str | None,
            student: str, title: str, full: str | None, reason: str | None) -> None:
    assert (amount is None) == bool(full), "say either an amount or 'in full'"
    answer = payments.refund(name, student, title, amount_of(amount) if amount else None, reason)
    if tries == "has refunded":
        refund = platform.expect(ACCEPTED, answer)
        assert refund["status"] == "succeeded", refund


@then(parsers.re(f"{NAME} is told that at most {AMOUNT} is left to refund"))
def too_much(platform: Platform, name: str, amount: str) -> None:
    problem = platform.problem(NOT_VALID)
    left = amount_of(amount)
    assert f"at most {left.to_decimal_string()} {left.currency} is left" in problem["detail"], \
        problem


# --- disputes -----------------------------------------------------------------------------------


@given("card payments go through Stripe")
def stripe_for_cards(providers: Providers) -> None:
    providers.use_stripe()


@given(parsers.re(f"{NAME}'s bank has disputed the payment for {TITLE}"))
@when(parsers.re(f"{NAME}'s bank disputes the payment for {TITLE}"))
def bank_disputes(payments: Payments, platform: Platform, name: str, title: str) -> None:
    stripe = payments.stripe
    charge = stripe.payment_intent(payments.reference(name, title))["latest_charge"]
    dispute = stripe.dispute(charge)
    payments.disputes.append(dispute)
    platform.expect(200, payments.deliver_stripe(stripe.event("charge.dispute.created", dispute)))


@when(parsers.re("the school (?P<outcome>wins|loses) the dispute"))
def dispute_decided(payments: Payments, platform: Platform, outcome: str) -> None:
    assert payments.disputes, "there is no dispute in this scenario"
    decided = {**payments.disputes[-1], "status": "won" if outcome == "wins" else "lost"}
    stripe = payments.stripe
    platform.expect(200, payments.deliver_stripe(stripe.event("charge.dispute.closed", decided)))


@then(parsers.re(f"{NAME}'s payment for {TITLE} is disputed"))
def payment_disputed(payments: Payments, name: str, title: str) -> None:
    payment = payments.seen(name, title)
    assert payment["status"] == "disputed" and payment["refunded"]["amount_minor"] == 0, payment


@then(parsers.re(f"{NAME}'s payment for {TITLE} was taken back by the bank"))
def charged_back(payments: Payments, name: str, title: str) -> None:
    payment = payments.seen(name, title)
    assert payment["status"] == "charged_back", payment


# --- PayPal disputes ----------------------------------------------------------------------------


@given("students may pay with PayPal")
def paypal(providers: Providers) -> None:
    providers.use_paypal()


@given(parsers.re(f"{NAME} has paid for {TITLE} with PayPal"))
def paid_with_paypal(payments: Payments, platform: Platform, name: str, title: str) -> None:
    platform.expect(201, payments.checkout(name, title, provider="paypal"))
    payments.paypal.approve(payments.reference(name, title))
    paid = platform.expect(200, payments.confirm(name, title))
    assert paid["status"] == "succeeded", paid


def _dispute(payments: Payments, name: str, title: str, status: str,
             outcome: str | None = None) -> dict[str, object]:
    order = payments.paypal.order(payments.reference(name, title))
    (capture,) = order["purchase_units"][0]["payments"]["captures"]
    resource: dict[str, object] = {
        "dispute_id": "PP-D-1", "status": status, "reason": "MERCHANDISE_OR_SERVICE_NOT_RECEIVED",
        "disputed_transactions": [{"seller_transaction_id": capture["id"],
                                   "custom": payments.payment_id(name, title)}]}
    if outcome:
        resource["dispute_outcome"] = {"outcome_code": outcome}
    return resource


@when(parsers.re(f"{NAME} opens a dispute at PayPal about the payment for {TITLE}"))
def opens_paypal_dispute(payments: Payments, platform: Platform, name: str, title: str) -> None:
    payments.paypal_dispute = (name, title)  # type: ignore[attr-defined]
    event = payments.paypal.webhook_event("CUSTOMER.DISPUTE.CREATED",
                                          _dispute(payments, name, title, "OPEN"), "dispute")
    platform.expect(200, payments.deliver_paypal(event))


@when(parsers.re("PayPal decides the dispute for the (?P<side>school|buyer)"))
def paypal_decides(payments: Payments, platform: Platform, side: str) -> None:
    name, title = payments.paypal_dispute  # type: ignore[attr-defined]
    outcome = "RESOLVED_SELLER_FAVOUR" if side == "school" else "RESOLVED_BUYER_FAVOUR"
    event = payments.paypal.webhook_event(
        "CUSTOMER.DISPUTE.RESOLVED", _dispute(payments, name, title, "RESOLVED", outcome),
        "dispute")
    platform.expect(200, payments.deliver_paypal(event))
