"""Steps of enrollment.feature: enrolling, checkout, the student's list, opening lessons."""

from __future__ import annotations

from pytest_bdd import parsers, scenarios, then, when

from features.steps.conftest import (
    CHECKOUT_REQUIRED,
    NAME,
    REFUSED,
    VISITOR,
    Platform,
    quoted,
)

scenarios("../enrollment.feature")

TITLE = r'"(?P<title>[^"]+)"'


@when(parsers.re(f"{NAME} enrolls in {TITLE}(?: again)?"))
def enrolls(platform: Platform, name: str, title: str) -> None:
    platform.enroll(name, title)


@then(parsers.re(f"{NAME} is enrolled in {TITLE}"))
def is_enrolled(platform: Platform, name: str, title: str) -> None:
    enrollment = platform.expect(201)
    assert enrollment["created"] is True and enrollment["status"] == "active", enrollment
    assert enrollment["course_id"] == platform.course(title).id
    assert enrollment["student_id"] == platform.person(name).user_id


@then(parsers.re(f"{NAME} is told that the enrollment already exists"))
def already_enrolled(platform: Platform, name: str) -> None:
    enrollment = platform.expect(200)
    assert enrollment["created"] is False and enrollment["status"] == "active", enrollment
    title = next(t for t, course in platform.courses.items()
                 if course.id == enrollment["course_id"])
    assert enrollment["enrollment_id"] == platform.enrollment_ids[name, title]


@then(parsers.re(f"{NAME} sees (?P<count>no|\\d+) enrollments?(?:: (?P<titles>.+))?"))
def sees_enrollments(platform: Platform, name: str, count: str, titles: str | None) -> None:
    mine = platform.enrollments_of(name)
    assert len(mine) == (0 if count == "no" else int(count)), mine
    if titles is not None:
        assert [e["course_title"] for e in mine] == quoted(titles)
        assert [e["course_id"] for e in mine] == [platform.course(t).id for t in quoted(titles)]
    assert all(e["status"] == "active" for e in mine), mine


@then(parsers.re(f"{NAME} sees (?P<count>\\d+) students? in {TITLE}"))
def sees_students(platform: Platform, name: str, count: str, title: str) -> None:
    assert platform.course(title).teacher == name, f"{name} does not teach {title!r}"
    assert platform.students_in(title) == int(count)


@then(parsers.re(f"{NAME} is told that only students enroll"))
def only_students_enroll(platform: Platform, name: str) -> None:
    assert "student" in platform.problem(REFUSED)["detail"]


@then(parsers.re(f"{NAME} is told that checkout is required to pay (?P<price>\\S+ [A-Z]{{3}})"))
def checkout_required(platform: Platform, name: str, price: str) -> None:
    problem = platform.problem(CHECKOUT_REQUIRED)
    assert problem["title"] == "Checkout required", problem
    assert "checkout is required" in problem["detail"] and price in problem["detail"], problem


@when(parsers.re(f'(?:{NAME}|a visitor) opens the lesson "(?P<lesson>[^"]+)" of {TITLE}'))
def opens_a_lesson(platform: Platform, name: str | None, lesson: str, title: str) -> None:
    platform.open_lesson(name or VISITOR, title, lesson)


@then(parsers.re(f"{NAME} watches the lesson"))
def watches(platform: Platform, name: str) -> None:
    opened = platform.expect(200)
    course = next(c for c in platform.courses.values() if c.id == opened["course_id"])
    lesson = course.lessons[opened["title"]]
    assert opened["id"] == lesson["id"] and opened["playback"]["url"], opened


@then(parsers.re(f"{NAME} is asked to enroll first"))
def asked_to_enroll(platform: Platform, name: str) -> None:
    problem = platform.problem(REFUSED)
    assert "enroll" in problem["detail"] and "playback" not in problem, problem
