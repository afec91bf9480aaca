"""Live-class minutes on invoices, on SQLite and PostgreSQL: the minutes of the classes an
institution's teachers (verified addresses at its domain or below it) held in the month,
each class's time inside the month rounded up to a whole minute, billed per minute."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from application.institutions.generate_invoices import GenerateInvoices
from tests.conftest import make_settings
from tests.driver import create_admin, log_in, published_course
from tests.integration.institutions.driver import institution, person_at
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, INVOICE_LIVE_MINUTE_PRICE_MINOR="10",
                         ACCESS_TOKEN_TTL_SECONDS="8640000")


def held(client: Any, clock: FakeClock, who: Any, course: Any, start: datetime,
         end: datetime) -> None:
    clock.current = start
    scheduled = client.post(f"/courses/{course['id']}/live-sessions", headers=who, json={
        "title": "Parsing", "starts_at": start.isoformat(), "planned_minutes": 60})
    assert scheduled.status_code == 201, scheduled.get_data(as_text=True)
    base = f"/live-sessions/{scheduled.get_json()['id']}"
    assert client.post(f"{base}/start", headers=who).status_code == 200
    clock.current = end
    assert client.post(f"{base}/end", headers=who).get_json()["status"] == "ended"


def test_the_minutes_its_teachers_held_in_the_month_are_billed(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    clock.current = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    uni = institution(client, root, "uni.example.edu")
    grace = person_at(client, settings, "grace@cs.uni.example.edu", "teacher")
    ada = person_at(client, settings, "ada@uni.example.edu", "teacher", verified=False)
    alan = person_at(client, settings, "alan@other.example.org", "teacher")
    courses = {name: published_course(client, who, title=f"Compilers {name}")
               for name, who in (("grace", grace), ("ada", ada), ("alan", alan))}
    held(client, clock, grace, courses["grace"], datetime(2026, 10, 31, 10, 0, tzinfo=UTC),
         datetime(2026, 10, 31, 11, 0, tzinfo=UTC))  # October's
    held(client, clock, grace, courses["grace"], datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
         datetime(2026, 11, 10, 10, 45, 30, tzinfo=UTC))  # 46 minutes, rounded up
    held(client, clock, ada, courses["ada"], datetime(2026, 11, 11, 10, 0, tzinfo=UTC),
         datetime(2026, 11, 11, 11, 0, tzinfo=UTC))  # an unverified address
    held(client, clock, alan, courses["alan"], datetime(2026, 11, 12, 10, 0, tzinfo=UTC),
         datetime(2026, 11, 12, 11, 0, tzinfo=UTC))  # another domain's
    held(client, clock, grace, courses["grace"], datetime(2026, 11, 30, 23, 50, tzinfo=UTC),
         datetime(2026, 12, 1, 0, 20, tzinfo=UTC))  # 10 of its minutes in November

    clock.current = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert injector.get(GenerateInvoices)("2026-11").invoiced == 1
    [invoice] = client.get(f"/admin/institutions/{uni['id']}/invoices",
                           headers=log_in(client, "root@example.test")).get_json()
    assert [(line["kind"], line["quantity"], line["amount"]) for line in invoice["lines"]] == [
        ("live_minutes", 56, 560)]
