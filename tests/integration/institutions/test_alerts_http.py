"""Alerts through the public API, on SQLite and PostgreSQL: an institution's portal raises
one with a request signed with its secret (once per ``webhook-id``); the platform's admins
are told on ``private-admin`` and acknowledge it; the institution's admin sees their own;
unsigned, forged and malformed requests raise nothing."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.driver import assert_problem, sign_up_admin, user_id
from tests.integration.institutions.driver import admin_of, institution


def raise_alert(client: Any, secret: str, message_id: str, body: Any) -> Any:
    data, now = json.dumps(body), datetime.now(UTC)
    return client.post("/admin/alerts", data=data, content_type="application/json", headers={
        "webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, data)})


def test_a_portal_raises_an_alert_and_an_admin_acknowledges_it(
        client: Any, injector: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapters.outbound.realtime.log")
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    alex = institution(client, root, "alex.example.edu")
    body = {"type": "storage_exceeded", "institution_id": cairo["id"],
            "message": "Storage quota exceeded"}
    raised = raise_alert(client, cairo["secret"], "alert_1", body)
    assert raised.status_code == 201, raised.get_data(as_text=True)
    alert = raised.get_json()
    assert (alert["type"], alert["severity"], alert["source"]) == ("storage_exceeded",
                                                                  "high", "portal")
    again = raise_alert(client, cairo["secret"], "alert_1", body)
    assert again.status_code == 200 and again.get_json()["id"] == alert["id"]
    published = [(r.event, tuple(r.channels))  # type: ignore[attr-defined]
                 for r in caplog.records if hasattr(r, "event")]
    assert published.count(("alert.created", ("private-admin",))) == 1  # not on the repeat
    assert raise_alert(client, alex["secret"], "alert_2", {
        "type": "sync_failed", "institution_id": alex["id"], "message": "Nightly sync failed",
        "severity": "medium"}).status_code == 201

    waiting = client.get("/admin/alerts?acknowledged=false", headers=root).get_json()
    assert {a["institution_id"] for a in waiting} == {cairo["id"], alex["id"]}
    done = client.post(f"/admin/alerts/{alert['id']}/acknowledge", headers=root)
    assert done.status_code == 200 and done.get_json()["acknowledged_by"] == user_id(
        client, root)
    first = done.get_json()["acknowledged_at"]
    assert client.post(f"/admin/alerts/{alert['id']}/acknowledge",
                       headers=root).get_json()["acknowledged_at"] == first
    assert [a["institution_id"] for a in client.get(
        "/admin/alerts?acknowledged=false", headers=root).get_json()] == [alex["id"]]

    dina, _ = admin_of(client, root, cairo, "Dina Adel")
    mine = client.get("/institution/alerts", headers=dina).get_json()
    assert [a["id"] for a in mine] == [alert["id"]]  # Cairo's, not Alexandria's
    assert_problem(client.post(f"/admin/alerts/{alert['id']}/acknowledge", headers=dina), 403)
    assert_problem(client.get("/admin/alerts", headers=dina), 403)


def test_unsigned_forged_and_malformed_alerts_raise_nothing(client: Any, injector: Any) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    alex = institution(client, root, "alex.example.edu")
    body = {"type": "storage_exceeded", "institution_id": cairo["id"], "message": "Full"}
    assert_problem(client.post("/admin/alerts", json=body), 400)
    assert_problem(raise_alert(client, alex["secret"], "a1", body), 400)  # another's key
    assert_problem(raise_alert(client, cairo["secret"], "a2", {**body, "institution_id": "x"}),
                   400)
    for bad in ({**body, "type": ""}, {**body, "type": "no spaces"}, {**body, "message": ""},
                {**body, "message": "x" * 501}, {**body, "severity": "apocalyptic"},
                {k: v for k, v in body.items() if k != "message"}, {**body, "type": 5}):
        assert_problem(raise_alert(client, cairo["secret"], "a3", bad), 422)
    assert_problem(raise_alert(client, cairo["secret"], "a4", [body]), 400)
    assert client.get("/admin/alerts", headers=root).get_json() == []
    assert_problem(client.post("/admin/alerts/nope/acknowledge", headers=root), 404)
    assert_problem(client.get("/admin/alerts?acknowledged=maybe", headers=root), 422)
