"""Currency conversion with rate snapshots, and the configured rate table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.outbound.payments.exchange_rates import ConfiguredExchangeRates
from application.payments.currency import convert, parse_rate
from application.payments.errors import RateUnavailable
from domain.payments.model import ExchangeRate
from domain.shared.errors import InvalidValue
from domain.shared.money import Money

AS_OF = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def rate(source: str, target: str, value: str) -> ExchangeRate:
    return ExchangeRate(source, target, value, "test", AS_OF)


@pytest.mark.parametrize(
    ("amount", "snapshot", "expected"),
    [
        # 1,500.00 EGP at 0.0205 = 30.75 USD
        (Money(150_000, "EGP"), rate("EGP", "USD", "0.0205"), Money(3075, "USD")),
        # 499.99 EGP at 0.0205 = 10.249795 USD -> 10.25
        (Money(49_999, "EGP"), rate("EGP", "USD", "0.0205"), Money(1025, "USD")),
        # JPY has no minor unit: 1,000 JPY at 0.0067 = 6.70 USD
        (Money(1000, "JPY"), rate("JPY", "USD", "0.0067"), Money(670, "USD")),
        # 10.00 USD at 149.5 = 1,495 JPY
        (Money(1000, "USD"), rate("USD", "JPY", "149.5"), Money(1495, "JPY")),
        # KWD has three decimals: 10.00 USD at 0.307 = 3.070 KWD
        (Money(1000, "USD"), rate("USD", "KWD", "0.307"), Money(3070, "KWD")),
        # 19.99 USD at 0.30712 = 6.1393288 KWD -> 6.139
        (Money(1999, "USD"), rate("USD", "KWD", "0.30712"), Money(6139, "KWD")),
        # 1.005 KWD at 3.25 = 3.26625 USD -> 3.27
        (Money(1005, "KWD"), rate("KWD", "USD", "3.25"), Money(327, "USD")),
        # the identity rate changes nothing
        (Money(123_456, "EGP"), rate("EGP", "EGP", "1"), Money(123_456, "EGP")),
    ],
)
def test_converts_with_both_currencies_exponents(amount: Money, snapshot: ExchangeRate,
                                                 expected: Money) -> None:
    assert convert(amount, snapshot) == expected


@pytest.mark.parametrize(
    ("amount", "snapshot", "expected"),
    [
        # exactly half a minor unit rounds up, not to even (2.5 -> 3, 1.5 -> 2, 0.5 -> 1)
        (Money(250, "USD"), rate("USD", "JPY", "1"), Money(3, "JPY")),
        (Money(150, "USD"), rate("USD", "JPY", "1"), Money(2, "JPY")),
        (Money(1, "EGP"), rate("EGP", "USD", "0.5"), Money(1, "USD")),
        # just below half rounds down
        (Money(1, "EGP"), rate("EGP", "USD", "0.4999999"), Money(0, "USD")),
        # 1.005 KWD -> USD at 1: the third decimal decides, half-up
        (Money(1005, "KWD"), rate("KWD", "USD", "1"), Money(101, "USD")),
        (Money(1004, "KWD"), rate("KWD", "USD", "1"), Money(100, "USD")),
        # negative amounts (refunds) round symmetrically: -2.5 -> -3
        (Money(-250, "USD"), rate("USD", "JPY", "1"), Money(-3, "JPY")),
    ],
)
def test_rounds_half_up_to_the_target_minor_unit(amount: Money, snapshot: ExchangeRate,
                                                 expected: Money) -> None:
    assert convert(amount, snapshot) == expected


def test_no_precision_is_lost_on_large_amounts_or_long_rates() -> None:
    huge = Money(10**22 + 1, "EGP")
    assert convert(huge, rate("EGP", "USD", "0.0205")) == Money(205 * 10**18, "USD")
    long_rate = rate("USD", "EGP", "48.123456789012345678901234567890")
    assert convert(Money(100, "USD"), long_rate) == Money(4812, "EGP")


def test_refuses_an_amount_in_another_currency_than_the_rate() -> None:
    with pytest.raises(InvalidValue, match="EGP->USD"):
        convert(Money(100, "EUR"), rate("EGP", "USD", "0.0205"))


@pytest.mark.parametrize("text", ["abc", "", "0", "-1.5", "NaN", "Infinity", "1e"])
def test_refuses_rates_that_are_not_positive_decimals(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_rate(text)
    with pytest.raises(InvalidValue):
        convert(Money(100, "USD"), rate("USD", "EUR", text))


# --- ConfiguredExchangeRates ---------------------------------------------------------------


def test_configured_rates_are_snapshots_of_the_spec() -> None:
    rates = ConfiguredExchangeRates("EGP:USD=0.0205, EUR:USD=1.08 ,usd:jpy=1.495E+2", AS_OF)
    assert rates.rate("EGP", "USD") == ExchangeRate("EGP", "USD", "0.0205", "configuration",
                                                    AS_OF)
    assert rates.rate("EUR", "USD").rate == "1.08"
    assert rates.rate("USD", "JPY").rate == "149.5"
    assert rates.pairs() == (("EGP", "USD"), ("EUR", "USD"), ("USD", "JPY"))
    assert convert(Money(100_000, "EGP"), rates.rate("EGP", "USD")) == Money(2050, "USD")


def test_the_same_currency_needs_no_configuration() -> None:
    rates = ConfiguredExchangeRates("", AS_OF, source="ops sheet 2026-01")
    assert rates.rate("KWD", "KWD") == ExchangeRate("KWD", "KWD", "1", "ops sheet 2026-01",
                                                    AS_OF)


def test_an_unknown_pair_is_unavailable_and_never_inverted() -> None:
    rates = ConfiguredExchangeRates("EGP:USD=0.0205", AS_OF)
    with pytest.raises(RateUnavailable, match="from USD to EGP"):
        rates.rate("USD", "EGP")
    with pytest.raises(RateUnavailable, match="from EUR to USD"):
        rates.rate("EUR", "USD")


def test_tiny_rates_are_written_without_an_exponent() -> None:
    rates = ConfiguredExchangeRates("IRR:USD=1E-7", AS_OF)
    assert rates.rate("IRR", "USD").rate == "0.0000001"


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("EGP:USD", "EGP:USD"),
        ("EGPUSD=0.02", "EGPUSD=0.02"),
        ("EGP:XXY=0.02", "XXY"),
        ("EGP:USD=zero", "zero"),
        ("EGP:USD=0", "EGP:USD=0"),
        ("EGP:USD=-0.02", "EGP:USD=-0.02"),
        ("EGP:USD=NaN", "EGP:USD=NaN"),
        ("EGP:EGP=1", "EGP:EGP=1"),
        ("EGP:USD=0.02,EGP:USD=0.03", "configured twice"),
        ("EUR:USD=1.08,EGP:USD=abc", "EGP:USD=abc"),
        ("EGP:USD=0." + "1" * 45, "more than 40"),
    ],
)
def test_a_bad_spec_names_the_bad_pair(spec: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        ConfiguredExchangeRates(spec, AS_OF)


def test_as_of_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ConfiguredExchangeRates("EGP:USD=0.0205", datetime(2026, 1, 5))
