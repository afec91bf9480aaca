"""The career advisor through the public API with ``GEMINI_API_KEY`` set, against the local
fake of Gemini, on SQLite and PostgreSQL: answers come from Gemini and are charged with its
tokens; the model sees at most the last 10 messages; a vendor that is down, slow or over its
rate is a 503 with ``Retry-After`` and charges nothing; a content-policy block is a 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import assert_problem, sign_up, sign_up_admin, user_id
from tests.vendor_servers.gemini_server import DEFAULT_API_KEY, FakeGemini


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeGemini) -> Settings:
    fake.clear_faults()
    fake.clear_log()
    return make_settings(tmp_path, database_url, GEMINI_API_KEY=DEFAULT_API_KEY,
                         GEMINI_BASE_URL=fake.url, GEMINI_TIMEOUT_SECONDS="1",
                         AI_PER_MINUTE="100")


def usage(client: Any, admin: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get("/admin/ai-usage?by_user=true",
                                            headers=admin).get_json()
    return rows


def test_gemini_analyses_a_cv_and_the_call_is_charged_with_its_tokens(
        client: Any, injector: Any, fake: FakeGemini) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    fake.reply_next({"summary": "A focused junior CV.", "strengths": ["Python projects"],
                     "weaknesses": ["No metrics"], "improvements": ["Add numbers"],
                     "ats_tips": ["Plain headings"], "skills": ["python", "flask"]},
                    prompt_tokens=300, output_tokens=60)
    answer = client.post("/ai-career/analyze-cv", headers=ann,
                         json={"cv_text": "Ann Lee\nPython and Flask developer"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    analysis = answer.get_json()
    assert analysis["provider"] == "gemini"
    assert analysis["summary"] == "A focused junior CV."
    assert analysis["skills"] == ["Python", "Flask"]
    assert fake.request_count == 1
    [row] = usage(client, root)
    assert (row["user_id"], row["calls"]) == (user_id(client, ann), 1)
    assert (row["prompt_tokens"], row["output_tokens"]) == (300, 60)


def test_the_model_sees_the_last_ten_messages_of_the_conversation(
        client: Any, fake: FakeGemini) -> None:
    ann = sign_up(client, "student")
    first = client.post("/ai-career/chat", headers=ann, json={"message": "Question 1"})
    assert first.status_code == 200, first.get_data(as_text=True)
    conversation = first.get_json()["conversation_id"]
    for n in range(2, 8):
        assert client.post("/ai-career/chat", headers=ann, json={
            "message": f"Question {n}", "conversation_id": conversation}).status_code == 200
    contents = fake.last.params["contents"]
    assert len(contents) == 11  # ten earlier messages and the new one
    assert [c["role"] for c in contents] == ["user", "model"] * 5 + ["user"]
    texts = [c["parts"][0]["text"] for c in contents]
    assert "Question 2" in texts[0] and "Question 7" in texts[-1]
    assert not any("Question 1" in text for text in texts)  # the oldest are left out


def test_a_vendor_that_is_down_slow_or_busy_is_a_503_that_charges_nothing(
        client: Any, injector: Any, fake: FakeGemini) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    fake.fail_next(1, 503, "The model is overloaded.")
    down = client.post("/ai-career/analyze-cv", headers=ann, json={"cv_text": "Ann Lee"})
    assert_problem(down, 503)
    assert int(down.headers["Retry-After"]) > 0
    assert "overloaded" not in down.get_data(as_text=True)  # a generic message, not the vendor's
    fake.delay_next(1, 3)
    assert_problem(client.post("/ai-career/chat", headers=ann, json={"message": "hi"}), 503)
    fake.rate_limit_next(retry_delay="42s")
    busy = client.post("/ai-career/learning-path", headers=ann,
                       json={"target_role": "Data analyst", "current_skills": ["Excel"]})
    assert_problem(busy, 503)
    assert busy.headers["Retry-After"] == "42"
    assert usage(client, root) == []
    assert client.get("/ai-career/conversations", headers=ann).get_json() == []

    assert client.post("/ai-career/chat", headers=ann, json={"message": "hi"}).status_code == 200
    assert [row["calls"] for row in usage(client, root)] == [1]


def test_a_content_policy_block_is_a_422_that_says_so(
        client: Any, injector: Any, fake: FakeGemini) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    fake.block_prompt_next()
    refused = client.post("/ai-career/chat", headers=ann, json={"message": "something vile"})
    problem = assert_problem(refused, 422)
    assert "content policy" in problem["title"].lower()
    fake.block_answer_next()
    assert_problem(client.post("/ai-career/skills-gap", headers=ann, json={
        "target_role": "Data analyst", "current_skills": ["Excel"]}), 422)
    assert usage(client, root) == []
