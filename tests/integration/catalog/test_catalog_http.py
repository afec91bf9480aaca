"""The catalog through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.driver import (
    assert_problem,
    bearer,
    new_course,
    new_lesson,
    published_course,
    sign_up,
    sign_up_admin,
    user_id,
)

NEW_COURSE = {"title": "Intro to Python", "slug": "intro-to-python",
              "description": "Learn Python.", "price": {"amount_minor": 4900, "currency": "USD"}}


def test_a_teacher_creates_edits_and_publishes_a_course(client: Any) -> None:
    teacher = sign_up(client, "teacher", "Tess Teacher")
    created = client.post("/courses", json=NEW_COURSE, headers=teacher)
    assert created.status_code == 201
    course = created.get_json()
    assert course["status"] == "draft" and course["lessons"] == []
    assert course["teacher_id"] == user_id(client, teacher)
    assert course["price"] == {"amount_minor": 4900, "currency": "USD", "formatted": "49.00"}

    edited = client.patch(f"/courses/{course['id']}", headers=teacher, json={
        "title": "Python, gently", "price": {"amount_minor": 500, "currency": "JPY"}})
    assert edited.status_code == 200
    body = edited.get_json()
    assert body["title"] == "Python, gently" and body["slug"] == "intro-to-python"
    assert body["price"] == {"amount_minor": 500, "currency": "JPY", "formatted": "500"}
    assert body["thumbnail_url"] is None and body["description"] == "Learn Python."

    assert_problem(client.post(f"/courses/{course['id']}/publish", headers=teacher), 409)
    new_lesson(client, teacher, course["id"], "welcome", free_preview=True)
    published = client.post(f"/courses/{course['id']}/publish", headers=teacher)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["published_at"] is not None
    again = client.post(f"/courses/{course['id']}/publish", headers=teacher)
    assert again.get_json()["published_at"] == published.get_json()["published_at"]


def test_creating_and_publishing_are_audited(client: Any, injector: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = published_course(client, teacher)
    admin = sign_up_admin(client, injector)
    audit = client.get("/admin/audit", headers=admin).get_json()
    actions = [(r["action"], r["object_id"]) for r in audit if r["object_type"] == "course"]
    assert sorted(actions) == [("course.created", course["id"]),
                               ("course.published", course["id"])]


def test_who_may_create_a_course(client: Any) -> None:
    assert_problem(client.post("/courses", json=NEW_COURSE), 401)
    assert_problem(client.post("/courses", json=NEW_COURSE, headers=bearer("forged")), 401)
    student = sign_up(client, "student")
    assert_problem(client.post("/courses", json=NEW_COURSE, headers=student), 403)
    teacher = sign_up(client, "teacher")
    assert client.post("/courses", json=NEW_COURSE, headers=teacher).status_code == 201
    duplicate = assert_problem(client.post("/courses", json=NEW_COURSE, headers=teacher), 409)
    assert "intro-to-python" in duplicate["detail"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": 42}, "title"),
    ({"title": ""}, "title"),
    ({"slug": "Not A Slug"}, "slug"),
    ({"price": {"amount_minor": "49.00", "currency": "USD"}}, "price"),
    ({"price": {"amount_minor": 49.5, "currency": "USD"}}, "price"),
    ({"price": {"amount_minor": -1, "currency": "USD"}}, "price"),
    ({"price": {"amount_minor": 10**20, "currency": "USD"}}, "price"),
    ({"price": {"amount_minor": 100, "currency": "usd"}}, "price"),
    ({"price": "free"}, "price"),
    ({"surprise": True}, "surprise"),
])
def test_invalid_courses_are_refused_with_field_errors(client: Any, change: dict[str, Any],
                                                       field: str) -> None:
    teacher = sign_up(client, "teacher")
    problem = assert_problem(client.post("/courses", json={**NEW_COURSE, **change},
                                         headers=teacher), 422)
    assert field in problem["errors"]


def test_malformed_json_is_a_bad_request(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    sent = client.post("/courses", data='{"title": ', headers={
        **teacher, "Content-Type": "application/json"})
    assert_problem(sent, 400)
    course = new_course(client, teacher)
    patched = client.patch(f"/courses/{course['id']}", data="nope", headers={
        **teacher, "Content-Type": "application/json"})
    assert_problem(patched, 400)


def test_only_the_owner_changes_a_course(client: Any, injector: Any) -> None:
    owner, other = sign_up(client, "teacher"), sign_up(client, "teacher")
    course = new_course(client, owner)
    lesson = new_lesson(client, owner, course["id"], "welcome")
    path = f"/courses/{course['id']}"
    admin = sign_up_admin(client, injector)
    for intruder in (other, sign_up(client, "student"), admin):
        assert_problem(client.patch(path, json={"title": "Mine"}, headers=intruder), 403)
        assert_problem(client.post(f"{path}/publish", headers=intruder), 403)
        assert_problem(client.post(f"{path}/lessons", headers=intruder, json={
            "title": "Hijack", "slug": "hijack"}), 403)
        assert_problem(client.patch(f"{path}/lessons/{lesson['id']}", headers=intruder,
                                    json={"title": "Hijack"}), 403)
        assert_problem(client.put(f"{path}/lessons/order", headers=intruder,
                                  json={"lesson_ids": [lesson["id"]]}), 403)
    assert_problem(client.patch(path, json={"title": "Mine"}), 401)
    assert client.get(path, headers=owner).get_json()["title"] == "Intro to Python"


def test_unknown_ids_are_not_found(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    ghost = "00000000-0000-0000-0000-000000000000"
    assert_problem(client.get(f"/courses/{ghost}"), 404)
    assert_problem(client.get(f"/courses/{'x' * 300}"), 404)
    assert_problem(client.patch(f"/courses/{ghost}", json={"title": "x"}, headers=teacher), 404)
    assert_problem(client.post(f"/courses/{ghost}/publish", headers=teacher), 404)
    assert_problem(client.post(f"/courses/{ghost}/lessons", headers=teacher, json={
        "title": "x", "slug": "x"}), 404)
    assert_problem(client.get(f"/courses/{ghost}/statistics", headers=teacher), 404)
    assert_problem(client.get(f"/courses/{ghost}/lessons/{ghost}", headers=teacher), 404)
    lessons = f"/courses/{course['id']}/lessons"
    assert_problem(client.get(f"{lessons}/{ghost}", headers=teacher), 404)
    assert_problem(client.patch(f"{lessons}/{ghost}", json={"title": "x"}, headers=teacher),
                   404)


def test_lessons_are_added_edited_and_reordered(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    lessons = f"/courses/{course['id']}/lessons"
    one, two, three = (new_lesson(client, teacher, course["id"], slug)
                       for slug in ("one", "two", "three"))
    assert [one["position"], two["position"], three["position"]] == [1, 2, 3]
    assert one["video_kind"] == "file" and one["course_id"] == course["id"]
    assert one["playback"] is None  # played when opened, not when written
    assert_problem(client.post(lessons, headers=teacher, json={"title": "1", "slug": "one"}), 409)
    problem = assert_problem(client.post(lessons, headers=teacher, json={
        "title": "x", "slug": "x", "is_free_preview": "maybe"}), 422)
    assert "is_free_preview" in problem["errors"]

    edited = client.patch(f"{lessons}/{two['id']}", headers=teacher, json={
        "title": "Two!", "is_free_preview": True, "video_url": "https://videos.example/two"})
    assert edited.status_code == 200
    assert (edited.get_json()["title"], edited.get_json()["is_free_preview"],
            edited.get_json()["video_kind"]) == ("Two!", True, "external")

    order = [three["id"], one["id"], two["id"]]
    reordered = client.put(f"{lessons}/order", headers=teacher, json={"lesson_ids": order})
    assert reordered.status_code == 200
    assert [lesson["id"] for lesson in reordered.get_json()] == order
    outline = client.get(f"/courses/{course['id']}", headers=teacher).get_json()["lessons"]
    assert [(lesson["slug"], lesson["position"]) for lesson in outline] == [
        ("three", 1), ("one", 2), ("two", 3)]
    assert all("video_kind" not in lesson and "playback" not in lesson for lesson in outline)

    for wrong in ([one["id"]], [*order, one["id"]], [*order[:2], "ghost"], []):
        assert_problem(client.put(f"{lessons}/order", headers=teacher,
                                  json={"lesson_ids": wrong}), 422)
    assert_problem(client.put(f"{lessons}/order", headers=teacher, json={"lesson_ids": "x"}),
                   422)


def test_drafts_are_visible_to_their_teacher_and_admins_only(client: Any,
                                                             injector: Any) -> None:
    teacher = sign_up(client, "teacher")
    draft = new_course(client, teacher)
    path = f"/courses/{draft['id']}"
    assert client.get(path, headers=teacher).status_code == 200
    assert client.get(path, headers=sign_up_admin(client, injector)).status_code == 200
    assert_problem(client.get(path), 404)
    assert_problem(client.get(path, headers=sign_up(client, "student")), 404)
    assert_problem(client.get(path, headers=sign_up(client, "teacher")), 404)
    assert_problem(client.get(path, headers=bearer("forged")), 401)

    published = published_course(client, teacher)
    anonymous = client.get(f"/courses/{published['id']}")
    assert anonymous.status_code == 200
    assert [lesson["slug"] for lesson in anonymous.get_json()["lessons"]] == ["welcome"]


def test_the_catalog_pages_and_searches_published_courses(client: Any) -> None:
    teacher = sign_up(client, "teacher", "Tess Teacher")
    for n in range(5):
        published_course(client, teacher, f"python-{n}", title=f"Python part {n}")
    published_course(client, teacher, "rust", title="Rust 100% for_you")
    new_course(client, teacher, "python-draft", title="Python draft")

    everything = client.get("/courses").get_json()
    assert everything["total"] == 6 and everything["page"] == 1
    assert everything["page_size"] == 20
    assert [c["slug"] for c in everything["items"]] == [
        "rust", "python-4", "python-3", "python-2", "python-1", "python-0"]
    item = everything["items"][0]
    assert item["teacher_name"] == "Tess Teacher" and item["lessons_count"] == 1
    assert item["price"] == {"amount_minor": 0, "currency": "USD", "formatted": "0.00"}

    second = client.get("/courses?page=2&page_size=2&q=PYTHON").get_json()
    assert [c["slug"] for c in second["items"]] == ["python-2", "python-1"]
    assert (second["total"], second["page"], second["page_size"]) == (5, 2, 2)
    assert client.get("/courses?page=9").get_json()["items"] == []
    assert [c["slug"] for c in client.get("/courses?q=100%25").get_json()["items"]] == ["rust"]
    assert client.get("/courses?q=_").get_json()["total"] == 1  # LIKE wildcards are literal
    assert client.get("/courses?q=nothing-like-it").get_json()["total"] == 0

    for query in ("page=0", "page_size=101", "page_size=0", "page=abc", "page_size=x"):
        problem = assert_problem(client.get(f"/courses?{query}"), 422)
        assert query.split("=")[0] in problem["errors"]


def test_a_teacher_lists_their_own_courses(client: Any) -> None:
    teacher, other = sign_up(client, "teacher"), sign_up(client, "teacher")
    published = published_course(client, teacher, "published")
    draft = new_course(client, teacher, "draft")
    new_course(client, other, "someone-elses")

    mine = client.get("/me/courses", headers=teacher)
    assert mine.status_code == 200
    assert [(c["id"], c["status"]) for c in mine.get_json()] == [
        (draft["id"], "draft"), (published["id"], "published")]
    assert_problem(client.get("/me/courses"), 401)
    assert_problem(client.get("/me/courses", headers=sign_up(client, "student")), 403)


def test_statistics_are_for_the_teacher_and_admins(client: Any, injector: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = published_course(client, teacher)
    path = f"/courses/{course['id']}/statistics"
    client.post(f"/courses/{course['id']}/enrollments", headers=sign_up(client, "student"))

    stats = client.get(path, headers=teacher)
    assert stats.status_code == 200
    assert stats.get_json() == {"course_id": course["id"], "students_count": 1, "revenue": []}
    assert client.get(path, headers=sign_up_admin(client, injector)).status_code == 200
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers=sign_up(client, "teacher")), 403)
    assert_problem(client.get(path, headers=sign_up(client, "student")), 403)


def test_the_catalog_is_described_in_openapi(client: Any) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/courses"])
    assert {"get", "patch"} <= set(paths["/courses/{course_id}/lessons/{lesson_id}"])
    assert "put" in paths["/courses/{course_id}/lessons/order"]
    assert "get" in paths["/me/courses"]
