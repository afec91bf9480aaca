"""``POST /webhooks/institution-sync`` on SQLite and PostgreSQL: an institution's portal
reports a metric signed with its own secret (Standard Webhooks, signed here by the
``standardwebhooks`` library as a portal would); it is stored once by ``webhook-id``, the
metric updated with an activity record of the old and new values, and a late report made
earlier changes nothing. Forged, stale, unsigned, another institution's and malformed
reports are refused and change nothing; a rotated secret stops the old one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.driver import assert_problem, deliver, sign_up_admin
from tests.integration.institutions.driver import institution
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says


def report(client: Any, clock: FakeClock, secret: str, message_id: str, body: Any,
           sent_minutes_ago: float = 0) -> Any:
    data = json.dumps(body)
    at = clock.now() - timedelta(minutes=sent_minutes_ago)
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secret).sign(message_id, at, data)}
    return deliver(client, "institution-sync", data.encode(), headers)


def shown(client: Any, root: dict[str, str], institution: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/admin/institutions/{institution['id']}",
                                       headers=root).get_json()
    return found


def updates(client: Any, root: dict[str, str], institution: dict[str, Any]) -> list[Any]:
    trail = client.get(f"/admin/institutions/{institution['id']}/activity",
                       headers=root).get_json()
    return [a["details"] for a in trail if a["kind"] == "metric_update"]


def test_a_signed_report_updates_the_metric_once(client: Any, injector: Any,
                                                 clock: FakeClock) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    body = {"institution_id": cairo["id"], "metric": "students", "value": 15_000}
    first = report(client, clock, cairo["secret"], "msg_1", body, sent_minutes_ago=1)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json() == {"received": True, "duplicate": False}
    again = report(client, clock, cairo["secret"], "msg_1", body, sent_minutes_ago=1)
    assert again.get_json() == {"received": True, "duplicate": True}
    assert shown(client, root, cairo)["students"] == 15_000
    assert updates(client, root, cairo) == [
        {"metric": "students", "old_value": 0, "new_value": 15_000}]

    earlier = {**body, "value": 14_000}  # made before the one applied, delivered after
    assert report(client, clock, cairo["secret"], "msg_0", earlier,
                  sent_minutes_ago=2).status_code == 200
    assert shown(client, root, cairo)["students"] == 15_000
    storage = {"institution_id": cairo["id"], "metric": "storage", "value": 7 * 10**8}
    assert report(client, clock, cairo["secret"], "msg_2", storage).status_code == 200
    assert shown(client, root, cairo)["storage_bytes"] == 7 * 10**8
    assert len(updates(client, root, cairo)) == 2


def test_forged_stale_and_malformed_reports_change_nothing(client: Any, injector: Any,
                                                           clock: FakeClock) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    alex = institution(client, root, "alex.example.edu")
    body = {"institution_id": cairo["id"], "metric": "faculty", "value": 900}
    data = json.dumps(body).encode()
    assert_problem(deliver(client, "institution-sync", data), 400)  # unsigned
    assert_problem(report(client, clock, alex["secret"], "m1", body), 400)  # another's key
    assert_problem(report(client, clock, cairo["secret"], "m2", body,
                          sent_minutes_ago=6), 400)  # stale
    assert_problem(report(client, clock, cairo["secret"], "m3", body,
                          sent_minutes_ago=-6), 400)  # from the future
    forged = {"webhook-id": "m4", "webhook-timestamp": str(int(clock.now().timestamp())),
              "webhook-signature": "v1,AAAA v1,not-base64!! v2 nonsense"}
    assert_problem(deliver(client, "institution-sync", data, forged), 400)
    unknown = {**body, "institution_id": "no-such-institution"}
    assert_problem(report(client, clock, cairo["secret"], "m5", unknown), 400)
    for bad in ({**body, "metric": "books"}, {**body, "value": -1}, {**body, "value": 1.5},
                {**body, "value": True}, {**body, "value": "900"}):
        assert_problem(report(client, clock, cairo["secret"], "m6", bad), 422)
    assert_problem(report(client, clock, cairo["secret"], "m7", [1, 2]), 400)
    assert shown(client, root, cairo)["faculty"] == 0 and updates(client, root, cairo) == []

    old = cairo["secret"]
    rotated = client.post(f"/admin/institutions/{cairo['id']}/signing-secret", headers=root)
    assert rotated.status_code == 200 and rotated.get_json()["signing_secret"] != old
    assert_problem(report(client, clock, old, "m8", body), 400)
    assert report(client, clock, rotated.get_json()["signing_secret"], "m8",
                  body).status_code == 200
    assert shown(client, root, cairo)["faculty"] == 900
    client.delete(f"/admin/institutions/{cairo['id']}", headers=root)
    assert_problem(report(client, clock, rotated.get_json()["signing_secret"], "m9",
                          {**body, "value": 901}), 400)  # deactivated: nothing accepted
