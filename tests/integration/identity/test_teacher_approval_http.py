"""Identity through the public API on the embedded default (a platform admin reviews each
verification by hand), on SQLite and PostgreSQL: a new teacher drafts but cannot publish,
verifies, is approved and publishes; a rejected one is told why and applies again with a
changed profile; the policy that students verify before joining live sessions; bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import assert_problem, log_in, new_course, register, sign_up_admin
from tests.integration.mail import body, messages


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, TEACHER_APPROVAL="true",
                         STUDENT_REQUIRES_IDENTITY="true")


def teacher(client: Any, name: str) -> dict[str, str]:
    assert register(client, f"{name}@example.test", "teacher",
                    f"{name.title()} Teach").status_code == 202
    return log_in(client, f"{name}@example.test")


def mails_to(settings: Settings, address: str) -> list[Any]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    return [m for m in messages(folder) if m["To"] == address]


def lesson(client: Any, who: dict[str, str], course_id: str) -> None:
    assert client.post(f"/courses/{course_id}/lessons", headers=who,
                       json={"title": "One", "slug": "one"}).status_code == 201


def test_a_teacher_verifies_is_approved_and_publishes(
        client: Any, injector: Any, settings: Settings) -> None:
    tess, root = teacher(client, "tess"), sign_up_admin(client, injector)
    application = client.get("/me/teacher-application", headers=tess).get_json()
    assert application["status"] == "pending"
    course = new_course(client, tess, "algebra")
    lesson(client, tess, course["id"])
    refused = assert_problem(client.post(f"/courses/{course['id']}/publish", headers=tess),
                             403)
    assert "not approved" in refused["detail"]
    waiting = client.get("/admin/teacher-applications", headers=root).get_json()
    assert [a["id"] for a in waiting] == [application["id"]]
    needs = assert_problem(client.post(
        f"/admin/teacher-applications/{application['id']}/approve", headers=root), 409)
    assert "identity" in needs["detail"]

    opened = client.post("/me/identity-verification", headers=tess)
    assert opened.status_code == 200
    verification = opened.get_json()
    assert (verification["provider"], verification["status"], verification["url"]) == (
        "manual", "Not Started", None)
    assert client.post("/me/identity-verification", headers=tess).get_json()["id"] == \
        verification["id"]
    review = client.get("/admin/identity-verifications", headers=root).get_json()
    assert [v["id"] for v in review] == [verification["id"]]
    approved = client.post(f"/admin/identity-verifications/{verification['id']}/approve",
                           headers=root)
    assert approved.get_json()["status"] == "Approved"
    assert_problem(client.post(f"/admin/identity-verifications/{verification['id']}/approve",
                               headers=root), 409)
    assert client.get("/me/identity-verification", headers=tess).get_json()["status"] == \
        "Approved"

    decided = client.post(f"/admin/teacher-applications/{application['id']}/approve",
                          headers=root)
    assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
    assert_problem(client.post(f"/admin/teacher-applications/{application['id']}/approve",
                               headers=root), 409)
    assert client.post(f"/courses/{course['id']}/publish", headers=tess).status_code == 200
    [told] = [m for m in mails_to(settings, "tess@example.test")
              if m["Subject"] == "You are approved to teach on eduport"]
    assert "your courses may now be published" in body(told)
    actions = {record["action"] for record in
               client.get("/admin/audit", headers=root).get_json()}
    assert {"identity.approved", "teacher.approved"} <= actions


def test_a_rejected_teacher_is_told_why_and_applies_again_with_a_changed_profile(
        client: Any, injector: Any, settings: Settings) -> None:
    rex, root = teacher(client, "rex"), sign_up_admin(client, injector)
    profile = {"headline": "Chemistry", "bio": "I like chemistry."}
    assert client.put("/me/teacher-application", headers=rex, json=profile).status_code == 200
    application = client.get("/me/teacher-application", headers=rex).get_json()
    path = f"/admin/teacher-applications/{application['id']}"
    assert_problem(client.post(f"{path}/reject", headers=root, json={}), 422)
    assert_problem(client.post(f"{path}/reject", headers=root, json={"reason": ""}), 422)
    rejected = client.post(f"{path}/reject", headers=root,
                           json={"reason": "Tell us what you have taught before."})
    assert rejected.get_json()["status"] == "rejected"
    [told] = [m for m in mails_to(settings, "rex@example.test")
              if m["Subject"] == "Your teacher application on eduport"]
    assert "Tell us what you have taught before." in body(told)
    mine = client.get("/me/teacher-application", headers=rex).get_json()
    assert (mine["status"], mine["reason"]) == ("rejected",
                                                "Tell us what you have taught before.")
    assert_problem(client.put("/me/teacher-application", headers=rex, json=profile), 409)
    again = client.put("/me/teacher-application", headers=rex, json={
        **profile, "bio": "Five years teaching chemistry at a high school."})
    assert again.get_json()["status"] == "pending"
    assert client.delete("/me/teacher-application", headers=rex).get_json()["status"] == \
        "withdrawn"
    assert_problem(client.post(f"{path}/approve", headers=root), 409)
    assert_problem(client.delete("/me/teacher-application", headers=rex), 409)


def test_an_unapproved_teacher_offers_no_consultations_and_unverified_students_pay_nothing(
        client: Any, injector: Any) -> None:
    tess, root = teacher(client, "tess"), sign_up_admin(client, injector)
    service = {"title": "Coaching", "base_fee_minor": 0, "per_minute_minor": 10,
               "currency": "USD"}
    assert "not approved" in assert_problem(client.post(
        "/consultation-services", headers=tess, json=service), 403)["detail"]
    application = client.get("/me/teacher-application", headers=tess).get_json()
    verification = client.post("/me/identity-verification", headers=tess).get_json()
    client.post(f"/admin/identity-verifications/{verification['id']}/approve", headers=root)
    client.post(f"/admin/teacher-applications/{application['id']}/approve", headers=root)
    offered = client.post("/consultation-services", headers=tess, json=service).get_json()
    assert register(client, "ann@example.test", "student").status_code == 202
    ann = log_in(client, "ann@example.test")
    refused = assert_problem(client.post("/consultations", headers=ann,
                                         json={"service_id": offered["id"]}), 403)
    assert "POST /me/identity-verification" in refused["detail"]
    unpaid = assert_problem(client.post("/checkout", headers=ann, json={
        "credit_pack": "starter", "provider": "sandbox", "payment_method": "pm_card_visa"}),
        403)
    assert "verify your identity before you pay" in unpaid["detail"]
    mine = client.post("/me/identity-verification", headers=ann).get_json()
    client.post(f"/admin/identity-verifications/{mine['id']}/approve", headers=root)
    assert client.post("/checkout", headers=ann, json={
        "credit_pack": "starter", "provider": "sandbox",
        "payment_method": "pm_card_visa"}).status_code == 201


def test_bad_input_and_strangers_change_nothing(client: Any, injector: Any) -> None:
    tess, root = teacher(client, "tess"), sign_up_admin(client, injector)
    assert register(client, "ann@example.test", "student").status_code == 202
    ann = log_in(client, "ann@example.test")
    for path in ("/admin/teacher-applications", "/admin/identity-verifications"):
        assert_problem(client.get(path, headers=ann), 403)
        assert_problem(client.get(path, headers=tess), 403)
    assert_problem(client.get("/me/teacher-application", headers=ann), 403)
    assert_problem(client.get("/me/identity-verification", headers=ann), 404)
    assert_problem(client.post("/admin/teacher-applications/nope/approve", headers=root), 404)
    assert_problem(client.post("/admin/identity-verifications/nope/decline", headers=root,
                               json={"reason": "x"}), 404)
    assert_problem(client.get("/admin/teacher-applications?status=maybe", headers=root), 422)
    assert_problem(client.put("/me/teacher-application", headers=tess,
                              json={"headline": "x" * 201, "bio": ""}), 422)
    assert_problem(client.put("/me/teacher-application", headers=tess, json={"bio": 5}), 422)
    mine = client.post("/me/identity-verification", headers=ann).get_json()
    assert_problem(client.post(f"/admin/identity-verifications/{mine['id']}/decline",
                               headers=root, json={}), 422)
    assert client.get("/me/identity-verification", headers=ann).get_json()["status"] == \
        "Not Started"
