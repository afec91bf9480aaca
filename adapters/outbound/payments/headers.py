"""Webhook headers as the inbound adapters hand them over: a plain mapping, any case."""

from __future__ import annotations

from collections.abc import Mapping


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, matched case-insensitively (HTTP field names are)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
