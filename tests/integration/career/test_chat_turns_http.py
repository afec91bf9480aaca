"""Two messages to one conversation at once, through the public API against the local fake
of Gemini, on SQLite and PostgreSQL: while the advisor writes a reply, another message to
that conversation is a 409 that charges nothing; the first is answered and kept; other
conversations are not held up; a failed reply frees the conversation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import assert_problem, sign_up, sign_up_admin
from tests.vendor_servers.gemini_server import DEFAULT_API_KEY, FakeGemini


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeGemini) -> Settings:
    fake.clear_faults()
    return make_settings(tmp_path, database_url, GEMINI_API_KEY=DEFAULT_API_KEY,
                         GEMINI_BASE_URL=fake.url, GEMINI_TIMEOUT_SECONDS="20",
                         AI_PER_MINUTE="100")


def calls(client: Any, admin: dict[str, str]) -> int:
    rows = client.get("/admin/ai-usage", headers=admin).get_json()
    return sum(row["calls"] for row in rows)


def in_flight(app: Any, fake: FakeGemini, headers: dict[str, str],
              body: dict[str, Any]) -> tuple[threading.Event, threading.Thread, list[Any]]:
    """Sends ``body`` to the chat from a thread of its own and returns once the advisor's
    call is in, held at the fake until the returned gate is set."""
    gate, answers = fake.hold_next(), []
    thread = threading.Thread(target=lambda: answers.append(
        app.test_client().post("/ai-career/chat", headers=headers, json=body)))
    thread.start()
    deadline = time.monotonic() + 20
    while fake.holds_waiting and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not fake.holds_waiting, "the advisor was never called"
    return gate, thread, answers


def test_a_message_sent_while_the_advisor_answers_is_a_409_that_charges_nothing(
        app: Any, client: Any, injector: Any, fake: FakeGemini) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    started = client.post("/ai-career/chat", headers=ann, json={"message": "First question"})
    conversation = started.get_json()["conversation_id"]
    gate, thread, answers = in_flight(app, fake, ann, {
        "message": "Second question", "conversation_id": conversation})
    try:
        busy = client.post("/ai-career/chat", headers=ann, json={
            "message": "Third question", "conversation_id": conversation})
        problem = assert_problem(busy, 409)
        assert "still answering" in problem["detail"]
        other = client.post("/ai-career/chat", headers=ann, json={"message": "Elsewhere"})
        assert other.status_code == 200, other.get_data(as_text=True)
    finally:
        gate.set()
        thread.join(30)
    [answered] = answers
    assert answered.status_code == 200, answered.get_data(as_text=True)
    kept = client.get(f"/ai-career/conversations/{conversation}", headers=ann).get_json()
    assert [m["text"] for m in kept["messages"] if m["role"] == "user"] == [
        "First question", "Second question"]
    assert calls(client, root) == 3  # the refused message took nothing
    again = client.post("/ai-career/chat", headers=ann, json={
        "message": "Third question", "conversation_id": conversation})
    assert again.status_code == 200, again.get_data(as_text=True)


def test_a_reply_that_failed_frees_the_conversation(client: Any, fake: FakeGemini) -> None:
    ann = sign_up(client, "student")
    started = client.post("/ai-career/chat", headers=ann, json={"message": "First question"})
    conversation = started.get_json()["conversation_id"]
    fake.fail_next(1, 500)
    assert_problem(client.post("/ai-career/chat", headers=ann, json={
        "message": "Second question", "conversation_id": conversation}), 503)
    fake.block_prompt_next()
    assert_problem(client.post("/ai-career/chat", headers=ann, json={
        "message": "Second question", "conversation_id": conversation}), 422)
    retried = client.post("/ai-career/chat", headers=ann, json={
        "message": "Second question", "conversation_id": conversation})
    assert retried.status_code == 200, retried.get_data(as_text=True)
    kept = client.get(f"/ai-career/conversations/{conversation}", headers=ann).get_json()
    assert len(kept["messages"]) == 4
