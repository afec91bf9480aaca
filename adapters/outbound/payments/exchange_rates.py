"""Exchange rates from configuration: a fixed table of snapshots, never an inverted or guessed
rate.

The spec is a comma-separated list of ``SOURCE:TARGET=RATE`` pairs, for example
``"EGP:USD=0.0205,EUR:USD=1.08"``: one ``SOURCE`` unit is worth ``RATE`` ``TARGET`` units.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from application.payments.errors import RateUnavailable
from domain.payments.model import ExchangeRate
from domain.shared.money import KNOWN_CURRENCIES

# payments.rate is a String(40): a rate that does not fit could not be stored with a payment.
_MAX_RATE_CHARS = 40


class ConfiguredExchangeRates:
    """``ExchangeRates`` over a configured table. Raises ``ValueError`` naming the bad pair
    when the spec is malformed (so start-up fails with a clear message)."""

    def __init__(self, spec: str, as_of: datetime, source: str = "configuration") -> None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be a timezone-aware UTC datetime")
        self.as_of, self.source = as_of, source
        self._rates = parse_rates(spec)

    def rate(self, source: str, target: str) -> ExchangeRate:
        """The configured rate from ``source`` to ``target``; "1" for the same currency.
        Raises ``RateUnavailable`` for a pair that is not configured (the reverse pair is
        never inverted)."""
        if source == target:
            return ExchangeRate(source, target, "1", self.source, self.as_of)
        found = self._rates.get((source, target))
        if found is None:
            raise RateUnavailable(
                f"no exchange rate from {source} to {target} is available, so this payment "
                f"method cannot take {source} right now; choose another one")
        return ExchangeRate(source, target, found, self.source, self.as_of)

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The configured (source, target) pairs, for start-up logs."""
        return tuple(sorted(self._rates))


def parse_rates(spec: str) -> dict[tuple[str, str], str]:
    """``EGP:USD=0.0205,...`` as pairs; ValueError naming the entry that is not valid."""
    rates: dict[tuple[str, str], str] = {}
    for raw in spec.split(","):
        entry = raw.strip()
        if not entry:
            continue
        pair, equals, amount = entry.partition("=")
        source, colon, target = pair.strip().partition(":")
        source, target = source.strip().upper(), target.strip().upper()
        if not equals or not colon:
            raise ValueError(f"exchange rate {entry!r} is not of the form SOURCE:TARGET=RATE "
                             f"(for example EGP:USD=0.0205)")
        for code in (source, target):
            if code not in KNOWN_CURRENCIES:
                raise ValueError(f"exchange rate {entry!r}: {code!r} is not an ISO 4217 "
                                 f"currency code")
        if source == target:
            raise ValueError(f"exchange rate {entry!r}: a currency needs no rate to itself")
        if (source, target) in rates:
            raise ValueError(f"exchange rate {entry!r}: {source}:{target} is configured twice")
        rates[(source, target)] = _rate_text(entry, amount.strip())
    return rates


def _rate_text(entry: str, text: str) -> str:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"exchange rate {entry!r}: {text!r} is not a decimal number") from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"exchange rate {entry!r}: the rate must be a positive number")
    plain = format(rate, "f")  # never exponent notation: "1E-7" -> "0.0000001"
    if len(plain) > _MAX_RATE_CHARS:
        raise ValueError(f"exchange rate {entry!r}: the rate has more than "
                         f"{_MAX_RATE_CHARS} characters")
    return plain
