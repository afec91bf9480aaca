"""Credit packs: the domain's rules (a pack, an order that buys one, the credits a refund
takes back), their configuration, and checkout, settlement and the ledger's handlers
against fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.settings import ConfigurationError
from adapters.wiring.payments import DEFAULT_CREDIT_PACKS, PaymentsSettings, parse_credit_packs
from application.live.credit_packs import TakeBackPackCredits, TopUpPackCredits
from application.payments.checkout import Checkout, CheckoutCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.handle_payment_event import HandlePaymentEvent, PaymentEventCommand
from application.payments.ports import NoticeKind, PaymentNotice
from application.payments.refund_payment import RefundPayment, RefundPaymentCommand
from application.shared.ports import Principal
from domain.accounts.model import User
from domain.live.credits import CreditBalance, CreditEntryKind
from domain.payments.credit_packs import CreditPack, credits_taken_back
from domain.payments.events import CreditPackPurchased, CreditPackRefunded
from domain.payments.model import Order, OrderLine, OrderLineKind
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.events import Event
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.conftest import JWT_SECRET
from tests.unit.conftest import World
from tests.unit.payments.fakes import FakeExchangeRates

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STUDENT = Principal("student-1", "student")
ADMIN = Principal("admin-1", "platform_admin")
PLUS = CreditPack("plus", Money(2500, "USD"), Money(2750, "USD"))
POUNDS = CreditPack("pounds", Money(50000, "EGP"), Money(50000, "EGP"))


# --- the domain ------------------------------------------------------------------------------


def test_a_pack_has_an_id_a_price_and_credits_in_one_currency() -> None:
    assert (PLUS.title, PLUS.purchase) == ("27.50 USD in credits", "credit_pack:plus")
    for pack_id, price, credits in (
            ("Plus", Money(100, "USD"), Money(100, "USD")),  # ids are lower case
            ("", Money(100, "USD"), Money(100, "USD")),
            ("a" * 33, Money(100, "USD"), Money(100, "USD")),
            ("plus", Money(100, "USD"), Money(100, "EUR")),  # credits in the price's currency
            ("plus", Money(0, "USD"), Money(100, "USD")),
            ("plus", Money(100, "USD"), Money(-1, "USD")),
            ("plus", Money(100, "USD"), Money(10**9 + 1, "USD"))):
        with pytest.raises(InvalidValue):
            CreditPack(pack_id, price, credits)


def test_an_order_buys_courses_or_one_pack_never_both() -> None:
    course = OrderLine.for_course("l-1", "course-1", "Compilers", Money(2500, "USD"))
    pack = OrderLine.for_credit_pack("l-2", PLUS)
    order = Order("o-1", "student-1", "USD", NOW, [pack])
    assert (order.course_ids, order.course_lines, order.credit_pack) == ((), [], pack)
    assert (pack.kind, pack.item_id, pack.credits, pack.price) == (
        OrderLineKind.CREDIT_PACK, "credit_pack:plus", Money(2750, "USD"), Money(2500, "USD"))
    assert (course.item_id, course.credits) == ("course-1", Money(0, "USD"))
    for lines in ([course, pack], [pack, OrderLine.for_credit_pack("l-3", PLUS)]):
        with pytest.raises(InvalidValue, match="on its own"):
            Order("o-2", "student-1", "USD", NOW, lines)


@pytest.mark.parametrize("fields", [
    {"kind": OrderLineKind.COURSE},
    {"kind": OrderLineKind.COURSE, "course_id": "c-1", "credit_pack_id": "plus"},
    {"kind": OrderLineKind.CREDIT_PACK, "credit_pack_id": "plus"},
    {"kind": OrderLineKind.CREDIT_PACK, "credit_pack_id": "plus", "credits_minor": 0},
    {"kind": OrderLineKind.CREDIT_PACK, "credit_pack_id": "plus", "credits_minor": 5,
     "course_id": "c-1"},
])
def test_an_order_line_has_the_fields_of_its_kind_only(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidValue, match="never both"):
        OrderLine(id="l-1", title="A line", price=Money(100, "USD"), **fields)


def test_a_refund_takes_back_the_credits_in_proportion_and_a_full_one_takes_all() -> None:
    assert credits_taken_back(2750, 2500, 2500) == 2750
    assert credits_taken_back(2750, 2500, 1000) == 1100
    assert credits_taken_back(2750, 2500, 0) == 0
    assert credits_taken_back(2750, 2500, 333) == 366  # 366.3
    assert credits_taken_back(2750, 2500, 666) == 733  # 732.6
    assert credits_taken_back(3, 2, 1) == 2  # 1.5: halves up
    assert credits_taken_back(1000, 999, 5000) == 1000  # never more than was granted


@pytest.mark.parametrize("steps", [[1] * 7, [3, 3, 1], [2, 5], [6, 1], [7]])
def test_the_steps_of_several_refunds_add_up_to_exactly_what_the_pack_granted(
        steps: list[int]) -> None:
    granted, paid, refunded, taken = 1234, 7, 0, []
    for step in steps:
        before = credits_taken_back(granted, paid, refunded)
        refunded += step
        taken.append(credits_taken_back(granted, paid, refunded) - before)
    assert sum(taken) == granted and all(share >= 0 for share in taken)


# --- configuration ---------------------------------------------------------------------------


def test_the_embedded_default_sells_three_packs_in_usd() -> None:
    packs = parse_credit_packs(DEFAULT_CREDIT_PACKS)
    assert [(p.id, p.price, p.credits) for p in packs] == [
        ("starter", Money(1000, "USD"), Money(1000, "USD")),
        ("plus", Money(2500, "USD"), Money(2750, "USD")),
        ("pro", Money(5000, "USD"), Money(6000, "USD"))]
    assert parse_credit_packs(" a:JPY:500:600 , b:KWD:1000:1500") == (
        CreditPack("a", Money(500, "JPY"), Money(600, "JPY")),
        CreditPack("b", Money(1000, "KWD"), Money(1500, "KWD")))
    assert parse_credit_packs("none") == ()


@pytest.mark.parametrize(("spec", "says"), [
    ("plus:USD:25.00:27.50", "ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR"),
    ("plus:USD:2500", "ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR"),
    ("plus:USD:-1:5", "ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR"),
    ("plus:XYZ:2500:2750", "XYZ"),
    ("plus:usd:2500:2750", "upper case"),
    ("plus:USD:0:2750", "the price must be 1 to"),
    ("Plus:USD:2500:2750", "lower case"),
    ("plus:USD:2500:2750,plus:USD:100:100", "listed twice"),
    ("plus:USD:2500:2750,", "ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR"),
])
def test_a_malformed_pack_stops_the_start_with_a_message_naming_it(spec: str,
                                                                    says: str) -> None:
    from bootstrap import read_settings

    with pytest.raises(ConfigurationError) as refused:
        read_settings({"EDUPORT_ENV": "test", "JWT_SECRET": JWT_SECRET, "CREDIT_PACKS": spec})
    (problem,) = [p for p in refused.value.problems if p.startswith("CREDIT_PACKS")]
    assert says in problem


def test_the_configured_packs_are_the_policys() -> None:
    from application.payments.config import PaymentPolicy
    from bootstrap import build_injector, read_settings

    settings = read_settings({"EDUPORT_ENV": "test", "JWT_SECRET": JWT_SECRET,
                              "EDUPORT_DATA_DIR": "var/unit-tests",
                              "CREDIT_PACKS": "mini:EUR:500:550"})
    assert settings.section(PaymentsSettings).credit_packs == (
        CreditPack("mini", Money(500, "EUR"), Money(550, "EUR")),)
    assert build_injector(settings).get(PaymentPolicy).credit_pack("mini").credits == \
        Money(550, "EUR")


# --- checkout, settlement and the ledger, against fakes --------------------------------------


@pytest.fixture
def shop(world: World) -> World:
    world.payment_policy = replace(world.payment_policy, credit_packs=(PLUS, POUNDS))
    world.db.users["student-1"] = User("student-1", "s@example.test", "Sam", Role.STUDENT, "h",
                                       NOW)
    return world


def buy(world: World, pack_id: str = "plus", actor: Principal = STUDENT) -> str:
    result = world.build(Checkout)(CheckoutCommand(actor, (), "fakepay", credit_pack=pack_id))
    return str(result.payment.payment_id)


def pay(world: World, payment_id: str) -> None:
    world.gateway.succeed(world.db.payments[payment_id].provider_reference or "")
    world.build(ConfirmPayment)(ConfirmPaymentCommand(payment_id, STUDENT))


def told(world: World, kind: type[Event]) -> list[Any]:
    """The events of ``kind`` in the outbox, oldest first."""
    messages = [row["message"] for row in world.db.outbox.values()]
    return [event for event in (Event.restore(m.event_type, m.payload) for m in messages)
            if isinstance(event, kind)]


def handle(world: World, *events: Event) -> None:
    """The live area's handlers, as the outbox would run them."""
    for event in events:
        cls = TopUpPackCredits if isinstance(event, CreditPackPurchased) else \
            TakeBackPackCredits
        world.build(cls)(event, f"outbox:{event.name}")


