"""Erasing a person asks Didit to delete their sessions (ADR 22), after the commit and through
the outbox, against the local Didit on SQLite and PostgreSQL: the session is gone at Didit
and nothing of the verification is left here; a Didit that is down delays the deletion, it
does not lose it, and the erasure itself does not wait for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.identity import identity_verifications
from adapters.settings import Settings
from application.shared.process_outbox_message import ProcessOutboxMessage
from tests.conftest import make_settings
from tests.driver import PASSWORD, log_in, register, user_id
from tests.vendor_servers.didit_server import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET, FakeDidit


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fresh_didit: FakeDidit) -> Settings:
    return make_settings(tmp_path, database_url, DIDIT_API_KEY=DEFAULT_API_KEY,
                         DIDIT_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
                         DIDIT_WORKFLOW_ID=fresh_didit.workflow_id,
                         DIDIT_API_BASE=fresh_didit.url)


def verified(client: Any, fresh_didit: FakeDidit) -> tuple[dict[str, str], str]:
    assert register(client, "ann@example.test", "student").status_code == 202
    ann = log_in(client, "ann@example.test")
    assert client.post("/me/identity-verification", headers=ann).status_code == 200
    [session] = fresh_didit.sessions_of(user_id(client, ann))
    return ann, session.session_id


def test_an_erased_persons_didit_sessions_are_deleted_at_didit(
        client: Any, fresh_didit: FakeDidit, engine: Engine) -> None:
    ann, session_id = verified(client, fresh_didit)
    assert client.delete("/me", headers=ann, json={"password": PASSWORD}).status_code == 204
    assert fresh_didit.session(session_id).deleted
    with engine.connect() as connection:
        assert connection.execute(select(identity_verifications)).all() == []


def test_a_didit_that_is_down_delays_the_deletion_and_does_not_lose_it(
        client: Any, fresh_didit: FakeDidit, engine: Engine, injector: Any) -> None:
    ann, session_id = verified(client, fresh_didit)
    fresh_didit.fail_next(3, status=503)
    assert client.delete("/me", headers=ann, json={"password": PASSWORD}).status_code == 204
    assert not fresh_didit.session(session_id).deleted  # the erasure did not wait
    with engine.connect() as connection:
        message_id, error = connection.execute(
            select(t.outbox.c.id, t.outbox.c.last_error)
            .where(t.outbox.c.event_type == "VerifierSessionErased")).one()
        connection.execute(t.outbox.update().where(t.outbox.c.id == message_id)
                           .values(retry_at=None))
        connection.commit()
    assert "forget_verifier_session" in (error or "")
    fresh_didit.clear_faults()
    assert injector.get(ProcessOutboxMessage)(message_id).ran == ("forget_verifier_session",)
    assert fresh_didit.session(session_id).deleted
