"""VerifyIdentity through the public API against the local Didit, on SQLite and PostgreSQL:
the hosted flow's url, the same session when asked again, signed webhooks in any order
(a late "In Progress" never overwrites "Approved"), a forged or stale one refused and
nothing changed, a replay stored once, and the poll that settles what a lost webhook left
open. Nothing of the person's documents is kept."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.identity import identity_verifications
from adapters.settings import Settings
from application.identity.poll_verifications import PollVerifications
from tests.conftest import make_settings
from tests.driver import assert_problem, deliver, log_in, register, user_id
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.didit_server import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET, FakeDidit

pytestmark = pytest.mark.clocked  # time moves when the test says


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fresh_didit: FakeDidit) -> Settings:
    return make_settings(tmp_path, database_url, DIDIT_API_KEY=DEFAULT_API_KEY,
                         DIDIT_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
                         DIDIT_WORKFLOW_ID=fresh_didit.workflow_id,
                         DIDIT_API_BASE=fresh_didit.url, IDENTITY_POLL_AFTER_MINUTES="1")


@pytest.fixture
def ann(client: Any) -> dict[str, str]:
    assert register(client, "ann@example.test", "student").status_code == 202
    return log_in(client, "ann@example.test")


def test_a_verification_through_didit_settles_by_webhook_in_any_order(
        client: Any, ann: dict[str, str], fresh_didit: FakeDidit, engine: Engine) -> None:
    opened = client.post("/me/identity-verification", headers=ann)
    assert opened.status_code == 200
    verification = opened.get_json()
    assert verification["provider"] == "didit" and verification["url"].startswith("https://")
    assert client.post("/me/identity-verification", headers=ann).get_json() == verification
    [session] = fresh_didit.sessions_of(user_id(client, ann))
    fresh_didit.decide(session.session_id, "In Progress", document_type=None)
    in_progress = fresh_didit.webhook(session.session_id, timestamp=int(time.time()) - 2)
    fresh_didit.decide(session.session_id, "Approved", document_type="Passport",
                       issuing_state="EST")
    approved = fresh_didit.webhook(session.session_id)
    assert deliver(client, "didit", *approved).status_code == 200
    assert deliver(client, "didit", *in_progress).status_code == 200  # late
    assert deliver(client, "didit", *approved).status_code == 200  # a replay
    seen = client.get("/me/identity-verification", headers=ann).get_json()
    assert (seen["status"], seen["document_type"], seen["issuing_country"], seen["url"]) == (
        "Approved", "Passport", "EST", None)
    with engine.connect() as connection:
        stored = connection.execute(select(t.webhook_events.c.payload).where(
            t.webhook_events.c.provider == "didit")).scalars().all()
        row = connection.execute(select(identity_verifications)).mappings().one()
    assert len(stored) == 2  # the replay was the same event
    kept = json.dumps([*stored, {k: str(v) for k, v in row.items()}])
    for personal in ("Carmen", "1980-01-01", "CAA000000", "203.0.113.7", "media.example"):
        assert personal not in kept, personal


def test_forged_and_stale_deliveries_are_refused_and_change_nothing(
        client: Any, ann: dict[str, str], fresh_didit: FakeDidit) -> None:
    client.post("/me/identity-verification", headers=ann)
    [session] = fresh_didit.sessions_of(user_id(client, ann))
    fresh_didit.decide(session.session_id, "Approved")
    forged = fresh_didit.webhook(session.session_id, secret="not-the-secret")
    stale = fresh_didit.webhook(session.session_id, timestamp=int(time.time()) - 400)
    body, headers = fresh_didit.webhook(session.session_id)
    tampered = body.replace(b'"Approved"', b'"Declined"', 1)
    for delivery in (forged, stale, (tampered, headers), (body, {})):
        assert_problem(deliver(client, "didit", *delivery), 400)
    assert client.get("/me/identity-verification", headers=ann).get_json()["status"] == \
        "Not Started"


def test_a_poll_settles_a_session_whose_webhook_was_lost(
        client: Any, ann: dict[str, str], fresh_didit: FakeDidit, injector: Any,
        clock: FakeClock) -> None:
    client.post("/me/identity-verification", headers=ann)
    [session] = fresh_didit.sessions_of(user_id(client, ann))
    fresh_didit.decide(session.session_id, "Declined", risks=("DOCUMENT_EXPIRED",))
    poll = injector.get(PollVerifications)
    assert poll() == 0  # too early: the webhook may still come
    clock.advance(minutes=2)
    assert poll() == 1
    seen = client.get("/me/identity-verification", headers=ann).get_json()
    assert seen["status"] == "Declined" and "DOCUMENT_EXPIRED" in seen["decline_reason"]
