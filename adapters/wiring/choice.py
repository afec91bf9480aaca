"""The one rule for choosing adapters: every vendor whose settings are present, otherwise the
embedded default that needs no account."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def vendors_or_default(vendors: Mapping[str, Callable[[], T] | None],
                       default: tuple[str, Callable[[], T]]) -> dict[str, T]:
    """Builds each vendor whose factory is given (None: its settings are absent). When none
    is, the default alone, so a fresh machine always has a working adapter."""
    chosen = {name: factory() for name, factory in vendors.items() if factory is not None}
    if chosen:
        return chosen
    name, factory = default
    return {name: factory()}


def vendor_or_default(vendors: Mapping[str, Callable[[], T] | None],
                      default: tuple[str, Callable[[], T]]) -> T:
    """The same rule for a port served by one adapter at a time."""
    chosen = vendors_or_default(vendors, default)
    if len(chosen) > 1:
        raise ValueError(f"configure only one of: {', '.join(sorted(chosen))}")
    return next(iter(chosen.values()))
