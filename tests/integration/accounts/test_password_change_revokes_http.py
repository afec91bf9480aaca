"""A password change ends everything issued before it: every reset link sent earlier (not
only the one used) and every access and refresh token. Time is the Clock port's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.driver import assert_problem, bearer, login, register
from tests.integration.mail import messages
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says

NEW = "an entirely new secret"



def reset_tokens(settings: Settings) -> list[str]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    found = []
    for message in sorted(messages(folder), key=lambda m: m["Date"] or ""):
        if message["Subject"] == "Reset your password":
            text = message.get_body(preferencelist=("plain",)).get_content()
            found.append(text.split("token=")[1].split()[0])
    return found


def test_a_reset_kills_every_earlier_link_and_token(client: Any, settings: Settings,
                                                    clock: FakeClock) -> None:
    assert register(client, "ann@example.test").status_code == 202
    session = login(client, "ann@example.test").get_json()
    client.post("/auth/password-reset", json={"email": "ann@example.test"})
    clock.advance(minutes=2)
    client.post("/auth/password-reset", json={"email": "ann@example.test"})
    clock.advance(minutes=2)
    tokens = reset_tokens(settings)
    assert len(set(tokens)) == 2
    second = client.post("/auth/password-reset/confirm",
                         json={"token": tokens[1], "new_password": NEW})
    assert second.status_code == 204
    first = client.post("/auth/password-reset/confirm",
                        json={"token": tokens[0], "new_password": "attacker's choice 123"})
    assert "older than your current password" in assert_problem(first, 400)["detail"]
    assert_problem(client.get("/me", headers=bearer(session["access_token"])), 401)
    assert_problem(client.post("/auth/refresh",
                               json={"refresh_token": session["refresh_token"]}), 401)
    fresh = login(client, "ann@example.test", NEW)
    assert fresh.status_code == 200  # the new password, and only it, signs in
    assert client.get("/me", headers=bearer(fresh.get_json()["access_token"])).status_code == 200
    assert_problem(login(client, "ann@example.test", "attacker's choice 123"), 401)
