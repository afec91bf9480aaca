"""Bodies no client should send, answered with a clear 400 before anything runs: a small
document nested 1,000 levels deep, and lone surrogates (``"\\ud800"``) in any string, which
JSON's escapes allow but are not text. Real text with escapes (an emoji's surrogate pair,
Arabic) still passes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.driver import assert_problem, sign_up

LONE = "\\ud800"  # as a JSON escape: json.dumps would refuse to write it


def register_body(**fields: str) -> str:
    body = {"email": "ann@example.test", "password": "correct horse battery",
            "full_name": "Ann Lee", "role": "student"}
    text = json.dumps(body)
    for field, value in fields.items():
        text = text.replace(json.dumps(body[field]), value)
    return text


@pytest.mark.parametrize("body", [
    "[" * 1000 + "]" * 1000,
    '{"email": ' + "[" * 1000 + "]" * 1000 + "}",
    '{"a":' * 40 + "1" + "}" * 40,
    register_body(email=f'"{LONE}@example.test"'),
    register_body(password=f'"correct horse {LONE}battery"'),
    register_body(full_name=f'"Ann {LONE}"'),
    register_body(full_name='"Ann\\u0000Lee"'),  # NUL: PostgreSQL cannot store it
    '{"' + LONE + '": 1, "email": "ann@example.test"}',
], ids=["deep-array", "deep-field", "deep-objects", "email", "password", "name", "nul",
        "key"])
def test_registration_refuses_what_is_not_json_text(client: Any, body: str) -> None:
    answer = client.post("/auth/register", data=body, content_type="application/json")
    problem = assert_problem(answer, 400)
    assert problem["type"].endswith("/malformed-json")
    assert_problem(client.post("/auth/login", data=body, content_type="application/json"), 400)


def test_signed_in_calls_refuse_it_too_and_real_text_passes(client: Any) -> None:
    grace = sign_up(client, "teacher")
    for title in (f'"{LONE}"', "[" * 500 + "]" * 500):
        body = ('{"title": ' + title + ', "slug": "x1", "description": "", '
                '"price": {"amount_minor": 0, "currency": "USD"}}')
        assert_problem(client.post("/courses", headers=grace, data=body,
                                   content_type="application/json"), 400)
    checkout = client.post("/checkout", headers=sign_up(client, "student"),
                           data='{"course_ids": ["' + LONE + '"], "provider": "sandbox"}',
                           content_type="application/json")
    assert_problem(checkout, 400)
    emoji = ('{"title": "Rust \\ud83e\\udd80 \\u0645\\u0631\\u062d\\u0628\\u0627", '
             '"slug": "rust-crab", "description": "", '
             '"price": {"amount_minor": 0, "currency": "USD"}}')
    made = client.post("/courses", headers=grace, data=emoji, content_type="application/json")
    assert made.status_code == 201 and made.get_json()["title"] == "Rust \U0001f980 مرحبا"


@pytest.mark.parametrize("path", ["/courses/a%00b", "/courses?q=a%00b", "/courses?a%00=1",
                                  "/live-sessions/%00/join"])
def test_a_nul_in_the_address_is_a_clear_400(client: Any, path: str) -> None:
    answer = client.post(path) if path.endswith("/join") else client.get(path)
    assert "NUL" in assert_problem(answer, 400)["detail"]
