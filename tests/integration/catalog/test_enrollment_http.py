"""Enrollment and lesson access through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from tests.driver import (
    MP4,
    assert_problem,
    local_path,
    new_course,
    new_lesson,
    published_course,
    sign_up,
    sign_up_admin,
    user_id,
)


def enroll(client: Any, course_id: str, headers: dict[str, str]) -> Any:
    return client.post(f"/courses/{course_id}/enrollments", headers=headers)


def students_count(client: Any, course_id: str, teacher: dict[str, str]) -> int:
    stats = client.get(f"/courses/{course_id}/statistics", headers=teacher).get_json()
    count: int = stats["students_count"]
    return count


def test_a_student_enrolls_once_however_often_they_click(client: Any) -> None:
    teacher, student = sign_up(client, "teacher"), sign_up(client, "student")
    course = published_course(client, teacher, "python", title="Intro to Python")

    first = enroll(client, course["id"], student)
    assert first.status_code == 201
    created = first.get_json()
    assert created["created"] is True and created["status"] == "active"
    assert created["course_id"] == course["id"]
    assert created["student_id"] == user_id(client, student)

    again = enroll(client, course["id"], student)
    assert again.status_code == 200
    assert again.get_json() == {**created, "created": False}
    assert students_count(client, course["id"], teacher) == 1

    mine = client.get("/me/enrollments", headers=student)
    assert mine.status_code == 200
    assert mine.get_json() == [{
        "enrollment_id": created["enrollment_id"], "course_id": course["id"],
        "course_title": "Intro to Python", "course_slug": "python", "status": "active",
        "enrolled_at": created["enrolled_at"]}]


def test_enrollment_is_audited_once(client: Any, injector: Any) -> None:
    teacher, student = sign_up(client, "teacher"), sign_up(client, "student")
    course = published_course(client, teacher)
    enroll(client, course["id"], student)
    enroll(client, course["id"], student)
    audit = client.get("/admin/audit?limit=500", headers=sign_up_admin(client, injector))
    created = [r for r in audit.get_json() if r["action"] == "enrollment.created"]
    assert len(created) == 1 and created[0]["details"] == {"course_id": course["id"]}
    assert created[0]["actor_id"] == user_id(client, student)


def test_a_paid_course_needs_checkout(client: Any) -> None:
    teacher, student = sign_up(client, "teacher"), sign_up(client, "student")
    course = published_course(client, teacher, amount_minor=4900, currency="EUR")
    problem = assert_problem(enroll(client, course["id"], student), 402)
    assert problem["title"] == "Checkout required"
    assert problem["type"].endswith("/checkout-required")
    assert "checkout is required" in problem["detail"] and "49.00 EUR" in problem["detail"]
    assert students_count(client, course["id"], teacher) == 0
    assert client.get("/me/enrollments", headers=student).get_json() == []


def test_who_may_enroll_where(client: Any, injector: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = published_course(client, teacher)
    draft = new_course(client, teacher)
    student = sign_up(client, "student")

    assert_problem(enroll(client, course["id"], {}), 401)
    for other in (teacher, sign_up(client, "company"), sign_up_admin(client, injector)):
        assert_problem(enroll(client, course["id"], other), 403)
    assert_problem(enroll(client, draft["id"], student), 404)
    assert_problem(enroll(client, "00000000-0000-0000-0000-000000000000", student), 404)
    assert students_count(client, course["id"], teacher) == 0
    assert_problem(client.get("/me/enrollments"), 401)
    assert client.get("/me/enrollments", headers=teacher).get_json() == []


def test_who_may_open_which_lesson(client: Any, injector: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    locked = new_lesson(client, teacher, course["id"], "locked")
    preview = new_lesson(client, teacher, course["id"], "preview", free_preview=True)
    assert client.post(f"/courses/{course['id']}/publish", headers=teacher).status_code == 200
    enrolled, stranger = sign_up(client, "student"), sign_up(client, "student")
    assert enroll(client, course["id"], enrolled).status_code == 201
    users = {"enrolled": enrolled, "teacher": teacher, "admin": sign_up_admin(client, injector),
             "stranger": stranger, "other teacher": sign_up(client, "teacher")}

    def status(who: str, lesson: dict[str, Any]) -> int:
        opened = client.get(f"/courses/{course['id']}/lessons/{lesson['id']}",
                            headers=users[who])
        if opened.status_code == 200:
            playback = opened.get_json()["playback"]
            assert playback["kind"] == "file" and client.get(local_path(playback["url"])
                                                             ).data == MP4
        else:
            assert_problem(opened, 403)
        code: int = opened.status_code
        return code

    assert {who: status(who, locked) for who in users} == {
        "enrolled": 200, "teacher": 200, "admin": 200, "stranger": 403, "other teacher": 403}
    assert {who: status(who, preview) for who in users} == dict.fromkeys(users, 200)
    assert_problem(client.get(f"/courses/{course['id']}/lessons/{preview['id']}"), 401)


def test_lessons_of_a_draft_are_hidden_from_students(client: Any) -> None:
    teacher, student = sign_up(client, "teacher"), sign_up(client, "student")
    draft = new_course(client, teacher)
    preview = new_lesson(client, teacher, draft["id"], "preview", free_preview=True)
    path = f"/courses/{draft['id']}/lessons/{preview['id']}"
    assert client.get(path, headers=teacher).status_code == 200
    assert_problem(client.get(path, headers=student), 404)


def test_concurrent_enrollments_end_with_one(client: Any) -> None:
    """A double click, eight times over: on PostgreSQL the requests really race to the
    unique constraint; SQLite serialises them. Either way one enrollment, counted once."""
    teacher = sign_up(client, "teacher")
    course = published_course(client, teacher)
    students = [sign_up(client, "student") for _ in range(3)]
    clicks = 8
    for student in students:
        barrier = threading.Barrier(clicks)
        statuses: list[int] = []

        def click(student: dict[str, str] = student, barrier: threading.Barrier = barrier,
                  statuses: list[int] = statuses) -> None:
            own_client = client.application.test_client()
            barrier.wait()
            statuses.append(enroll(own_client, course["id"], student).status_code)

        threads = [threading.Thread(target=click) for _ in range(clicks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] * (clicks - 1) + [201], statuses
        assert len(client.get("/me/enrollments", headers=student).get_json()) == 1
    assert students_count(client, course["id"], teacher) == len(students)
