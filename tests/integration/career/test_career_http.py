"""Career through the public API on the embedded default (the offline advisor, no outside
job board), on SQLite and PostgreSQL: a student chats and keeps the conversation, has a CV
analysed from pasted text and from an uploaded DOCX, learns what a role needs with our
courses that teach it; a company posts a job, a student applies, the company moves the
application on and the student is told; the allowance, and bad input."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import docx
import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import (
    assert_problem,
    new_lesson,
    sign_up,
    sign_up_admin,
    uploaded,
    user_id,
)
from tests.integration.mail import body, messages

CV = """Ann Lee
Summary
Junior developer who builds web APIs in Python and Flask.
Experience
- Built a REST API in Python and Flask serving 2,000 users
- Wrote SQL reports for the finance team
Education
BSc Computer Science, 2024
Skills
Python, Flask, SQL, Git
"""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, AI_DAILY_QUOTA="8", AI_PER_MINUTE="100")


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def course_about(client: Any, teacher: dict[str, str], slug: str, title: str,
                 description: str) -> dict[str, Any]:
    created = client.post("/courses", headers=teacher, json={
        "title": title, "slug": slug, "description": description,
        "price": {"amount_minor": 0, "currency": "USD"}})
    assert created.status_code == 201, created.get_data(as_text=True)
    new_lesson(client, teacher, created.get_json()["id"], "welcome")
    assert client.post(f"/courses/{created.get_json()['id']}/publish",
                       headers=teacher).status_code == 200
    course: dict[str, Any] = created.get_json()
    return course


def test_a_student_chats_and_keeps_the_conversation_for_themselves_only(client: Any) -> None:
    ann, bob = sign_up(client, "student"), sign_up(client, "student", "Bob Ray")
    first = client.post("/ai-career/chat", headers=ann,
                        json={"message": "How do I become a data analyst? I know Excel."})
    assert first.status_code == 200, first.get_data(as_text=True)
    answer = first.get_json()
    assert answer["response"] and answer["conversation_id"]
    again = client.post("/ai-career/chat", headers=ann, json={
        "message": "What should I learn first?", "conversation_id": answer["conversation_id"]})
    assert again.get_json()["conversation_id"] == answer["conversation_id"]

    listed = client.get("/ai-career/conversations", headers=ann).get_json()
    assert [(c["id"], c["message_count"]) for c in listed] == [(answer["conversation_id"], 4)]
    assert listed[0]["title"].startswith("How do I become a data analyst")
    detail = client.get(f"/ai-career/conversations/{answer['conversation_id']}",
                        headers=ann).get_json()
    assert [m["role"] for m in detail["messages"]] == ["user", "model", "user", "model"]
    assert detail["messages"][2]["text"] == "What should I learn first?"

    assert client.get("/ai-career/conversations", headers=bob).get_json() == []
    assert_problem(client.get(f"/ai-career/conversations/{answer['conversation_id']}",
                              headers=bob), 404)
    assert_problem(client.post("/ai-career/chat", headers=bob, json={
        "message": "hi", "conversation_id": answer["conversation_id"]}), 404)


def test_a_cv_is_analysed_from_text_and_from_an_uploaded_docx(client: Any) -> None:
    ann = sign_up(client, "student")
    pasted = client.post("/ai-career/analyze-cv", headers=ann, json={"cv_text": CV})
    assert pasted.status_code == 200, pasted.get_data(as_text=True)
    analysis = pasted.get_json()
    assert {"Python", "Flask", "SQL", "Git"} <= set(analysis["skills"])
    assert analysis["provider"] == "offline" and analysis["file_id"] is None
    for field in ("strengths", "weaknesses", "improvements", "ats_tips"):
        assert analysis[field] and all(isinstance(line, str) for line in analysis[field])

    upload = uploaded(client, ann, "cv", user_id(client, ann), docx_bytes(CV), DOCX, "cv.docx")
    from_file = client.post("/ai-career/analyze-cv", headers=ann,
                            json={"cv_upload_id": upload["id"]})
    assert from_file.status_code == 200, from_file.get_data(as_text=True)
    assert from_file.get_json()["file_id"] == upload["id"]
    assert set(from_file.get_json()["skills"]) == set(analysis["skills"])


def test_a_learning_path_and_a_skills_gap_name_our_published_courses(client: Any) -> None:
    teacher, ann = sign_up(client, "teacher", "Tess Teach"), sign_up(client, "student")
    sql = course_about(client, teacher, "sql-basics", "SQL for beginners",
                       "Write SQL queries and build dashboards in Power BI.")
    course_about(client, teacher, "pottery", "Pottery", "Throwing bowls on a wheel.")
    gap = client.post("/ai-career/skills-gap", headers=ann, json={
        "target_role": "Data Analyst", "current_skills": ["excel"]})
    assert gap.status_code == 200, gap.get_data(as_text=True)
    found = gap.get_json()
    assert "Excel" in found["matching"]
    missing = {m["name"]: m["level_needed"] for m in found["missing"]}
    assert "SQL" in missing and missing["SQL"] in ("basic", "intermediate", "advanced")
    assert [c["slug"] for c in found["recommended_courses"]] == ["sql-basics"]
    assert "SQL" in found["recommended_courses"][0]["teaches"]

    path = client.post("/ai-career/learning-path", headers=ann, json={
        "target_role": "data analyst", "current_skills": ["Excel"]}).get_json()
    assert path["steps"] and path["total_weeks"] == sum(s["weeks"] for s in path["steps"])
    pointed = {c["id"] for step in path["steps"] for c in step["courses"]}
    assert pointed == {sql["id"]}


def test_the_daily_allowance_is_refused_with_retry_after_and_admins_see_the_usage(
        client: Any, injector: Any) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    for _ in range(8):
        assert client.post("/ai-career/chat", headers=ann,
                           json={"message": "Tips for interviews?"}).status_code == 200
    refused = client.post("/ai-career/chat", headers=ann, json={"message": "One more?"})
    assert_problem(refused, 429)
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
    assert refused.headers["RateLimit-Limit"] == "8"
    assert len(client.get("/ai-career/conversations", headers=ann).get_json()) == 8
    rows = client.get("/admin/ai-usage?by_user=true", headers=root).get_json()
    assert [(r["user_id"], r["calls"]) for r in rows] == [(user_id(client, ann), 8)]
    assert_problem(client.get("/admin/ai-usage", headers=ann), 403)


def test_bad_input_is_a_clear_problem_and_charges_nothing(client: Any, injector: Any) -> None:
    ann, root = sign_up(client, "student"), sign_up_admin(client, injector)
    for bad in ({"message": ""}, {"message": "x" * 4001}, {"message": 5}, {},
                {"message": "hi", "conversation_id": "nope"}):
        response = client.post("/ai-career/chat", headers=ann, json=bad)
        assert response.status_code in (404, 422), bad
        assert response.mimetype == "application/problem+json"
    assert_problem(client.post("/ai-career/analyze-cv", headers=ann, json={}), 422)
    assert_problem(client.post("/ai-career/analyze-cv", headers=ann,
                               json={"cv_text": "x" * 30_001}), 422)
    not_a_pdf = uploaded(client, ann, "cv", user_id(client, ann), docx_bytes(CV), DOCX)
    bob = sign_up(client, "student", "Bob Ray")
    assert_problem(client.post("/ai-career/analyze-cv", headers=bob,
                               json={"cv_upload_id": not_a_pdf["id"]}), 404)
    assert_problem(client.post("/ai-career/skills-gap", headers=ann, json={
        "target_role": "Wizard of Oz", "current_skills": []}), 422)
    assert_problem(client.post("/ai-career/skills-gap", headers=ann, json={
        "target_role": "Data analyst", "current_skills": ["x"] * 51}), 422)
    assert client.get("/admin/ai-usage", headers=root).get_json() == []


def test_a_company_posts_a_student_applies_and_is_told_of_the_interview(
        client: Any, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapters.outbound.realtime.log")
    acme, other = sign_up(client, "company", "Acme Hiring"), sign_up(client, "company")
    ann = sign_up(client, "student", "Ann Lee")
    posted = client.post("/jobs", headers=acme, json={
        "title": "Junior Python developer", "company": "Acme", "location": "Chicago, IL",
        "description": "Build APIs in Python and SQL.", "employment_type": "FULLTIME",
        "salary": {"currency": "usd", "period": "YEAR", "minimum": 6_000_000,
                   "maximum": 7_500_000}})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    job = posted.get_json()
    assert {"Python", "SQL"} <= set(job["skills"]) and job["source"] == "local"
    assert job["salary"] == {"currency": "USD", "period": "YEAR", "minimum": 6_000_000,
                             "maximum": 7_500_000}
    found = client.get("/jobs?keyword=python&location=chicago", headers=ann).get_json()
    assert [j["id"] for j in found["items"]] == [job["id"]]
    assert found["sources"] == ["local"] and found["unavailable"] == {
        "external": "not_configured"}
    assert client.get("/jobs?keyword=rust", headers=ann).get_json()["items"] == []

    cv = uploaded(client, ann, "cv", user_id(client, ann), docx_bytes(CV), DOCX, "ann.docx")
    applied = client.post(f"/jobs/{job['id']}/applications", headers=ann,
                          json={"cv_upload_id": cv["id"], "cover_letter": "Hello Acme."})
    assert applied.status_code == 201, applied.get_data(as_text=True)
    application = applied.get_json()
    assert application["status"] == "submitted"
    assert_problem(client.post(f"/jobs/{job['id']}/applications", headers=ann,
                               json={"cv_upload_id": cv["id"]}), 409)
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    [told] = [m for m in messages(folder) if "A new application" in m["Subject"]]
    assert "Ann Lee applied to your job Junior Python developer" in body(told)

    assert_problem(client.get(f"/jobs/{job['id']}/applications", headers=other), 404)
    assert_problem(client.patch(f"/job-applications/{application['id']}", headers=other,
                                json={"status": "interview"}), 404)
    listed = client.get(f"/jobs/{job['id']}/applications", headers=acme).get_json()
    assert [a["id"] for a in listed] == [application["id"]]
    moved = client.patch(f"/job-applications/{application['id']}", headers=acme,
                         json={"status": "interview"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "interview"
    assert_problem(client.patch(f"/job-applications/{application['id']}", headers=acme,
                                json={"status": "hired"}), 409)
    [news] = [m for m in messages(folder) if m["Subject"] ==
              "Your application for Junior Python developer"]
    assert "invites you to an interview" in body(news)
    inbox = client.get("/me/notifications", headers=ann).get_json()["items"]
    assert [n["kind"] for n in inbox if n["kind"].startswith("application")] == [
        "application_status_updated"]
    published = {(r.event, tuple(r.channels)) for r in caplog.records  # type: ignore[attr-defined]
                 if hasattr(r, "event")}
    assert ("application.status.changed", (f"private-user.{user_id(client, ann)}",)) in published
    assert ("job.posted", ("job-board",)) in published
    mine = client.get("/me/job-applications", headers=ann).get_json()
    assert [(a["id"], a["status"]) for a in mine] == [(application["id"], "interview")]

    assert client.post(f"/jobs/{job['id']}/close", headers=acme).get_json()["status"] == \
        "closed"
    assert client.get("/jobs?keyword=python", headers=ann).get_json()["items"] == []
    bob = sign_up(client, "student", "Bob Ray")
    bob_cv = uploaded(client, bob, "cv", user_id(client, bob), docx_bytes(CV), DOCX)
    assert_problem(client.post(f"/jobs/{job['id']}/applications", headers=bob,
                               json={"cv_upload_id": bob_cv["id"]}), 409)
    assert_problem(client.post("/jobs", headers=ann, json={
        "title": "x", "company": "y", "description": "z"}), 403)
    assert_problem(client.post("/jobs", headers=acme, json={
        "title": "x", "company": "y", "description": "z",
        "salary": {"currency": "USD", "period": "YEAR", "minimum": 9, "maximum": 1}}), 422)


def test_job_recommendations_need_no_body_and_booleans_are_true_or_false(client: Any) -> None:
    ann, acme = sign_up(client, "student"), sign_up(client, "company")
    answer = client.post("/ai-career/job-recommendations", headers=ann)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["roles"] and answer.get_json()["jobs"]["sources"] == ["local"]
    assert_problem(client.post("/ai-career/job-recommendations", headers=ann,
                               json={"remote_only": 1}), 422)
    assert_problem(client.post("/jobs", headers=acme, json={
        "title": "t", "company": "c", "description": "d", "remote": 0}), 422)
