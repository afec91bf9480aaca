"""Selling and buying need a confirmed email address (the default: teachers and students):
an unverified teacher cannot publish a paid course or put a price on a published one, an
unverified student cannot pay; the refusal says how to verify; free courses are not held up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import assert_problem, log_in, new_course, new_lesson, register
from tests.integration.mail import link_token


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, REQUIRE_VERIFIED_EMAIL="teacher,student")


def verify(client: Any, settings: Settings, address: str) -> None:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    token = link_token(folder, address, "Confirm your email address")
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 200


def test_unverified_people_neither_sell_nor_buy(client: Any, settings: Settings) -> None:
    for name, role in (("grace", "teacher"), ("alan", "student")):
        assert register(client, f"{name}@example.test", role).status_code == 202
    grace, alan = log_in(client, "grace@example.test"), log_in(client, "alan@example.test")
    paid = new_course(client, grace, amount_minor=4900, currency="EUR")
    new_lesson(client, grace, paid["id"], "intro")
    refused = assert_problem(client.post(f"/courses/{paid['id']}/publish", headers=grace), 403)
    assert "confirm your email address" in refused["detail"]
    assert "/auth/verify-email/resend" in refused["detail"]
    free = new_course(client, grace)
    new_lesson(client, grace, free["id"], "intro")
    assert client.post(f"/courses/{free['id']}/publish", headers=grace).status_code == 200
    assert_problem(client.patch(f"/courses/{free['id']}", headers=grace,
                                json={"price": {"amount_minor": 100, "currency": "EUR"}}), 403)
    assert client.post(f"/courses/{free['id']}/enrollments", headers=alan).status_code == 201

    verify(client, settings, "grace@example.test")
    assert client.post(f"/courses/{paid['id']}/publish", headers=grace).status_code == 200
    checkout = {"course_ids": [paid["id"]], "provider": "sandbox",
                "payment_method": "pm_card_visa"}
    assert "confirm your email address before you pay" in assert_problem(
        client.post("/checkout", headers=alan, json=checkout), 403)["detail"]
    verify(client, settings, "alan@example.test")
    assert client.post("/checkout", headers=alan, json=checkout).status_code == 201
