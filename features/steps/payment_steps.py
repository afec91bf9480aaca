"""What payments.feature and refunds.feature share: the payment providers of a scenario, paying,
and what students and teachers see of a payment afterwards.

A scenario pays through the offline sandbox gateway (the embedded default) unless its first
steps choose PayPal or Stripe: those run against the local PayPal and Stripe servers of
tests/vendor_servers, configured as an operator would configure eduport, so the choice has to
come before anything else in the scenario builds the platform. The providers' notifications
reach eduport through its webhook endpoints, signed the way each provider signs them.

Test modules take these fixtures and steps with ``from features.steps.payment_steps import *``
(pytest-bdd registers each step as a fixture of the module that defines it).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when
from sqlalchemy import Engine, select

from adapters.outbound.payments.sandbox import SIGNATURE_HEADER, SandboxPaymentGateway, sign
from adapters.outbound.persistence import tables as t
from adapters.settings import Settings
from adapters.wiring.payments import sandbox_secret as _sandbox_secret
from application.payments.providers import PaymentGateways
from domain.shared.money import Money, currency_exponent
from features.steps.conftest import NAME, REFUSED, Platform
from tests.conftest import make_settings
from tests.driver import deliver
from tests.vendor_servers.paypal_server import FakePayPal
from tests.vendor_servers.stripe_server import FakeStripe, sign_stripe_payload

TITLE = r'"(?P<title>[^"]+)"'
AMOUNT = r"(?P<amount>\d+\.\d+ [A-Z]{3})"

# Stripe's test payment methods, which the sandbox follows, by how a student's card behaves.
CARDS = {
    "by card": "pm_card_visa",
    "with a card the bank declines": "pm_card_chargeDeclined",
    "with a card that needs 3-D Secure": "pm_card_threeDSecure2Required",
}
CARD = "(?P<card>" + "|".join(CARDS) + ")"

STRIPE_SECRET, STRIPE_WEBHOOK_SECRET = "sk_test_eduport_features", "whsec_eduport_features"


def amount_of(text: str) -> Money:
    """'49.00 EUR' -> Money(4900, 'EUR'), with the currency's own number of decimals."""
    value, currency = text.split()
    minor = Decimal(value).scaleb(currency_exponent(currency))
    assert minor == minor.to_integral_value(), f"{text} has too many decimals"
    return Money(int(minor), currency)


def shown(money: dict[str, Any]) -> str:
    """An amount of an answer as the feature writes it: '49.00 EUR'."""
    return f"{money['formatted']} {money['currency']}"


# --- the providers of a scenario ----------------------------------------------------------------


@dataclass
class Providers:
    """How students pay in this scenario: chosen by its first steps, fixed once the platform
    (built from these settings) exists."""

    stack: ExitStack
    card: str = "sandbox"  # the provider of card payments: sandbox or stripe
    environment: dict[str, str] = field(default_factory=dict)
    paypal: FakePayPal | None = None
    stripe: FakeStripe | None = None
    built: bool = False

    def configure(self, **environment: str) -> None:
        assert not self.built, ("choose how students pay before anything else happens in the "
                                "scenario: the platform is already running")
        self.environment.update(environment)

    def use_paypal(self) -> FakePayPal:
        server = self.stack.enter_context(FakePayPal())
        self.configure(PAYPAL_MODE="sandbox", PAYPAL_SANDBOX_CLIENT_ID=server.client_id,
                       PAYPAL_SANDBOX_SECRET=server.client_secret, PAYPAL_API_BASE=server.url,
                       PAYPAL_WEBHOOK_ID=server.webhook_id)
        self.paypal = server
        return server

    def use_stripe(self) -> FakeStripe:
        server = self.stack.enter_context(FakeStripe(api_key=STRIPE_SECRET))
        self.configure(STRIPE_SECRET=STRIPE_SECRET, STRIPE_API_BASE=server.url,
                       STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET)
        self.stripe, self.card = server, "stripe"
        return server


@pytest.fixture
def providers() -> Iterator[Providers]:
    with ExitStack() as stack:
        chosen = Providers(stack)
        yield chosen
        if chosen.paypal is not None:  # everything eduport sent matched PayPal's own spec
            assert chosen.paypal.invalid_requests == [], chosen.paypal.invalid_requests


@pytest.fixture
def settings(tmp_path: Path, features_database_template: Path, providers: Providers) -> Settings:
    """The embedded defaults of every feature, plus the providers the scenario chose."""
    path = tmp_path / "eduport.sqlite3"
    shutil.copy(features_database_template, path)
    providers.built = True
    return make_settings(tmp_path, f"sqlite:///{path}", **providers.environment)


# --- paying -------------------------------------------------------------------------------------


