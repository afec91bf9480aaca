"""The guard of ADR 22: every table that holds a person is named by a ``PersonalData``
section, so the export shows it and the erasure reaches it. A new table pointing at users,
or with a column named for a person, fails here until its area's section names it; a table
that holds nobody is declared so below, with the reason."""

from __future__ import annotations

import re

from sqlalchemy import Table

from adapters.outbound.persistence.privacy.sections import SECTIONS, SqlPrivacyUnitOfWork
from adapters.outbound.persistence.tables import metadata

# Columns that name a person without a foreign key (the audit's actor, a reviewer...).
PERSON_COLUMN = re.compile(
    r"^(.*_)?(user|actor|student|teacher|owner|uploader|viewer|reviewer|provider)_id$"
    r"|^(decided|requested)_by$|^scope$|^recipient$")
# What holds nobody, and why.
NO_PERSON = {
    "used_tokens": "the ids of one-time links already used, and their purpose",
    "lessons": "a course's content", "course_stats": "counts", "course_revenue": "sums",
    "outbox_handled": "which handler ran for an outbox row",
    "sandbox_payments": "the sandbox bank's own ledger: references and amounts",
    "sandbox_events": "the sandbox bank's own events: references and amounts",
    "job_search_budget": "requests spent per month at an outside job board",
    "institutions": "organisations the platform bills: their name, address, plan and metrics",
    "broadcast_deliveries": "which institution's portal a broadcast reached, and when",
    "institution_subscriptions": "an institution's plan at the billing provider",
    "institution_invoices": "an institution's monthly invoices: counts and amounts",
    "invoice_runs": "the months every institution was invoiced for",
    "invoice_reminders": "which reminders an institution's unpaid invoice was sent",
}


def person_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns
            if any(fk.target_fullname == "users.id" for fk in column.foreign_keys)
            or PERSON_COLUMN.match(column.name)]


def covered() -> dict[str, str]:
    """table -> the section that names it."""
    found: dict[str, str] = {}
    for section in SECTIONS:
        built = section(None)  # type: ignore[arg-type]  # names only: no query runs
        for table in built.tables:
            assert table not in found, f"{table} is named by {found[table]} and {built.name}"
            found[table] = built.name
    return found


def test_every_table_that_holds_a_person_is_named_by_a_section() -> None:
    sections = covered()
    missing = {table.name: person_columns(table) for table in metadata.sorted_tables
               if person_columns(table) and table.name not in sections}
    assert missing == {}, "give these tables' area a section (ADR 22)"


def test_every_table_is_named_by_a_section_or_declared_to_hold_nobody() -> None:
    sections = covered()
    tables = {table.name for table in metadata.sorted_tables}
    assert tables - set(sections) - set(NO_PERSON) == set()
    assert set(sections) <= tables, "a section names a table that does not exist"
    assert not set(sections) & set(NO_PERSON)
    for name in NO_PERSON:  # what is declared to hold nobody really has no person column
        assert person_columns(metadata.tables[name]) == [], name


def test_the_guard_sees_people_where_they_are() -> None:
    # Guards the guard: if it found no person anywhere, the tests above would pass vacuously.
    tables = metadata.tables
    assert person_columns(tables["enrollments"]) == ["student_id"]
    assert set(person_columns(tables["audit_log"])) == {"actor_id"}
    assert set(person_columns(tables["stored_files"])) == {"owner_id", "uploader_id"}
    assert "recipient" in person_columns(tables["message_deliveries"])
    assert person_columns(tables["idempotency_keys"]) == ["scope"]
    assert len([t for t in metadata.sorted_tables if person_columns(t)]) >= 20


def test_the_unit_of_work_builds_every_section_with_distinct_names() -> None:
    names = [section(None).name for section in SECTIONS]  # type: ignore[arg-type]
    assert len(names) == len(set(names))
    assert "personal_data" in SqlPrivacyUnitOfWork.repositories
