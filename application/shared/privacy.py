"""Personal data, area by area (ADR 22): the mechanism every area joins so that a person can
have a copy of everything eduport keeps about them (GDPR Art. 15 and 20) and have it erased
(Art. 17).

Each area implements ``PersonalData`` once, as a section over the caller's transaction that
names the tables it answers for; the export and the erasure walk every section in one
transaction. A table that holds a person and that no section names fails a test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.shared.events import Event


@dataclass(frozen=True)
class Person:
    """Whom a section exports or erases: the id every area keys its records by, and the
    strings that name the person where free text may hold them (a payload, a title, an
    audit detail), with what each becomes once erased."""

    user_id: str
    email: str
    full_name: str
    erased_email: str
    erased_name: str

    def scrubbed(self, value: Any) -> Any:
        """``value`` (a string, or JSON made of lists and dicts) with the person's address
        and name replaced by their erased forms, case-insensitively; the name only as a whole
        word, so that "Al" leaves "Algebra" alone."""
        if isinstance(value, str):
            return self._scrub_text(value)
        if isinstance(value, list):
            return [self.scrubbed(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrubbed(item) for key, item in value.items()}
        return value

    def _scrub_text(self, text: str) -> str:
        if self.email and self.email != self.erased_email:
            text = re.sub(re.escape(self.email), self.erased_email, text, flags=re.IGNORECASE)
        name = self.full_name.strip()
        if name and name != self.erased_name:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", self.erased_name, text,
                          flags=re.IGNORECASE)
        return text


class PersonalData(Protocol):
    """One area's part of what eduport keeps about a person, over the caller's transaction.

    ``name`` is the section's key in the exported document; ``tables`` every table whose
    rows the section answers for (a table that holds a person must be named by a section)."""

    name: str
    tables: tuple[str, ...]

    def export(self, person: Person) -> dict[str, Any]:
        """Everything the section's tables keep about the person, as JSON values (strings,
        numbers, booleans, None, lists and dicts; times as ISO 8601 strings in UTC, money as
        integer minor units with its currency). An unknown person gets empty lists."""

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        """Deletes, or anonymises where the law or other people need the record (payments,
        attendance), what the section's tables keep about the person: after it, no row holds
        their address, name or what they wrote about themselves. Idempotent: a second erasure
        finds nothing more to do. Returns the events of the work that must wait for the
        commit (a vendor asked to forget, stored bytes deleted); the caller publishes them
        in its transaction, so the outbox runs that work once the erasure is durable."""
