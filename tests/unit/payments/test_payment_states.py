"""The payment state machine: explicit transitions, repeats are no-ops, the rest raise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.payments.model import TRANSITIONS, Payment, PaymentStatus
from domain.shared.errors import InvalidState, InvalidValue
from domain.shared.money import Money

NOW = datetime(2026, 1, 1, tzinfo=UTC)
S = PaymentStatus


def payment(status: PaymentStatus = S.PENDING) -> Payment:
    return Payment(
        "p1",
        "o1",
        "s1",
        "fakepay",
        "fake",
        Money(5000, "USD"),
        Money(5000, "USD"),
        "c1",
        NOW,
        NOW,
        status=status,
    )


def test_success_raises_one_event_and_repeats_are_no_ops() -> None:
    p = payment()
    assert p.succeed(Money(5000, "USD"), NOW, "pay-1") is True
    assert p.succeed(Money(5000, "USD"), NOW, "pay-1") is False
    assert p.status is S.SUCCEEDED and p.provider_payment_id == "pay-1"
    assert [e.name for e in p.events] == ["PaymentSucceeded"]


def test_a_wrong_amount_is_never_success() -> None:
    p = payment()
    with pytest.raises(InvalidValue):
        p.succeed(Money(4999, "USD"), NOW, None)
    with pytest.raises(InvalidValue):
        p.succeed(Money(5000, "EUR"), NOW, None)
    assert p.status is S.PENDING and p.events == []


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize(
    "target", [S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED, S.REQUIRES_ACTION]
)
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    start: PaymentStatus, target: PaymentStatus
) -> None:
    p = payment(start)
    move = {
        S.SUCCEEDED: lambda: p.succeed(Money(5000, "USD"), NOW, None),
        S.FAILED: lambda: p.fail("declined", NOW),
        S.CANCELED: lambda: p.cancel(NOW),
        S.EXPIRED: lambda: p.expire(NOW),
        S.REQUIRES_ACTION: lambda: p.require_action(NOW),
    }
    paid = {S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.DISPUTED}  # succeed() there is a no-op
    allowed = (
        start == target or target in TRANSITIONS[start] or (target is S.SUCCEEDED and start in paid)
    )
    if allowed:
        move[target]()
        no_op = start == target or (target is S.SUCCEEDED and start in paid)
        assert p.status is (start if no_op else target)
    else:
        with pytest.raises(InvalidState):
            move[target]()
        assert p.status is start


def test_declined_then_paid_with_another_card_counts() -> None:
    p = payment()
    p.fail("card_declined", NOW)
    assert p.succeed(Money(5000, "USD"), NOW, None) and p.failure_reason is None


def test_refunds_use_the_providers_running_total() -> None:
    p = payment(S.SUCCEEDED)
    assert p.record_refund(1000, NOW) and p.status is S.PARTIALLY_REFUNDED
    assert not p.record_refund(1000, NOW)  # the same refund event again
    assert p.record_refund(5000, NOW) and p.status is S.REFUNDED
    with pytest.raises(InvalidState):
        payment(S.PENDING).record_refund(100, NOW)
    with pytest.raises(InvalidValue):
        payment(S.SUCCEEDED).record_refund(6000, NOW)


def test_disputes_open_and_close_won_or_lost() -> None:
    won, lost = payment(S.SUCCEEDED), payment(S.SUCCEEDED)
    for p in (won, lost):
        assert p.open_dispute(NOW) and not p.open_dispute(NOW)
    assert won.close_dispute(True, NOW) and won.status is S.SUCCEEDED
    assert lost.close_dispute(False, NOW) and lost.status is S.CHARGED_BACK
    assert not lost.close_dispute(False, NOW)


def test_dispute_events_out_of_order_settle_to_the_closing_outcome() -> None:
    won_first = payment(S.SUCCEEDED)
    assert not won_first.close_dispute(True, NOW)  # "closed: won" before "created"
    assert not won_first.open_dispute(NOW)  # the late "created" is stale
    assert won_first.status is S.SUCCEEDED
    lost_first = payment(S.SUCCEEDED)
    assert lost_first.close_dispute(False, NOW) and lost_first.status is S.CHARGED_BACK
    assert not lost_first.open_dispute(NOW) and lost_first.status is S.CHARGED_BACK


def test_money_captured_on_an_expired_attempt_is_honoured() -> None:
    p = payment(S.EXPIRED)
    assert p.succeed(Money(5000, "USD"), NOW, None) and p.status is S.SUCCEEDED


def test_money_on_a_replaced_attempt_enrolls_nobody() -> None:
    p = payment(S.CANCELED)  # a later checkout replaced it: the money is given back
    with pytest.raises(InvalidState):
        p.succeed(Money(5000, "USD"), NOW, None)
    assert p.status is S.CANCELED