def balance(world: World) -> CreditBalance:
    return world.db.credit_balances.get(("student-1", "USD"), CreditBalance("student-1", "USD"))


def test_checkout_opens_one_attempt_per_pack_with_the_packs_price_and_no_hold(
        shop: World) -> None:
    first = buy(shop)
    assert shop.build(Checkout)(CheckoutCommand(STUDENT, (), "fakepay", credit_pack="plus")
                                ).reused
    payment = shop.db.payments[first]
    assert (payment.amount, payment.order_total, payment.purchase) == (
        Money(2500, "USD"), Money(2500, "USD"), "credit_pack:plus")
    (request,) = [p.request for p in shop.gateway.payments.values()]
    assert [(line.item_id, line.title, line.price) for line in request.lines] == [
        ("credit_pack:plus", "27.50 USD in credits", Money(2500, "USD"))]
    assert shop.db.checkout_holds == {}
    (line,) = shop.db.orders[payment.order_id].lines
    assert (line.kind, line.credit_pack_id, line.credits_minor) == (
        OrderLineKind.CREDIT_PACK, "plus", 2750)


def test_checkout_refuses_what_is_not_one_pack_on_sale(shop: World) -> None:
    checkout = shop.build(Checkout)
    with pytest.raises(InvalidValue, match="choose one of: plus, pounds") as unknown:
        checkout(CheckoutCommand(STUDENT, (), "fakepay", credit_pack="gold"))
    assert unknown.value.field == "credit_pack"
    for course_ids, pack in ((("course-1",), "plus"), ((), None)):
        with pytest.raises(InvalidValue, match="either courses"):
            checkout(CheckoutCommand(STUDENT, course_ids, "fakepay", credit_pack=pack))
    with pytest.raises(PermissionDenied):
        buy(shop, actor=Principal("teacher-1", "teacher"))
    assert shop.db.payments == {}