class Payments:
    """Checkouts by (student, course title), the provider's side of them, and deliveries of
    the provider's notifications. Every call to eduport goes through ``platform.call``."""

    def __init__(self, platform: Platform, providers: Providers, settings: Settings) -> None:
        self.platform, self.providers, self.settings = platform, providers, settings
        self.checkouts: dict[tuple[str, str], list[str]] = {}  # payment ids, oldest first
        self.last_checkout: dict[str, str] = {}  # the course a student checked out last
        self.confirmations: dict[tuple[str, str], Any] = {}  # the student's last "Pay"
        self.held: list[bytes] | None = None  # sandbox notifications not delivered yet
        self.deliveries: list[Any] = []  # eduport's answers to delivered notifications
        self.refunds_at_provider = 0
        self.disputes: list[dict[str, Any]] = []  # Stripe's dispute objects, oldest first

    # --- eduport ------------------------------------------------------------------------------

    def checkout(self, student: str, title: str, provider: str | None = None,
                 card: str = "by card") -> Any:
        provider = provider or self.providers.card
        body: dict[str, Any] = {"course_ids": [self.platform.course(title).id],
                                "provider": provider}
        if provider == "sandbox":
            body["payment_method"] = CARDS[card]
        answer = self.platform.call("POST", "/checkout", student, json=body)
        self.last_checkout[student] = title
        if answer.status_code == 201:
            ids = self.checkouts.setdefault((student, title), [])
            if answer.get_json()["payment_id"] not in ids:
                ids.append(answer.get_json()["payment_id"])
        return answer

    def payment_id(self, student: str, title: str) -> str:
        ids = self.checkouts.get((student, title))
        assert ids, f"{student} has not checked out {title!r}"
        return ids[-1]

    def confirm(self, student: str, title: str, payment_id: str | None = None) -> Any:
        answer = self.platform.call(
            "POST", f"/payments/{payment_id or self.payment_id(student, title)}/confirm", student)
        self.confirmations[student, title] = answer
        return answer

    def seen(self, student: str, title: str, payment_id: str | None = None) -> dict[str, Any]:
        """The payment as the student sees it."""
        found: dict[str, Any] = self.platform.expect(200, self.platform.call(
            "GET", f"/payments/{payment_id or self.payment_id(student, title)}", student))
        return found

    def refund(self, admin: str, student: str, title: str, amount: Money | None,
               reason: str | None = None) -> Any:
        body = {"amount_minor": amount.amount_minor if amount else None,
                "full": True if amount is None else None, "reason": reason}
        return self.platform.call(
            "POST", f"/admin/payments/{self.payment_id(student, title)}/refunds", admin,
            json={key: value for key, value in body.items() if value is not None})

    def statistics(self, teacher: str, title: str) -> dict[str, Any]:
        assert self.platform.course(title).teacher == teacher, f"{teacher} does not teach {title}"
        found: dict[str, Any] = self.platform.expect(
            200, self.platform.statistics(teacher, title))
        return found

    def enrollment(self, student: str, title: str) -> dict[str, Any] | None:
        course_id = self.platform.course(title).id
        mine = [e for e in self.platform.enrollments_of(student) if e["course_id"] == course_id]
        assert len(mine) <= 1, mine
        return mine[0] if mine else None

    # --- the payment provider's side ------------------------------------------------------------

    def reference(self, student: str, title: str) -> str:
        """The provider's id of the payment (a sandbox payment, a Stripe PaymentIntent)."""
        payment_id = self.payment_id(student, title)
        with self.platform.injector.get(Engine).connect() as connection:
            reference = connection.execute(select(t.payments.c.provider_reference).where(
                t.payments.c.id == payment_id)).scalar_one()
        assert reference, f"the payment of {student} was never opened at the provider"
        return str(reference)

    @property
    def sandbox(self) -> SandboxPaymentGateway:
        gateway = self.platform.injector.get(PaymentGateways).by_provider.get("sandbox")
        assert isinstance(gateway, SandboxPaymentGateway), "the sandbox gateway is not in use"
        return gateway

    @property
    def stripe(self) -> FakeStripe:
        assert self.providers.stripe is not None, "Stripe is not in use"
        return self.providers.stripe

    @property
    def paypal(self) -> FakePayPal:
        assert self.providers.paypal is not None, "PayPal is not in use"
        return self.providers.paypal

    def pay_by_card(self, student: str, title: str) -> None:
        """Checks out and pays: the sandbox charges on the student's confirmation; with Stripe,
        Stripe.js charges the card at Stripe, then the student's browser confirms."""
        self.platform.expect(201, self.checkout(student, title))
        if self.providers.card == "stripe":
            self.stripe.succeed_payment_intent(self.reference(student, title))
        confirmed = self.platform.expect(200, self.confirm(student, title))
        assert confirmed["status"] == "succeeded", confirmed

    def hold_notifications(self) -> None:
        """The sandbox records its notifications but eduport does not hear of them yet."""
        self.held = []
        held = self.held
        self.sandbox.deliver = lambda body, headers: held.append(body)

    def held_notification(self, event_type: str) -> bytes:
        assert self.held is not None, "the notifications are not held up"
        found = [body for body in self.held if json.loads(body)["type"] == event_type]
        assert len(found) == 1, f"{len(found)} held {event_type} notifications"
        return found[0]

    def deliver_sandbox(self, body: bytes) -> Any:
        """One delivery of a sandbox notification, signed now, as the sandbox signs."""
        now = int(time.time())
        signature = sign(_sandbox_secret(self.settings), now, body)
        return self._deliver("sandbox", body, {SIGNATURE_HEADER: signature})

    def deliver_stripe(self, event: dict[str, Any]) -> Any:
        body = json.dumps(event).encode()
        signature = sign_stripe_payload(body, STRIPE_WEBHOOK_SECRET, int(time.time()))
        return self._deliver("stripe", body, {"Stripe-Signature": signature})

    def deliver_paypal(self, event: dict[str, Any]) -> Any:
        body = json.dumps(event).encode()
        return self._deliver("paypal", body, self.paypal.transmission_headers(event))

    def _deliver(self, provider: str, body: bytes, headers: dict[str, str]) -> Any:
        answer = self.platform._answered(deliver(self.platform.client, provider, body, headers))
        self.deliveries.append(answer)
        return answer


