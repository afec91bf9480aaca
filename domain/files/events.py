"""What happened to files."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class FileDiscarded(Event):
    """A file nobody may use any more (replaced, removed, abandoned or refused at completion):
    its bytes are to leave the store."""

    file_id: str
    key: str
