"""Institutions through the public API on the embedded default (eduport bills them itself),
on SQLite and PostgreSQL: a platform admin creates one and, after commit, it gets its
billing customer, a welcome email and its activity; changes and deactivation are recorded;
its admin sees their own institution only; bad input changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.driver import assert_problem, log_in, sign_up, sign_up_admin, user_id
from tests.integration.mail import body, messages

CAIRO = {"name": "Cairo University", "primary_email": "Billing@Cu.Example.edu",
         "domain": "cu.example.edu", "plan": "pro", "storage_quota_bytes": 50 * 10**9}


def create(client: Any, admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    created = client.post("/admin/institutions", headers=admin, json={**CAIRO, **changes})
    assert created.status_code == 201, created.get_data(as_text=True)
    institution: dict[str, Any] = created.get_json()
    return institution


def activity(client: Any, admin: dict[str, str], institution_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/admin/institutions/{institution_id}/activity",
                                             headers=admin).get_json()
    return found


def institution_admin(client: Any, root: dict[str, str], name: str) -> tuple[str, str]:
    """A user made an institution admin by a platform admin: (their id, their address)."""
    headers = sign_up(client, "student", name)
    person = client.get("/me", headers=headers).get_json()
    changed = client.put(f"/admin/users/{person['user_id']}/role", headers=root,
                         json={"role": "institution_admin"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    return person["user_id"], person["email"]


def test_a_new_institution_gets_its_customer_its_welcome_and_its_activity(
        client: Any, injector: Any, settings: Settings) -> None:
    root = sign_up_admin(client, injector)
    created = create(client, root)
    assert (created["primary_email"], created["status"]) == ("billing@cu.example.edu",
                                                             "active")
    found = client.get(f"/admin/institutions/{created['id']}", headers=root).get_json()
    assert found["billing_customer_id"] == f"local_{created['id']}"
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    [welcome] = [m for m in messages(folder) if m["To"] == "billing@cu.example.edu"]
    assert welcome["Subject"] == "Welcome to eduport, Cairo University"
    assert "on the pro plan, for cu.example.edu" in body(welcome)
    kinds = {a["kind"]: a for a in activity(client, root, created["id"])}
    assert set(kinds) == {"institution_created", "billing_customer_created"}
    assert kinds["institution_created"]["actor_id"] == user_id(client, root)
    assert kinds["billing_customer_created"]["details"] == {
        "provider": "local", "customer_id": f"local_{created['id']}"}

    changed = client.patch(f"/admin/institutions/{created['id']}", headers=root,
                           json={"name": "Cairo University (Giza)", "plan": "enterprise"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["domain"] == "cu.example.edu"  # what was not sent stays
    same = client.patch(f"/admin/institutions/{created['id']}", headers=root,
                        json={"plan": "enterprise"})
    assert same.status_code == 200
    [update] = [a for a in activity(client, root, created["id"])
                if a["kind"] == "institution_updated"]  # a change to nothing records none
    assert update["details"]["changed"] == {
        "name": ["Cairo University", "Cairo University (Giza)"], "plan": ["pro", "enterprise"]}

    gone = client.delete(f"/admin/institutions/{created['id']}", headers=root)
    assert gone.status_code == 200 and gone.get_json()["status"] == "inactive"
    assert client.delete(f"/admin/institutions/{created['id']}", headers=root).status_code == 200
    assert [a["kind"] for a in activity(client, root, created["id"])].count(
        "institution_deactivated") == 1
    assert_problem(client.patch(f"/admin/institutions/{created['id']}", headers=root,
                                json={"name": "Again"}), 409)
    listed = client.get("/admin/institutions?status=inactive", headers=root).get_json()
    assert (listed["total"], [i["id"] for i in listed["items"]]) == (1, [created["id"]])
    assert client.get("/admin/institutions?status=active", headers=root).get_json()[
        "total"] == 0


def test_an_institution_admin_sees_their_own_institution_only(
        client: Any, injector: Any) -> None:
    root = sign_up_admin(client, injector)
    cairo, alex = create(client, root), create(client, root, name="Alexandria University",
                                               domain="alex.example.edu")
    dina_id, dina_email = institution_admin(client, root, "Dina Adel")
    omar_id, omar_email = institution_admin(client, root, "Omar Nabil")
    assert client.put(f"/admin/institutions/{cairo['id']}/admins/{dina_id}",
                      headers=root).status_code == 204
    assert client.put(f"/admin/institutions/{alex['id']}/admins/{omar_id}",
                      headers=root).status_code == 204
    dina, omar = log_in(client, dina_email), log_in(client, omar_email)
    assert client.get("/institution", headers=dina).get_json()["id"] == cairo["id"]
    assert client.get("/institution", headers=omar).get_json()["id"] == alex["id"]
    trail = client.get("/institution/activity", headers=dina).get_json()
    assert "admin_assigned" in [a["kind"] for a in trail]
    assert_problem(client.get(f"/admin/institutions/{alex['id']}", headers=dina), 403)

    student = sign_up(client, "student")
    student_id = user_id(client, student)
    assert_problem(client.put(f"/admin/institutions/{cairo['id']}/admins/{student_id}",
                              headers=root), 409)
    assert_problem(client.put(f"/admin/institutions/{cairo['id']}/admins/nobody",
                              headers=root), 404)
    assert_problem(client.get("/institution", headers=student), 403)
    # Assigning moves an admin: Omar now runs Cairo and no longer Alexandria.
    assert client.put(f"/admin/institutions/{cairo['id']}/admins/{omar_id}",
                      headers=root).status_code == 204
    assert client.get("/institution", headers=omar).get_json()["id"] == cairo["id"]
    assert client.delete(f"/admin/institutions/{cairo['id']}/admins/{dina_id}",
                         headers=root).status_code == 204
    assert_problem(client.delete(f"/admin/institutions/{cairo['id']}/admins/{dina_id}",
                                 headers=root), 404)
    assert_problem(client.get("/institution", headers=dina), 404)


def test_bad_input_is_a_clear_problem_and_changes_nothing(client: Any, injector: Any) -> None:
    root, student = sign_up_admin(client, injector), sign_up(client, "student")
    cairo = create(client, root)
    alex = create(client, root, name="Alexandria University", domain="alex.example.edu")
    for bad in ({"plan": "platinum"}, {"storage_quota_bytes": -5}, {"name": None},
                {"primary_email": "nobody"}):
        assert_problem(client.patch(f"/admin/institutions/{alex['id']}", headers=root,
                                    json=bad), 422)
    assert_problem(client.patch(f"/admin/institutions/{alex['id']}", headers=root,
                                json={"domain": "CU.example.edu"}), 409)
    unchanged = client.get(f"/admin/institutions/{alex['id']}", headers=root).get_json()
    assert unchanged == {**alex, "billing_customer_id": f"local_{alex['id']}"}
    for bad in ({**CAIRO, "domain": "CU.example.edu."},  # the same domain, spelt otherwise
                ):
        assert_problem(client.post("/admin/institutions", headers=root, json=bad), 409)
    for bad in ({k: v for k, v in CAIRO.items() if k != "plan"},
                {**CAIRO, "domain": "b.example.edu", "primary_email": "not an address"},
                {**CAIRO, "domain": "not a domain"},
                {**CAIRO, "domain": "c.example.edu", "plan": "platinum"},
                {**CAIRO, "domain": "d.example.edu", "storage_quota_bytes": -1},
                {**CAIRO, "domain": "e.example.edu", "storage_quota_bytes": "5"},
                {**CAIRO, "domain": "f.example.edu", "name": ""}, [], "x"):
        assert_problem(client.post("/admin/institutions", headers=root, json=bad), 422)
    assert_problem(client.post("/admin/institutions", headers=root, data="{",
                               content_type="application/json"), 400)
    assert_problem(client.post("/admin/institutions", headers=student, json=CAIRO), 403)
    assert_problem(client.post("/admin/institutions", json=CAIRO), 401)
    assert_problem(client.get("/admin/institutions/nope", headers=root), 404)
    assert_problem(client.patch("/admin/institutions/nope", headers=root,
                                json={"name": "x"}), 404)
    assert_problem(client.delete("/admin/institutions/nope", headers=root), 404)
    assert_problem(client.get("/admin/institutions?limit=0", headers=root), 422)
    assert client.get("/admin/institutions", headers=root).get_json()["total"] == 2
    assert [a["kind"] for a in activity(client, root, cairo["id"])].count(
        "institution_updated") == 0