@pytest.fixture
def payments(platform: Platform, providers: Providers, settings: Settings) -> Payments:
    return Payments(platform, providers, settings)


# --- steps both features use --------------------------------------------------------------------


@given(parsers.re(f"{NAME} has paid for {TITLE} by card"))
def has_paid(payments: Payments, name: str, title: str) -> None:
    payments.pay_by_card(name, title)


@when(parsers.re(f"{NAME} checks out {TITLE} {CARD}"))
def checks_out_with_a_card(payments: Payments, name: str, title: str, card: str) -> None:
    payments.checkout(name, title, card=card)


@when(parsers.re(f"{NAME} pays"))
def pays(payments: Payments, name: str) -> None:
    """The student presses "Pay" on the checkout page they opened last."""
    assert name in payments.last_checkout, f"{name} has not checked out"
    payments.confirm(name, payments.last_checkout[name])


@then(parsers.re(f"{NAME} has paid {AMOUNT} for {TITLE}"))
def has_paid_amount(payments: Payments, name: str, amount: str, title: str) -> None:
    payment = payments.seen(name, title)
    assert payment["status"] == "succeeded", payment
    assert shown(payment["amount"]) == amount, payment
    assert payment["refunded"]["amount_minor"] == 0, payment
    assert payment["failure_reason"] is None and payment["client_secret"] is None, payment


@then(parsers.re(f"{NAME}'s payment for {TITLE} shows (?:nothing|{AMOUNT}) refunded"))
def shows_refunded(payments: Payments, name: str, title: str, amount: str | None) -> None:
    payment = payments.seen(name, title)
    paid = amount_of(shown(payment["amount"]))
    refunded = amount_of(amount) if amount else Money(0, paid.currency)
    assert amount_of(shown(payment["refunded"])) == refunded, payment
    expected = ("succeeded" if refunded.amount_minor == 0
                else "refunded" if refunded == paid else "partially_refunded")
    assert payment["status"] == expected, payment


@then(parsers.re(f'{NAME} (?P<access>can|cannot) open the lesson "(?P<lesson>[^"]+)" of {TITLE}'))
def opens_lesson(platform: Platform, name: str, access: str, lesson: str, title: str) -> None:
    answer = platform.open_lesson(name, title, lesson)
    if access == "can":
        opened = platform.expect(200, answer)
        assert opened["title"] == lesson and opened["playback"]["url"], opened
    else:
        problem = platform.expect(REFUSED, answer)
        assert "enroll" in problem["detail"] and "playback" not in problem, problem


@then(parsers.re(f"{NAME} sees (?P<count>\\d+) students? and (?:no revenue|{AMOUNT} of revenue) "
                 f"in {TITLE}"))
def sees_statistics(payments: Payments, name: str, count: str, amount: str | None,
                    title: str) -> None:
    stats = payments.statistics(name, title)
    assert stats["course_id"] == payments.platform.course(title).id, stats
    assert stats["students_count"] == int(count), stats
    revenue = [shown(money) for money in stats["revenue"]]
    assert revenue == ([amount] if amount else []), stats


@then(parsers.re(f"{NAME}'s enrollment in {TITLE} is (?P<status>active|suspended|revoked)"))
def enrollment_status(payments: Payments, name: str, title: str, status: str) -> None:
    enrollment = payments.enrollment(name, title)
    assert enrollment is not None and enrollment["status"] == status, enrollment


@given("the payment provider's notifications to eduport are held up")
def notifications_held(payments: Payments) -> None:
    payments.hold_notifications()
