"""Credit packs: credits a student buys through checkout, for the live area's ledger.

A pack has a price and grants credits, both integer minor units of the same currency; the
credits may exceed the price (a bonus). What a pack costs and grants is copied onto the order
line when it is bought, so changing the configured packs never changes an order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.shared.errors import InvalidValue
from domain.shared.money import Money

# Far past any real pack, and the most one entry of the credits ledger moves.
MAX_PACK_MINOR = 10**9
_PACK_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class CreditPack:
    id: str  # lower case letters, digits, "-" and "_": it travels in URLs and provider items
    price: Money
    credits: Money

    def __post_init__(self) -> None:
        if not _PACK_ID.fullmatch(self.id):
            raise InvalidValue(f"a credit pack id is 1 to 32 lower case letters, digits, '-' "
                               f"or '_', starting with a letter or digit, not {self.id!r}")
        if self.credits.currency != self.price.currency:
            raise InvalidValue(f"credit pack {self.id!r} grants credits in "
                               f"{self.credits.currency} but is priced in {self.price.currency}")
        for what, money in (("price", self.price), ("credits", self.credits)):
            if not 0 < money.amount_minor <= MAX_PACK_MINOR:
                raise InvalidValue(f"credit pack {self.id!r}: the {what} must be 1 to "
                                   f"{MAX_PACK_MINOR} minor units")

    @property
    def title(self) -> str:
        return f"{self.credits.to_decimal_string()} {self.credits.currency} in credits"

    @property
    def purchase(self) -> str:
        """What a payment for this pack buys: one open attempt per student and pack."""
        return f"credit_pack:{self.id}"


def credits_taken_back(granted_minor: int, paid_minor: int, refunded_minor: int) -> int:
    """The credits a refunded total takes back from a pack that granted ``granted_minor``
    for ``paid_minor`` (the charged amount, in the charged currency like ``refunded_minor``):
    in proportion, to the nearest minor unit (halves up), all of them when all was refunded.
    It never decreases as the refunded total grows, so the steps between two totals add up
    exactly to the share of the last one."""
    if paid_minor <= 0 or refunded_minor <= 0:
        return 0
    refunded_minor = min(refunded_minor, paid_minor)
    return (2 * granted_minor * refunded_minor + paid_minor) // (2 * paid_minor)
