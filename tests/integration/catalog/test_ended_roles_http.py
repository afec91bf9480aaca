"""A role that ends, ends: a teacher demoted to student keeps their courses' ids but can no
longer change their price, add or reorder lessons, publish them or read their statistics."""

from __future__ import annotations

from typing import Any

from tests.driver import (
    assert_problem,
    log_in,
    new_course,
    new_lesson,
    register,
    sign_up_admin,
    user_id,
)


def test_a_demoted_teacher_can_no_longer_act_on_their_courses(client: Any,
                                                              injector: Any) -> None:
    assert register(client, "grace@example.test", "teacher").status_code == 202
    grace = log_in(client, "grace@example.test")
    course = new_course(client, grace, amount_minor=1000, currency="EUR")
    lesson = new_lesson(client, grace, course["id"], "intro")
    root = sign_up_admin(client, injector)
    demoted = client.put(f"/admin/users/{user_id(client, grace)}/role", headers=root,
                         json={"role": "student"})
    assert demoted.status_code == 200
    assert_problem(client.get("/me", headers=grace), 401)  # her old session ended with it
    grace = log_in(client, "grace@example.test")
    base = f"/courses/{course['id']}"
    for method, path, body in (
            ("PATCH", base, {"price": {"amount_minor": 1, "currency": "EUR"}}),
            ("POST", f"{base}/lessons", {"title": "More", "slug": "more"}),
            ("PATCH", f"{base}/lessons/{lesson['id']}", {"title": "Renamed"}),
            ("PUT", f"{base}/lessons/order", {"lesson_ids": [lesson["id"]]}),
            ("POST", f"{base}/publish", None),
            ("GET", f"{base}/statistics", None)):
        assert_problem(client.open(path, method=method, headers=grace, json=body), 403)
    seen = client.get(base, headers=root).get_json()
    assert (seen["price"]["amount_minor"], seen["status"], len(seen["lessons"])) == (
        1000, "draft", 1)
    assert seen["lessons"][0]["title"] == "Intro"
