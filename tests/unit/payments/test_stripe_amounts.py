"""Our ISO 4217 minor units <-> Stripe's ``amount`` (vendor-contracts.md section 1)."""

from __future__ import annotations

import pytest

from adapters.outbound.payments.stripe import (
    STRIPE_THREE_DECIMAL,
    STRIPE_ZERO_DECIMAL,
    SUPPORTED_CURRENCIES,
    from_stripe_amount,
    stripe_exponent,
    to_stripe_amount,
)
from application.payments.errors import GatewayDeclined
from domain.shared.errors import InvalidValue
from domain.shared.money import Money, currency_exponent


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (Money(1000, "USD"), 1000),  # 10.00 USD -> 1000 cents
        (Money(1, "USD"), 1),
        (Money(0, "USD"), 0),
        (Money(25050, "EGP"), 25050),
        (Money(1500, "JPY"), 1500),  # zero-decimal both in ISO and at Stripe
        (Money(12345, "KRW"), 12345),
        (Money(12340, "KWD"), 12340),  # 12.340 KWD: three decimals, last digit 0
        (Money(5000, "BHD"), 5000),
        (Money(500000, "MGA"), 5000),  # 5000.00 MGA: ISO 2 decimals, Stripe zero-decimal
        (Money(1500, "ISK"), 150000),  # 1500 ISK: ISO 0, Stripe two decimals (always 00)
    ],
)
def test_to_stripe_amount(money: Money, expected: int) -> None:
    assert to_stripe_amount(money) == expected


def test_mga_with_cents_is_declined_with_a_clear_message() -> None:
    with pytest.raises(GatewayDeclined, match=r"MGA in whole units only: 5000\.50 MGA"):
        to_stripe_amount(Money(500050, "MGA"))


@pytest.mark.parametrize("currency", sorted(STRIPE_THREE_DECIMAL))
def test_three_decimal_amounts_must_end_in_zero(currency: str) -> None:
    assert to_stripe_amount(Money(10010, currency)) == 10010
    with pytest.raises(GatewayDeclined, match="last of the three decimals must be 0"):
        to_stripe_amount(Money(10015, currency))


@pytest.mark.parametrize("currency", ["IQD", "LYD", "CLF", "UYW"])
def test_currencies_without_a_stripe_exponent_are_declined(currency: str) -> None:
    with pytest.raises(GatewayDeclined, match=f"does not charge in {currency}"):
        to_stripe_amount(Money(10000, currency))


def test_negative_amounts_are_declined() -> None:
    with pytest.raises(GatewayDeclined):
        to_stripe_amount(Money(-100, "USD"))


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1000, "usd", Money(1000, "USD")),
        (1000, "USD", Money(1000, "USD")),
        (1500, "jpy", Money(1500, "JPY")),
        (12340, "kwd", Money(12340, "KWD")),
        (5000, "mga", Money(500000, "MGA")),
        (150000, "isk", Money(1500, "ISK")),
        (0, "isk", Money(0, "ISK")),
    ],
)
def test_from_stripe_amount(amount: int, currency: str, expected: Money) -> None:
    assert from_stripe_amount(amount, currency) == expected


def test_an_isk_amount_with_decimals_has_no_iso_value() -> None:
    with pytest.raises(InvalidValue, match="no exact ISO 4217 value"):
        from_stripe_amount(150050, "isk")


def test_an_unknown_currency_from_stripe_is_refused() -> None:
    with pytest.raises(InvalidValue):
        from_stripe_amount(100, "xyz")


@pytest.mark.parametrize(
    "money",
    [Money(1000, "USD"), Money(777, "JPY"), Money(990, "KWD"), Money(300, "MGA"),
     Money(42, "ISK"), Money(123456, "EGP"), Money(1000, "XOF")],
)
def test_round_trip(money: Money) -> None:
    assert from_stripe_amount(to_stripe_amount(money), money.currency.lower()) == money


def test_exponent_tables_match_the_contract() -> None:
    assert {"JPY", "MGA", "KRW", "VND", "XOF"} <= STRIPE_ZERO_DECIMAL
    assert "ISK" not in STRIPE_ZERO_DECIMAL
    assert stripe_exponent("ISK") == 2 and currency_exponent("ISK") == 0
    assert stripe_exponent("MGA") == 0 and currency_exponent("MGA") == 2
    assert stripe_exponent("KWD") == 3


@pytest.mark.parametrize("currency", sorted(SUPPORTED_CURRENCIES))
def test_every_supported_currency_converts_a_typical_price(currency: str) -> None:
    # 100 major units in any supported currency is a valid Stripe amount
    money = Money(100 * 10 ** currency_exponent(currency), currency)
    assert from_stripe_amount(to_stripe_amount(money), currency) == money
