import pytest

from domain.shared.errors import InvalidValue
from domain.shared.money import Money, currency_exponent


@pytest.mark.parametrize(
    ("currency", "exponent"), [("JPY", 0), ("EGP", 2), ("KWD", 3), ("USD", 2), ("CLF", 4)]
)
def test_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1000, "USD"), "10.00"),
        (Money(1000, "JPY"), "1000"),
        (Money(1005, "KWD"), "1.005"),
        (Money(5, "EUR"), "0.05"),
        (Money(-150, "EGP"), "-1.50"),
    ],
)
def test_decimal_strings_use_the_currency_exponent(money: Money, text: str) -> None:
    assert money.to_decimal_string() == text


def test_money_refuses_floats_unknown_and_lower_case_currencies() -> None:
    with pytest.raises(InvalidValue):
        Money(10.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        Money(True, "USD")
    with pytest.raises(InvalidValue):
        Money(100, "usd")
    with pytest.raises(InvalidValue):
        Money(100, "XXY")


def test_arithmetic_stays_within_one_currency() -> None:
    assert Money(100, "USD") + Money(250, "USD") == Money(350, "USD")
    assert Money(100, "USD") - Money(250, "USD") == Money(-150, "USD")
    with pytest.raises(InvalidValue):
        Money(100, "USD") + Money(100, "EUR")
