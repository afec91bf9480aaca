"""The audit trail through the public API: a record made while serving a request says who
(the actor and their role) and from where (the client's address, read behind exactly the
configured number of proxies, and the user agent); admins filter by actor, action, subject
and time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import assert_problem, log_in, register, sign_up_admin, user_id


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, TRUSTED_PROXIES="1")


def test_records_say_who_and_from_where_and_admins_filter_them(client: Any,
                                                              injector: Any) -> None:
    root = sign_up_admin(client, injector)
    assert register(client, "ann@example.test", "student").status_code == 202
    ann = log_in(client, "ann@example.test")
    ann_id = user_id(client, ann)
    # A spoofed hop before the one proxy we trust is ignored: the proxy's view counts.
    changed = client.put(f"/admin/users/{ann_id}/role", json={"role": "teacher"}, headers={
        **root, "X-Forwarded-For": "198.51.100.66, 203.0.113.9",
        "User-Agent": "AdminConsole/2.1"})
    assert changed.status_code == 200
    [record] = client.get(f"/admin/audit?action=user.role_changed&object_id={ann_id}",
                          headers=root).get_json()
    assert (record["actor_role"], record["client_ip"], record["user_agent"]) == (
        "platform_admin", "203.0.113.9", "AdminConsole/2.1")
    assert record["actor_id"] == user_id(client, root)
    mine = client.get(f"/admin/audit?actor_id={ann_id}", headers=root).get_json()
    assert {r["action"] for r in mine} == {"user.registered", "login.succeeded"}
    assert all(r["actor_id"] == ann_id for r in mine)
    later = client.get("/admin/audit?since=2999-01-01T00:00:00Z", headers=root).get_json()
    assert later == []
    assert_problem(client.get("/admin/audit?since=yesterday", headers=root), 422)
    assert_problem(client.get(f"/admin/audit?actor_id={ann_id}", headers=ann), 401)  # a role ago
    assert register(client, "bob@example.test", "student").status_code == 202
    assert_problem(client.get("/admin/audit", headers=log_in(client, "bob@example.test")), 403)
