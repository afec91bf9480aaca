"""Storage quotas on the embedded default, on SQLite and PostgreSQL: from 02:00 each day an
institution's storage is measured from the file records (the files it owns, and those of
the people whose verified address is at its domain or below it); crossing 90 % of its quota
raises one alert, one warning email and one ``alert.created`` per crossing, not one a day."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.inbound.worker.jobs import run_job
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.driver import PNG, create_admin, log_in, uploaded
from tests.integration.institutions.driver import institution, person_at
from tests.integration.mail import messages
from tests.integration.privacy.test_personal_data_http import PDF
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked

QUOTA = 2_000


def cv(client: Any, who: dict[str, str], size: int) -> None:
    me = client.get("/me", headers=who).get_json()["user_id"]
    uploaded(client, who, "cv", me, PDF + b" " * (size - len(PDF)), "application/pdf")


def warnings(settings: Settings) -> list[str]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    return [str(m["Subject"]) for m in messages(folder) if m["To"] == "it@uni.example.edu"
            and "storage quota" in str(m["Subject"])]


def at(clock: FakeClock, start: Any, days: int, hour: int) -> None:
    clock.current = (start + timedelta(days=days)).replace(hour=hour, minute=30)


def test_a_crossing_raises_one_alert_until_use_falls_below_again(
        client: Any, injector: Any, settings: Settings, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapters.outbound.realtime.log")
    start = clock.now()
    at(clock, start, 0, 1)
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    uni = institution(client, root, "uni.example.edu")
    other = institution(client, root, "other.example.org")
    for found in (uni, other):
        assert client.patch(f"/admin/institutions/{found['id']}", headers=root,
                            json={"storage_quota_bytes": QUOTA}).status_code == 200
    cv(client, person_at(client, settings, "ada@cs.uni.example.edu", "student"), 1_800)
    cv(client, person_at(client, settings, "bob@uni.example.edu", "student", verified=False),
       5_000)
    cv(client, person_at(client, settings, "eve@uni.example.edu.evil.test", "student"), 900)
    uploaded(client, root, "institution_logo", uni["id"], PNG, "image/png")

    assert run_job(injector, "measure_storage_use") == 0  # 01:30: not yet
    assert client.get(f"/admin/institutions/{uni['id']}", headers=root).get_json()[
        "stored_at"] is None
    at(clock, start, 0, 2)
    assert run_job(injector, "measure_storage_use") == 1
    root = log_in(client, "root@example.test")
    shown = client.get(f"/admin/institutions/{uni['id']}", headers=root).get_json()
    used = 1_800 + len(PNG)  # ada's CV and the logo; bob is unverified, eve elsewhere
    assert (shown["stored_bytes"], shown["storage_in_use"]) == (used, used)
    assert client.get(f"/admin/institutions/{other['id']}", headers=root).get_json()[
        "stored_bytes"] == 0
    [alert] = client.get("/admin/alerts", headers=root).get_json()
    percent = used * 100 // QUOTA
    assert (alert["type"], alert["severity"], alert["message"], alert["institution_id"]) == (
        "storage_quota", "high", f"Storage usage at {percent}%", uni["id"])
    assert warnings(settings) == [f"Uni is using {percent}% of its storage quota"]

    assert run_job(injector, "measure_storage_use") == 0  # measured today already
    at(clock, start, 1, 3)
    assert run_job(injector, "measure_storage_use") == 0  # still above: no new crossing
    root = log_in(client, "root@example.test")
    assert len(client.get("/admin/alerts", headers=root).get_json()) == 1
    assert client.patch(f"/admin/institutions/{uni['id']}", headers=root,
                        json={"storage_quota_bytes": 10 * QUOTA}).status_code == 200
    at(clock, start, 2, 3)
    assert run_job(injector, "measure_storage_use") == 0  # below: the next crossing counts
    root = log_in(client, "root@example.test")
    assert client.patch(f"/admin/institutions/{uni['id']}", headers=root,
                        json={"storage_quota_bytes": QUOTA}).status_code == 200
    at(clock, start, 3, 3)
    assert run_job(injector, "measure_storage_use") == 1
    root = log_in(client, "root@example.test")
    assert len(client.get("/admin/alerts", headers=root).get_json()) == 2
    assert len(warnings(settings)) == 2
    published = [(r.event, tuple(r.channels))  # type: ignore[attr-defined]
                 for r in caplog.records if hasattr(r, "event")]
    assert published.count(("alert.created", ("private-admin",))) == 2


def test_an_institution_without_a_quota_is_not_warned(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    clock.current = clock.now().replace(hour=4)
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    uni = institution(client, root, "uni.example.edu")
    assert client.patch(f"/admin/institutions/{uni['id']}", headers=root,
                        json={"storage_quota_bytes": 0}).status_code == 200
    uploaded(client, root, "institution_logo", uni["id"], PNG, "image/png")
    assert run_job(injector, "measure_storage_use") == 0
    shown = client.get(f"/admin/institutions/{uni['id']}", headers=root).get_json()
    assert shown["stored_bytes"] == len(PNG) and shown["stored_at"] is not None
    assert client.get("/admin/alerts", headers=root).get_json() == []
