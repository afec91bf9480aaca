"""What the institutions tests share: an institution made by a platform admin (with the
secret its portal signs with), and a user made its admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.driver import log_in, register, sign_up
from tests.integration.mail import link_token


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


def person_at(client: Any, settings: Settings, email: str, role: str,
              verified: bool = True) -> dict[str, str]:
    """A new user at ``email`` (its address confirmed through the mailed link, unless not
    ``verified``), signed in: their headers. An address counts for the institution of its
    domain only once confirmed."""
    assert register(client, email, role, "Grace Hopper").status_code == 202
    if verified:
        folder = Path(settings.section(MessagingSettings).outbox_dir)
        token = link_token(folder, email, "Confirm your email address")
        assert client.post("/auth/verify-email", json={"token": token}).status_code == 200
    return log_in(client, email)
