"""What the institutions tests share: an institution made by a platform admin (with the
secret its portal signs with), and a user made its admin."""

from __future__ import annotations

from typing import Any

from tests.driver import log_in, sign_up


def institution(client: Any, root: dict[str, str], domain: str) -> dict[str, Any]:
    created = client.post("/admin/institutions", headers=root, json={
        "name": domain.split(".")[0].title(), "primary_email": f"it@{domain}",
        "domain": domain, "plan": "basic", "storage_quota_bytes": 10**9})
    assert created.status_code == 201, created.get_data(as_text=True)
    found: dict[str, Any] = created.get_json()
    secret = client.get(f"/admin/institutions/{found['id']}/signing-secret",
                        headers=root).get_json()["signing_secret"]
    return {**found, "secret": secret}


def admin_of(client: Any, root: dict[str, str], found: dict[str, Any],
             name: str) -> tuple[dict[str, str], str]:
    """A new user given the institution_admin role and made ``found``'s admin, signed in
    again (the new role ended their session): (their headers, their address)."""
    headers = sign_up(client, "student", name)
    me = client.get("/me", headers=headers).get_json()
    changed = client.put(f"/admin/users/{me['user_id']}/role", headers=root,
                         json={"role": "institution_admin"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert client.put(f"/admin/institutions/{found['id']}/admins/{me['user_id']}",
                      headers=root).status_code == 204
    return log_in(client, me["email"]), me["email"]
