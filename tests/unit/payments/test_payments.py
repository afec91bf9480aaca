"""Checkout, confirmation, refunds, disputes and the webhook inbox against fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.payments.checkout import Checkout, CheckoutCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.errors import GatewayUnavailable, RateUnavailable
from application.payments.handle_payment_event import HandlePaymentEvent, PaymentEventCommand
from application.payments.ports import PaymentNotice
from application.payments.providers import PaymentGateways
from application.payments.refund_payment import RefundPayment, RefundPaymentCommand
from application.payments.sweep_payments import SweepPayments
from application.shared.errors import DeliveryFailed, InvalidSignature
from application.shared.ports import Principal, WebhookEvent
from application.shared.process_webhook_event import ProcessWebhookEvent
from application.shared.receive_webhook import (
    PROCESS_WEBHOOK_JOB,
    ReceiveWebhook,
    ReceiveWebhookCommand,
)
from application.shared.webhooks import WebhookProvider, WebhookProviders
from domain.accounts.model import User
from domain.catalog.enrollment import EnrollmentStatus
from domain.catalog.model import Course, CourseStatus
from domain.shared.errors import Conflict, InvalidValue, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.conftest import World
from tests.unit.payments.fakes import FakePaymentGateway

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STUDENT = Principal("student-1", "student")
ADMIN = Principal("admin-1", "platform_admin")


def setup(world: World, *prices: Money) -> list[str]:
    world.db.users["student-1"] = User("student-1", "s@example.test", "Sam", Role.STUDENT, "h", NOW)
    world.db.users["teacher-1"] = User("teacher-1", "t@example.test", "Tia", Role.TEACHER, "h", NOW)
    ids = []
    for n, price in enumerate(prices, start=1):
        course = Course(
            f"course-{n}",
            "teacher-1",
            f"Course {n}",
            f"course-{n}",
            "",
            price,
            NOW,
            NOW,
            status=CourseStatus.PUBLISHED,
            published_at=NOW,
        )
        world.db.courses[course.id] = course
        ids.append(course.id)
    return ids


def checkout(world: World, *course_ids: str, provider: str = "fakepay") -> str:
    result = world.build(Checkout)(CheckoutCommand(STUDENT, tuple(course_ids), provider))
    return result.payment.payment_id


def confirm(world: World, payment_id: str) -> str:
    return str(world.build(ConfirmPayment)(ConfirmPaymentCommand(payment_id, STUDENT)).status)


def test_checkout_charges_the_catalog_price_and_reuses_the_open_attempt(world: World) -> None:
    a, b = setup(world, Money(3000, "USD"), Money(2000, "USD"))
    first = world.build(Checkout)(CheckoutCommand(STUDENT, (a, b), "fakepay"))
    again = world.build(Checkout)(CheckoutCommand(STUDENT, (b, a), "fakepay"))
    assert first.payment.amount == Money(5000, "USD") and not first.reused
    assert again.reused and again.payment.payment_id == first.payment.payment_id
    (request,) = [p.request for p in world.gateway.payments.values()]
    assert request.idempotency_key == f"payment:{first.payment.payment_id}:create"
    assert request.success_url.startswith("https://app.example.test/checkout/success")
    assert len(world.db.payments) == 1 and len(world.db.orders) == 1


def test_switching_provider_cancels_the_old_attempt_first(world: World) -> None:
    (a,) = setup(world, Money(3000, "USD"))
    other = FakePaymentGateway("otherpay")
    world.gateways = PaymentGateways(
        {"fakepay": world.gateway, "otherpay": other}, {"fakepay": ("fake",), "otherpay": ("fake",)}
    )
    old = checkout(world, a)
    new = checkout(world, a, provider="otherpay")
    assert world.db.payments[old].status.value == "canceled"
    assert [p.status for p in world.gateway.payments.values()] == ["canceled"]
    assert world.db.payments[new].provider == "otherpay" and new != old


def test_a_larger_checkout_replaces_the_open_one_for_its_courses(world: World) -> None:
    a, b = setup(world, Money(3000, "USD"), Money(2000, "USD"))
    old = checkout(world, a)
    new = checkout(world, a, b)
    assert world.db.payments[old].status.value == "canceled" and new != old
    assert [p.status for p in world.gateway.payments.values()] == ["canceled", "pending"]
    assert world.db.checkout_holds == {("student-1", a): new, ("student-1", b): new}


def test_money_arriving_on_a_replaced_attempt_goes_back_once(world: World) -> None:
    a, b = setup(world, Money(3000, "USD"), Money(2000, "USD"))
    old = checkout(world, a)
    checkout(world, a, b)
    (old_reference, _) = world.gateway.payments
    world.gateway.succeed(old_reference)  # the student paid the old page anyway
    assert confirm(world, old) == "canceled"
    assert confirm(world, old) == "canceled"  # seen again: refunded once only
    assert world.gateway.payments[old_reference].refunded_minor == 3000
    assert [c for c in world.gateway.calls if c[0] == "refund"] == [
        ("refund", f"payment:{old}:unwanted")]
    assert [r.action for r in world.db.audit].count("payment.refunded_automatically") == 1
    assert world.db.enrollments == {}


def test_a_provider_that_cannot_take_the_currency_gets_a_converted_amount(world: World) -> None:
    (a,) = setup(world, Money(250000, "EGP"))
    world.gateway.currencies = frozenset({"USD"})
    with pytest.raises(RateUnavailable):  # never a guess
        checkout(world, a)
    assert world.db.payments == {}
    world.rates.rates[("EGP", "USD")] = "0.0205"
    view = world.build(Checkout)(CheckoutCommand(STUDENT, (a,), "fakepay")).payment
    assert view.amount == Money(5125, "USD") and view.order_total == Money(250000, "EGP")
    assert view.exchange_rate is not None and view.exchange_rate.rate == "0.0205"


def test_checkout_refuses_what_it_cannot_sell(world: World) -> None:
    paid, free, euro = setup(world, Money(3000, "USD"), Money(0, "USD"), Money(3000, "EUR"))
    with pytest.raises(InvalidValue, match="free"):
        checkout(world, free)
    with pytest.raises(InvalidValue, match="currencies"):
        checkout(world, paid, euro)
    with pytest.raises(PermissionDenied):
        world.build(Checkout)(
            CheckoutCommand(Principal("teacher-1", "teacher"), (paid,), "fakepay")
        )
    with pytest.raises(InvalidValue):
        checkout(world, paid, provider="nopay")


def test_a_failed_create_leaves_a_retryable_attempt_with_the_same_key(world: World) -> None:
    (a,) = setup(world, Money(3000, "USD"))
    world.gateway.down = True
    with pytest.raises(GatewayUnavailable):
        checkout(world, a)
    world.gateway.down = False
    payment_id = checkout(world, a)
    keys = [key for call, key in world.gateway.calls if call == "start"]
    assert keys == [f"payment:{payment_id}:create"] * 2 and len(world.db.payments) == 1


def test_confirmation_enrolls_every_course_once_and_counts_revenue_once(world: World) -> None:
    a, b = setup(world, Money(3000, "USD"), Money(2000, "USD"))
    payment_id = checkout(world, a, b)
    assert confirm(world, payment_id) == "pending"
    world.gateway.succeed(world.db.payments[payment_id].provider_reference or "")
    assert confirm(world, payment_id) == "succeeded"
    assert confirm(world, payment_id) == "succeeded"
    assert {e.course_id for e in world.db.enrollments.values()} == {a, b}
    assert world.db.students_count == {a: 1, b: 1}
    assert world.db.revenue == {(a, "USD"): 3000, (b, "USD"): 2000}
    with pytest.raises(Conflict):  # bought already
        checkout(world, a)


def test_three_d_secure_and_declines_are_reported_not_enrolled(world: World) -> None:
    (a,) = setup(world, Money(3000, "USD"))
    payment_id = checkout(world, a)
    reference = world.db.payments[payment_id].provider_reference or ""
    world.gateway.require_action(reference)
    view = world.build(ConfirmPayment)(ConfirmPaymentCommand(payment_id, STUDENT))
    assert view.status == "requires_action" and view.next_action == {"type": "3ds"}
    world.gateway.fail(reference)
    assert confirm(world, payment_id) == "failed"
    assert world.db.enrollments == {}


def test_a_provider_amount_that_differs_never_enrolls(world: World) -> None:
    (a,) = setup(world, Money(3000, "USD"))
    world.gateway.received_override = Money(300, "USD")
    payment_id = checkout(world, a)
    world.gateway.succeed(world.db.payments[payment_id].provider_reference or "")
    assert confirm(world, payment_id) == "pending"
    assert world.db.enrollments == {} and world.db.revenue == {}
    assert world.db.audit[-1].action == "payment.amount_mismatch"


def paid(world: World, *prices: Money) -> tuple[str, list[str]]:
    courses = setup(world, *prices)
    payment_id = checkout(world, *courses)
    world.gateway.succeed(world.db.payments[payment_id].provider_reference or "")
    confirm(world, payment_id)
    return payment_id, courses


def test_a_partial_refund_keeps_access_and_a_full_one_revokes_it(world: World) -> None:
    payment_id, (a, b) = paid(world, Money(3000, "USD"), Money(1000, "USD"))
    refund = world.build(RefundPayment)
    refund(RefundPaymentCommand(ADMIN, payment_id, 2000))
    confirm(world, payment_id)  # the refund event makes eduport re-fetch
    assert world.db.payments[payment_id].status.value == "partially_refunded"
    assert {e.status for e in world.db.enrollments.values()} == {EnrollmentStatus.ACTIVE}
    assert world.db.revenue == {(a, "USD"): 1500, (b, "USD"): 500}
    with pytest.raises(InvalidValue):
        refund(RefundPaymentCommand(ADMIN, payment_id, 2001))
    refund(RefundPaymentCommand(ADMIN, payment_id))
    confirm(world, payment_id)
    assert world.db.payments[payment_id].status.value == "refunded"
    assert {e.status for e in world.db.enrollments.values()} == {EnrollmentStatus.REVOKED}
    assert world.db.students_count == {a: 0, b: 0}
    assert world.db.revenue == {(a, "USD"): 0, (b, "USD"): 0}
    with pytest.raises(PermissionDenied):
        refund(RefundPaymentCommand(STUDENT, payment_id))


class Interpreter:
    provider = "fakepay"

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        return PaymentNotice(
            event.payload["kind"],
            event.payload.get("payment_id"),
            event.payload.get("reference"),
            event.payload.get("won"),
        )


class Authenticator:
    provider = "fakepay"

    def authenticate(self, headers: dict[str, str], body: bytes) -> WebhookEvent:
        import json

        if headers.get("signature") != "good":
            raise InvalidSignature("forged")
        payload = json.loads(body)
        return WebhookEvent("fakepay", payload["id"], payload["kind"], payload)


def deliver(world: World, **payload: object) -> str | None:
    import json

    interpreter = Interpreter()

    def handle(event: WebhookEvent) -> str:
        notice = interpreter.interpret(event)
        return str(world.build(HandlePaymentEvent)(PaymentEventCommand("fakepay", notice)))

    world.webhook_providers = WebhookProviders(
        {"fakepay": WebhookProvider("fakepay", Authenticator(), handle)})  # type: ignore[arg-type]
    def run(job: str, argument: str) -> None:
        if job == PROCESS_WEBHOOK_JOB:  # outbox jobs (emails) are not this test's subject
            world.build(ProcessWebhookEvent)(argument)

    world.queue.runner = run
    result = world.build(ReceiveWebhook)(
        ReceiveWebhookCommand("fakepay", {"signature": "good"}, json.dumps(payload).encode())
    )
    return result.delivery_id


def test_webhooks_are_stored_once_and_settle_by_refetching(world: World) -> None:
    courses = setup(world, Money(3000, "USD"))
    payment_id = checkout(world, *courses)
    world.gateway.succeed(world.db.payments[payment_id].provider_reference or "")
    first = deliver(world, id="evt-1", kind="payment", payment_id=payment_id)
    again = deliver(world, id="evt-1", kind="payment", payment_id=payment_id)
    assert first is not None and again is None  # the duplicate is acknowledged, not processed
    assert world.db.payments[payment_id].status.value == "succeeded"
    assert len(world.db.enrollments) == 1 and world.db.webhooks[first]["outcome"] == "succeeded"
    unknown = deliver(world, id="evt-2", kind="payment", payment_id="not-ours")
    assert "not one of ours" in world.db.webhooks[unknown or ""]["outcome"]
    with pytest.raises(InvalidSignature):
        world.build(ReceiveWebhook)(ReceiveWebhookCommand("fakepay", {}, b"{}"))
    assert len(world.db.webhooks) == 2


def test_disputes_suspend_then_restore_or_revoke(world: World) -> None:
    payment_id, _ = paid(world, Money(3000, "USD"), Money(1000, "USD"))
    enrollment_id = next(iter(world.db.enrollments))

    def status() -> EnrollmentStatus:
        return world.db.enrollments[enrollment_id].status

    deliver(world, id="d-1", kind="dispute_opened", payment_id=payment_id)
    assert status() is EnrollmentStatus.SUSPENDED
    deliver(world, id="d-2", kind="dispute_closed", payment_id=payment_id, won=True)
    assert status() is EnrollmentStatus.ACTIVE
    deliver(world, id="d-3", kind="dispute_opened", payment_id=payment_id)  # a charge is
    assert status() is EnrollmentStatus.ACTIVE  # disputed once: this one is stale


def test_a_lost_dispute_revokes_and_takes_the_money_back(world: World) -> None:
    payment_id, (a,) = paid(world, Money(3000, "USD"))
    deliver(world, id="d-1", kind="dispute_opened", payment_id=payment_id)
    deliver(world, id="d-4", kind="dispute_closed", payment_id=payment_id, won=False)
    (enrollment,) = world.db.enrollments.values()
    assert enrollment.status is EnrollmentStatus.REVOKED
    assert world.db.payments[payment_id].status.value == "charged_back"
    assert world.db.students_count == {a: 0} and world.db.revenue == {(a, "USD"): 0}


def test_the_sweeper_settles_paid_attempts_and_expires_abandoned_ones(world: World) -> None:
    a, b = setup(world, Money(3000, "USD"), Money(2000, "USD"))
    abandoned, paid_late = checkout(world, a), checkout(world, b)
    world.gateway.succeed(world.db.payments[paid_late].provider_reference or "")
    world.clock.advance(hours=3)
    result = world.build(SweepPayments)()
    assert (result.expired, result.settled) == (1, 1)
    assert world.db.payments[abandoned].status.value == "expired"
    assert world.db.payments[paid_late].status.value == "succeeded"
    assert [e.course_id for e in world.db.enrollments.values()] == [b]
    assert ("cancel", f"payment:{abandoned}:cancel") in world.gateway.calls


def test_the_sweeper_resends_a_refund_whose_answer_was_lost(world: World) -> None:
    payment_id, _ = paid(world, Money(3000, "USD"))
    world.gateway.down = True
    with pytest.raises(DeliveryFailed):
        world.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id, 1000))
    (stuck,) = world.db.refunds.values()
    assert stuck.status == "requested"
    world.gateway.down = False
    world.clock.advance(hours=1)
    assert world.build(SweepPayments)().refunds_reconciled == 0  # not stale yet
    world.clock.advance(hours=2)
    assert world.build(SweepPayments)().refunds_reconciled == 1
    assert world.db.refunds[stuck.id].status == "succeeded"
    assert world.db.payments[payment_id].refunded_minor == 1000
    assert world.db.payments[payment_id].status.value == "partially_refunded"
    assert world.build(SweepPayments)().refunds_reconciled == 0  # nothing left in flight


def test_the_sweeper_settles_pending_refunds_whose_event_never_came(world: World) -> None:
    payment_id, _ = paid(world, Money(3000, "USD"))
    world.gateway.refunds_pending = True
    refund = world.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id))
    assert refund.status == "pending"
    reference = world.db.payments[payment_id].provider_reference or ""
    world.clock.advance(hours=3)
    world.build(SweepPayments)()  # still pending at the provider: nothing changes
    assert world.db.refunds[refund.refund_id].status == "pending"
    assert world.db.payments[payment_id].status.value == "succeeded"
    world.gateway.settle_refunds(reference)  # done there; its event was lost
    assert world.build(SweepPayments)().refunds_reconciled == 1
    assert world.db.refunds[refund.refund_id].status == "succeeded"
    assert world.db.payments[payment_id].status.value == "refunded"
    assert [e.status for e in world.db.enrollments.values()] == [EnrollmentStatus.REVOKED]


def test_the_sweeper_finds_a_refund_made_only_at_the_provider(world: World) -> None:
    payment_id, _ = paid(world, Money(3000, "USD"))
    reference = world.db.payments[payment_id].provider_reference or ""
    world.gateway.refund(reference, None, Money(1000, "USD"), "dashboard-1")  # event lost
    world.clock.advance(hours=3)
    assert world.build(SweepPayments)().paid_rechecked == 0  # checked at most once a day
    world.clock.advance(hours=22)
    assert world.build(SweepPayments)().paid_rechecked == 1
    assert world.db.payments[payment_id].status.value == "partially_refunded"
    assert world.db.payments[payment_id].refunded_minor == 1000
    assert world.build(SweepPayments)().paid_rechecked == 0  # once a day, not every sweep
    world.clock.advance(days=121)
    assert world.build(SweepPayments)().paid_rechecked == 0  # past any refund or dispute


def test_funds_reversed_without_a_dispute_still_revoke(world: World) -> None:
    payment_id, _ = paid(world, Money(3000, "USD"))
    deliver(world, id="r-1", kind="dispute_closed", payment_id=payment_id, won=False)
    assert world.db.payments[payment_id].status.value == "charged_back"
    assert [e.status for e in world.db.enrollments.values()] == [EnrollmentStatus.REVOKED]
