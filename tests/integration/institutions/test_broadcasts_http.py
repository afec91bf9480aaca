"""Maintenance broadcasts through the public API, on SQLite and PostgreSQL: a platform
admin broadcasts to every active institution; each portal with an endpoint gets a POST it
verifies with ``standardwebhooks`` (a local receiver), retried with backoff when it fails,
and each institution's admins are emailed and told in the app; every delivery's status is
visible to the admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from application.shared.relay_outbox import RelayOutbox
from tests.driver import assert_problem, create_admin, log_in, sign_up_admin, user_id
from tests.integration.institutions.driver import admin_of, institution
from tests.integration.mail import body, messages
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.portal_receiver import PortalReceiver

pytestmark = pytest.mark.clocked  # time moves when the test says

MAINTENANCE = {"type": "maintenance", "title": "Scheduled maintenance",
               "message": "eduport will be down on Sunday from 2 to 4 AM.",
               "scheduled_at": "2026-12-06T02:00:00+00:00"}


@pytest.fixture(scope="module")
def portal() -> Iterator[PortalReceiver]:
    with PortalReceiver() as server:
        yield server


def test_a_broadcast_reaches_every_active_portal_and_its_admins(
        client: Any, injector: Any, settings: Settings, clock: FakeClock,
        portal: PortalReceiver) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    alex = institution(client, root, "alex.example.edu")
    gone = institution(client, root, "gone.example.edu")
    client.delete(f"/admin/institutions/{gone['id']}", headers=root)
    dina, dina_email = admin_of(client, root, cairo, "Dina Adel")
    registered = client.put("/institution/webhook-endpoint", headers=dina,
                            json={"url": f"{portal.url}/api/notifications"})
    assert registered.status_code == 200, registered.get_data(as_text=True)
    assert registered.get_json()["webhook_url"] == f"{portal.url}/api/notifications"
    portal.secret, portal.accepted[:] = cairo["secret"], []
    portal.fail_next(1, 503)

    sent = client.post("/admin/broadcasts", headers=root, json=MAINTENANCE)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    broadcast = sent.get_json()
    path = f"/admin/broadcasts/{broadcast['id']}"
    deliveries = {d["institution_id"]: d for d in
                  client.get(path, headers=root).get_json()["deliveries"]}
    assert set(deliveries) == {cairo["id"], alex["id"]}  # not the deactivated one
    assert (deliveries[cairo["id"]]["status"], deliveries[cairo["id"]]["attempts"]) == (
        "pending", 1)
    assert "HTTP 503" in deliveries[cairo["id"]]["last_error"]
    assert deliveries[alex["id"]]["status"] == "no_endpoint"
    assert portal.accepted == []

    clock.advance(seconds=10)  # the first retry's wait
    assert injector.get(RelayOutbox)().redispatched
    cairo_delivery = {d["institution_id"]: d for d in client.get(
        path, headers=root).get_json()["deliveries"]}[cairo["id"]]
    assert (cairo_delivery["status"], cairo_delivery["attempts"]) == ("delivered", 2)
    [received] = portal.accepted
    assert received["body"]["type"] == "broadcast.maintenance"
    assert received["body"]["data"]["title"] == "Scheduled maintenance"
    assert received["body"]["data"]["scheduled_at"] == "2026-12-06T02:00:00+00:00"
    assert portal.refused == 0

    folder = Path(settings.section(MessagingSettings).outbox_dir)
    [mail] = [m for m in messages(folder) if m["To"] == dina_email
              and m["Subject"] == "From eduport: Scheduled maintenance"]
    assert "down on Sunday" in body(mail)
    dina = log_in(client, dina_email)
    inbox = client.get("/me/notifications", headers=dina).get_json()["items"]
    assert [n["kind"] for n in inbox].count("platform_broadcast") == 1
    assert [b["id"] for b in client.get("/admin/broadcasts", headers=root).get_json()] == [
        broadcast["id"]]
    assert user_id(client, root) == broadcast["created_by"]


def test_a_portal_down_for_good_fails_after_the_last_retry(
        client: Any, injector: Any, clock: FakeClock) -> None:
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    cairo = institution(client, root, "cu.example.edu")
    dina, _ = admin_of(client, root, cairo, "Dina Adel")
    client.put("/institution/webhook-endpoint", headers=dina,
               json={"url": f"http://127.0.0.1:{closed_port()}/hooks"})
    broadcast = client.post("/admin/broadcasts", headers=root, json=MAINTENANCE).get_json()
    relay = injector.get(RelayOutbox)
    for wait in (10, 30, 120, 600, 1800):  # the outbox's backoff
        clock.advance(seconds=wait)
        relay()
    root = log_in(client, "root@example.test")  # the first session expired meanwhile
    [delivery] = client.get(f"/admin/broadcasts/{broadcast['id']}",
                            headers=root).get_json()["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 6)
    assert "could not be reached" in delivery["last_error"]


def test_bad_broadcasts_and_endpoints_are_refused(client: Any, injector: Any) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    dina, _ = admin_of(client, root, cairo, "Dina Adel")
    for bad in ({**MAINTENANCE, "title": ""}, {**MAINTENANCE, "type": "two words"},
                {**MAINTENANCE, "scheduled_at": "Sunday"},
                {**MAINTENANCE, "scheduled_at": "2026-12-06T02:00:00"},  # no time zone
                {k: v for k, v in MAINTENANCE.items() if k != "message"}):
        assert_problem(client.post("/admin/broadcasts", headers=root, json=bad), 422)
    assert_problem(client.post("/admin/broadcasts", headers=dina, json=MAINTENANCE), 403)
    for url in ("ftp://portal.example.edu/x", "https://user@portal.example.edu/",
                "not a url at all", "https://" + "a" * 500):
        assert_problem(client.put("/institution/webhook-endpoint", headers=dina,
                                  json={"url": url}), 422)
    assert client.put("/institution/webhook-endpoint", headers=dina,
                      json={"url": None}).get_json()["webhook_url"] is None
    assert_problem(client.get("/admin/broadcasts/nope", headers=root), 404)
    assert client.get("/admin/broadcasts", headers=root).get_json() == []