def test_a_provider_that_cannot_take_the_packs_currency_charges_a_converted_amount(
        shop: World) -> None:
    shop.gateway.currencies = frozenset({"USD"})
    shop.rates = FakeExchangeRates({("EGP", "USD"): "0.0205"})
    payment = shop.db.payments[buy(shop, "pounds")]
    assert (payment.amount, payment.order_total, payment.rate) == (
        Money(1025, "USD"), Money(50000, "EGP"), "0.0205")
    pay(shop, payment.id)
    (bought,) = told(shop, CreditPackPurchased)
    assert (bought.credits_minor, bought.currency) == (50000, "EGP")  # the pack's own


def test_settling_tells_of_the_purchase_once_and_grants_no_course(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    pay(shop, payment_id)  # seen again: nothing new
    assert told(shop, CreditPackPurchased) == [
        CreditPackPurchased(payment_id, "student-1", "plus", 2750, "USD")]
    assert shop.db.enrollments == {} and shop.db.revenue == {}
    handle(shop, *told(shop, CreditPackPurchased), *told(shop, CreditPackPurchased))
    assert balance(shop) == CreditBalance("student-1", "USD", 2750, 0)
    (entry,) = shop.db.credit_entries
    assert (entry.kind, entry.idempotency_key, entry.reference, entry.reason) == (
        CreditEntryKind.TOP_UP, f"payment:{payment_id}:top_up", f"payment:{payment_id}",
        "credit pack plus bought")


def test_refunds_take_back_each_step_once_and_add_up_to_the_pack(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    refund = shop.build(RefundPayment)
    for amount in (333, 333, None):  # the last one: everything left
        refund(RefundPaymentCommand(ADMIN, payment_id, amount))
    steps = told(shop, CreditPackRefunded)
    assert [(e.credits_minor, e.taken_back_minor, e.chargeback) for e in steps] == [
        (366, 366, False), (367, 733, False), (2017, 2750, False)]
    handle(shop, *told(shop, CreditPackPurchased), *steps, *steps)  # each twice
    assert balance(shop).available == 0
    assert [e.amount.amount_minor for e in shop.db.credit_entries
            if e.kind is CreditEntryKind.REFUND] == [366, 367, 2017]
    assert not [r for r in shop.db.audit if r.action == "credits.refund_shortfall"]


def test_a_lost_dispute_takes_back_what_refunds_left(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    shop.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id, 1000))
    dispute = shop.build(HandlePaymentEvent)
    for kind, won in ((NoticeKind.DISPUTE_OPENED, None), (NoticeKind.DISPUTE_CLOSED, False),
                      (NoticeKind.DISPUTE_CLOSED, False)):
        dispute(PaymentEventCommand("fakepay", PaymentNotice(kind, payment_id,
                                                             dispute_won=won)))
    steps = told(shop, CreditPackRefunded)
    assert [(e.credits_minor, e.taken_back_minor, e.chargeback) for e in steps] == [
        (1100, 1100, False), (1650, 2750, True)]
    handle(shop, *told(shop, CreditPackPurchased), *steps)
    assert balance(shop).available == 0
    assert shop.db.credit_entries[-1].reason == "credit pack plus charged back (dispute lost)"


def test_a_won_dispute_takes_nothing_back(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    dispute = shop.build(HandlePaymentEvent)
    for kind, won in ((NoticeKind.DISPUTE_OPENED, None), (NoticeKind.DISPUTE_CLOSED, True)):
        dispute(PaymentEventCommand("fakepay", PaymentNotice(kind, payment_id,
                                                             dispute_won=won)))
    assert told(shop, CreditPackRefunded) == []


def test_credits_already_spent_are_a_shortfall_audited_once(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    handle(shop, *told(shop, CreditPackPurchased))
    spend(shop, 2000)
    shop.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id, None))
    (step,) = told(shop, CreditPackRefunded)
    handle(shop, step, step)  # the second finds its step taken, though nothing is left
    assert balance(shop).available == 0
    assert [e.amount.amount_minor for e in shop.db.credit_entries
            if e.kind is CreditEntryKind.REFUND] == [750]
    (shortfall,) = [r for r in shop.db.audit if r.action == "credits.refund_shortfall"]
    assert (shortfall.object_id, shortfall.details["shortfall_minor"],
            shortfall.details["taken_minor"], shortfall.details["payment_id"]) == (
        "student-1", 2000, 750, payment_id)


def test_nothing_left_takes_nothing_and_audits_all_of_it(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    handle(shop, *told(shop, CreditPackPurchased))
    spend(shop, 2750)
    shop.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id, 1250))
    handle(shop, *told(shop, CreditPackRefunded))
    assert balance(shop).available == 0
    (shortfall,) = [r for r in shop.db.audit if r.action == "credits.refund_shortfall"]
    assert (shortfall.details["wanted_minor"], shortfall.details["taken_minor"]) == (1375, 0)


def test_a_refund_handled_before_the_purchase_still_counts_both_once(shop: World) -> None:
    payment_id = buy(shop)
    pay(shop, payment_id)
    shop.build(RefundPayment)(RefundPaymentCommand(ADMIN, payment_id, 1000))
    handle(shop, *told(shop, CreditPackRefunded), *told(shop, CreditPackPurchased))
    assert balance(shop).available == 2750 - 1100
    assert [e.kind for e in shop.db.credit_entries] == [CreditEntryKind.TOP_UP,
                                                        CreditEntryKind.REFUND]


def spend(world: World, amount_minor: int) -> None:
    """The student spends credits (an admin's correction moves them the same way)."""
    from application.live.adjust_credits import AdjustCredits, AdjustCreditsCommand

    world.db.users["admin-1"] = User("admin-1", "a@example.test", "Ada", Role.PLATFORM_ADMIN,
                                     "h", NOW)
    world.build(AdjustCredits)(AdjustCreditsCommand(
        ADMIN, "student-1", Money(-amount_minor, "USD"), "spent", f"spend-{amount_minor}"))


