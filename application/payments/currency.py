"""Converting money between currencies with a rate snapshot: exact decimals, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from domain.payments.model import ExchangeRate
from domain.shared.errors import InvalidValue
from domain.shared.money import Money, currency_exponent

# Enough digits that no amount or rate we accept is rounded before the final step.
_PRECISION = 80


def parse_rate(text: str) -> Decimal:
    """The rate of a snapshot as a ``Decimal``. Raises ``InvalidValue`` unless it is a finite,
    positive decimal number."""
    try:
        rate = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue(f"an exchange rate must be a decimal number, not {text!r}") from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidValue(f"an exchange rate must be a positive number, not {text!r}")
    return rate


def convert(amount: Money, rate: ExchangeRate) -> Money:
    """``amount`` in ``rate.target_currency``: the major-unit amount times the rate, rounded
    half-up (ties away from zero) to the target currency's minor unit, each side with its own
    ISO 4217 exponent (JPY 0, USD 2, KWD 3). Raises ``InvalidValue`` when ``amount`` is not in
    ``rate.source_currency`` or the rate is not a positive decimal."""
    if amount.currency != rate.source_currency:
        raise InvalidValue(f"a {rate.source_currency}->{rate.target_currency} rate cannot "
                           f"convert an amount in {amount.currency}")
    factor = parse_rate(rate.rate)
    source_exponent = currency_exponent(amount.currency)
    target_exponent = currency_exponent(rate.target_currency)
    with localcontext() as context:
        context.prec = _PRECISION
        # minor_target = minor_source / 10**e_source * rate * 10**e_target, done exactly.
        exact = Decimal(amount.amount_minor) * factor
        exact = exact.scaleb(target_exponent - source_exponent)
        minor = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(minor), rate.target_currency)
