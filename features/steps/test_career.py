"""Steps of career.feature on the embedded default (the offline advisor, local postings),
and with Gemini configured at an address where nothing answers."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from injector import InstanceProvider
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.outbound.career.gemini import GeminiCareerAdvisor
from application.career.ports import CareerAdvisor
from features.steps.conftest import NAME, Platform
from tests.driver import uploaded
from tests.integration.mail import body
from tests.vendor_servers.base import closed_port

scenarios("../career.feature")

QUOTED = r'"(?P<{}>[^"]+)"'
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def career() -> dict[str, Any]:
    """What each step left for the next: analyses, paths and jobs by name or title."""
    return {}


@given(parsers.re(f"{NAME} has published a course {QUOTED.format('course')}"))
def published(platform: Platform, name: str, course: str) -> None:
    platform.expect(201, platform.draft_course(name, course))
    platform.expect(201, platform.add_lesson(name, course, "Welcome"))
    platform.expect(200, platform.publish(name, course))


@when(parsers.re(f"{NAME} has the CV {QUOTED.format('cv')} analysed"))
def analysed(platform: Platform, career: dict[str, Any], name: str, cv: str) -> None:
    career[name] = platform.expect(200, platform.call(
        "POST", "/ai-career/analyze-cv", name, json={"cv_text": cv}))


@given("the AI vendor is down")
def vendor_down(platform: Platform) -> None:
    # Gemini configured at an address where nothing listens.
    platform.injector.binder.bind(CareerAdvisor, to=InstanceProvider(GeminiCareerAdvisor(
        "features-gemini-key", base_url=f"http://127.0.0.1:{closed_port()}",
        timeout_seconds=1)))


@when(parsers.re(f"{NAME} asks to have the CV {QUOTED.format('cv')} analysed"))
def asks_analysis(platform: Platform, name: str, cv: str) -> None:
    platform.call("POST", "/ai-career/analyze-cv", name, json={"cv_text": cv})


@then(parsers.re(f"{NAME} is told the advisor is unavailable and to come back later"))
def told_unavailable(platform: Platform, name: str) -> None:
    problem = platform.expect(503)
    assert problem["title"] and int(platform.answer.headers["Retry-After"]) > 0


@then(parsers.re(f"{NAME} sees no advisor call charged to anyone"))
def nothing_charged(platform: Platform, name: str) -> None:
    assert platform.expect(200, platform.call("GET", "/admin/ai-usage", name,
                                              query={"by_user": "true"})) == []
    assert platform.expect(200, platform.call("GET", "/ai-career/conversations", "Sam")) == []


@then(parsers.re(f"the analysis of {NAME} names the skills {QUOTED.format('skills')}"))
def names_skills(career: dict[str, Any], name: str, skills: str) -> None:
    assert set(skills.split(", ")) <= set(career[name]["skills"])


@then(parsers.re(f"the analysis of {NAME} has strengths, weaknesses, improvements and ATS "
                 "tips"))
def has_findings(career: dict[str, Any], name: str) -> None:
    for field in ("strengths", "weaknesses", "improvements", "ats_tips"):
        assert career[name][field], field


@when(parsers.re(f"{NAME} asks for a learning path to {QUOTED.format('role')} knowing "
                 f"{QUOTED.format('skill')}"))
def asks_path(platform: Platform, career: dict[str, Any], name: str, role: str,
              skill: str) -> None:
    career[name] = platform.expect(200, platform.call(
        "POST", "/ai-career/learning-path", name,
        json={"target_role": role, "current_skills": [skill]}))


@then(parsers.re(f"the learning path of {NAME} points at the course {QUOTED.format('course')}"))
def points_at(platform: Platform, career: dict[str, Any], name: str, course: str) -> None:
    pointed = {c["id"] for step in career[name]["steps"] for c in step["courses"]}
    assert pointed == {platform.course(course).id}


@given(parsers.re(f"{NAME} has posted the job {QUOTED.format('title')}"))
def posted(platform: Platform, career: dict[str, Any], name: str, title: str) -> None:
    career[title] = platform.expect(201, platform.call("POST", "/jobs", name, json={
        "title": title, "company": name, "description": "SQL and Excel every day."}))


@when(parsers.re(f"{NAME} applies to {QUOTED.format('title')} with an uploaded CV"))
def applies(platform: Platform, career: dict[str, Any], name: str, title: str) -> None:
    document = docx.Document()
    document.add_paragraph("Skills: SQL, Excel")
    data = io.BytesIO()
    document.save(data)
    cv = uploaded(platform.client, platform.headers(name), "cv",
                  platform.person(name).user_id, data.getvalue(), DOCX, "cv.docx")
    career[(name, title)] = platform.expect(201, platform.call(
        "POST", f"/jobs/{career[title]['id']}/applications", name,
        json={"cv_upload_id": cv["id"], "cover_letter": "I would like to join."}))


@then(parsers.re(f"{NAME} is told by email that (?P<student>[A-Z]\\w*) applied to "
                 f"{QUOTED.format('title')}"))
def company_told(platform: Platform, name: str, student: str, title: str) -> None:
    [mail] = platform.mails_to(name, f"A new application for {title}")
    assert f"{student} applied to your job {title}" in body(mail)


@when(parsers.re(f"{NAME} invites (?P<student>[A-Z]\\w*) to interview for "
                 f"{QUOTED.format('title')}"))
def invites(platform: Platform, career: dict[str, Any], name: str, student: str,
            title: str) -> None:
    application = career[(student, title)]
    platform.expect(200, platform.call("PATCH", f"/job-applications/{application['id']}",
                                       name, json={"status": "interview"}))


@then(parsers.re(f"{NAME} is told by email and in the app of the interview for "
                 f"{QUOTED.format('title')}"))
def student_told(platform: Platform, name: str, title: str) -> None:
    [mail] = platform.mails_to(name, f"Your application for {title}")
    assert "invites you to an interview" in body(mail)
    inbox = platform.expect(200, platform.call("GET", "/me/notifications", name))["items"]
    assert "application_status_updated" in {n["kind"] for n in inbox}
