"""What every aggregate shares: identity by id and a list of events raised since loading."""

from __future__ import annotations

from domain.shared.events import Event


class Aggregate:
    """Entities are compared by id; events raised by methods wait here for the unit of work.

    The ORM builds instances without calling ``__init__``, so the event list lives in the
    instance dict and is created on first use.
    """

    id: str

    @property
    def events(self) -> list[Event]:
        pending: list[Event] = self.__dict__.setdefault("_events", [])
        return pending

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "id", None) == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
