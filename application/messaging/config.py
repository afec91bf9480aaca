"""Messaging rules that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessagingPolicy:
    # Both languages in one message, the reader's first (the ACE platform's habit).
    bilingual: bool = False
