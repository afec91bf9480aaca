"""Steps of catalog.feature: drafting, publishing, browsing, ownership and statistics."""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps.conftest import (
    CONFLICT,
    NAME,
    NOT_FOUND,
    NOT_VALID,
    REFUSED,
    VISITOR,
    Platform,
    quoted,
    set_up_course,
)

scenarios("../catalog.feature")

TITLE = r'"(?P<title>[^"]+)"'


def lesson_titles(course: dict[str, Any]) -> list[str]:
    """The titles of the outline, after checking its positions run 1, 2, 3..."""
    lessons = course["lessons"]
    assert [lesson["position"] for lesson in lessons] == list(range(1, len(lessons) + 1))
    return [lesson["title"] for lesson in lessons]


def catalog_titles(page: dict[str, Any]) -> list[str]:
    return [course["title"] for course in page["items"]]


# --- drafting and publishing ------------------------------------------------------------------


@when(parsers.re(f"{NAME} (?:drafts|tries to draft) a free course {TITLE}"))
def drafts(platform: Platform, name: str, title: str) -> None:
    platform.draft_course(name, title)


@when(parsers.re(f'{NAME} adds the lessons? (?P<lessons>".+") to {TITLE}'))
def adds_lessons(platform: Platform, name: str, lessons: str, title: str) -> None:
    for lesson in quoted(lessons):
        platform.expect(201, platform.add_lesson(name, title, lesson))


@when(parsers.re(f"{NAME} publishes {TITLE}"))
def publishes(platform: Platform, name: str, title: str) -> None:
    platform.publish(name, title)


@then(parsers.re(f"{TITLE} is (?:still )?a draft with (?:no lessons|the lessons? (?P<lessons>.+))"))
def is_a_draft(platform: Platform, title: str, lessons: str | None) -> None:
    course = platform.course_seen_by(platform.course(title).teacher, title)
    assert (course["title"], course["status"], course["published_at"]) == (title, "draft", None)
    assert lesson_titles(course) == quoted(lessons or "")


@then(parsers.re(f"{TITLE} is published"))
def is_published(platform: Platform, title: str) -> None:
    published = platform.expect(200)
    assert published["status"] == "published" and published["published_at"], published
    assert platform.course_seen_by(VISITOR, title)["status"] == "published"


@then(parsers.re(f"{NAME} is told that the course needs a lesson before it is published"))
def needs_a_lesson(platform: Platform, name: str) -> None:
    assert "at least one lesson" in platform.problem(CONFLICT)["detail"]


@then(parsers.re(f"a visitor does not find {TITLE} in the catalog"))
def not_in_the_catalog(platform: Platform, title: str) -> None:
    assert title not in catalog_titles(platform.catalog(page_size=100))
    assert platform.catalog(q=title)["total"] == 0
    platform.call("GET", f"/courses/{platform.course(title).id}")
    platform.problem(NOT_FOUND)


@then(parsers.re(f"a visitor finds {TITLE} in the catalog, free, by (?P<teacher>[A-Z]\\w*), "
                 r"with (?P<count>\d+) lessons?"))
def in_the_catalog(platform: Platform, title: str, teacher: str, count: str) -> None:
    [course] = platform.catalog(q=title)["items"]
    assert (course["title"], course["teacher_name"], course["lessons_count"]) == (
        title, teacher, int(count))
    assert course["price"]["amount_minor"] == 0 and course["id"] == platform.course(title).id


# --- lessons ----------------------------------------------------------------------------------


@when(parsers.re(f"{NAME} puts the lessons of {TITLE} in the order (?P<lessons>.+)"))
def reorders(platform: Platform, name: str, title: str, lessons: str) -> None:
    platform.reorder(name, title, quoted(lessons))


@then(parsers.re(f"a visitor sees the lessons of {TITLE} in the order (?P<lessons>.+)"))
def visitor_sees_the_order(platform: Platform, title: str, lessons: str) -> None:
    assert lesson_titles(platform.course_seen_by(VISITOR, title)) == quoted(lessons)


@then(parsers.re(f"{NAME} is told that every lesson must be named exactly once"))
def every_lesson_once(platform: Platform, name: str) -> None:
    assert "exactly once" in platform.problem(NOT_VALID)["detail"]


# --- who may change what ----------------------------------------------------------------------


@when(parsers.re(f"{NAME} tries to (?P<change>rename|add a lesson to|reorder the lessons of|"
                 f"publish) {TITLE}"))
def tries_to_change(platform: Platform, name: str, change: str, title: str) -> None:
    if change == "rename":
        platform.rename(name, title, "Taken over")
    elif change == "add a lesson to":
        platform.add_lesson(name, title, "An intruder's lesson")
    elif change == "reorder the lessons of":
        platform.reorder(name, title, list(reversed(platform.course(title).lessons)))
    else:
        platform.publish(name, title)


@then(parsers.re(f"{NAME} is told that only teachers create courses"))
def only_teachers_create(platform: Platform, name: str) -> None:
    assert "teacher" in platform.problem(REFUSED)["detail"]


@then(parsers.re(f'{NAME} can still create a course called "(?P<title>[^"]+)"'))
def title_still_free(platform: Platform, name: str, title: str) -> None:
    platform.expect(201, platform.draft_course(name, title))


# --- browsing and searching -------------------------------------------------------------------


@given(parsers.re(f"{NAME} has published the free courses (?P<titles>.+) in that order"))
def published_in_order(platform: Platform, name: str, titles: str) -> None:
    for title in quoted(titles):
        set_up_course(platform, name, "published", title, [("Welcome", False)])


@when(parsers.re('a visitor searches the catalog for "(?P<words>[^"]*)"'),
      target_fixture="catalog_page")
def searches(platform: Platform, words: str) -> dict[str, Any]:
    return platform.catalog(q=words)


@when(parsers.re(r"a visitor opens page (?P<page>\d+) of the catalog "
                 r"with (?P<size>\d+) courses a page"), target_fixture="catalog_page")
def opens_a_page(platform: Platform, page: str, size: str) -> dict[str, Any]:
    found = platform.catalog(page=page, page_size=size)
    assert (found["page"], found["page_size"]) == (int(page), int(size))
    return found


@then(parsers.re("the visitor (?:finds|sees) (?P<found>.+)"))
def visitor_finds(catalog_page: dict[str, Any], found: str) -> None:
    assert catalog_titles(catalog_page) == quoted(found)  # "no course" quotes nothing


@then(parsers.re(r"the visitor is told that there are (?P<total>\d+) courses in all"))
def total_courses(catalog_page: dict[str, Any], total: str) -> None:
    assert catalog_page["total"] == int(total)


# --- statistics -------------------------------------------------------------------------------


@when(parsers.re(f"{NAME} looks at the statistics of {TITLE}"))
def looks_at_statistics(platform: Platform, name: str, title: str) -> None:
    platform.statistics(name, title)


@then(parsers.re(rf"{NAME} sees (?P<count>\d+) students? and no revenue"))
def sees_statistics(platform: Platform, name: str, count: str) -> None:
    stats = platform.expect(200)
    assert stats["course_id"] == platform.answer.request.path.split("/")[2]
    assert stats["students_count"] == int(count) and stats["revenue"] == [], stats
