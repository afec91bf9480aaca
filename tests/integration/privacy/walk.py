"""Every table of the schema, read row by row: where a person's strings still are."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from adapters.outbound.persistence.tables import metadata


def traces(engine: Engine, needles: Iterable[str]) -> dict[str, list[str]]:
    """``{table: [needle, ...]}`` for every table whose rows hold one of ``needles`` in any
    column (text, JSON, anything), case-insensitively; empty when none does."""
    wanted = [needle.lower() for needle in needles]
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            text = "\n".join(" ".join(str(value) for value in row)
                             for row in connection.execute(select(table))).lower()
            hits = [needle for needle in wanted if needle in text]
            if hits:
                found[table.name] = hits
    return found
