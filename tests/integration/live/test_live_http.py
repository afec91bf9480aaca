"""Live classes through the public API on the embedded default (public Jitsi rooms, inline
jobs): scheduling, starting, who may join, heartbeats and leaves, attendance in JSON and CSV,
and the admins' view. Time is the Clock port's, moved minute by minute."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import (
    assert_problem,
    log_in,
    published_course,
    register,
    sign_up_admin,
    user_id,
)
from tests.integration.mail import messages
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Sessions outlast the hours of Clock time a class runs through here.
    return make_settings(tmp_path, database_url, ACCESS_TOKEN_TTL_SECONDS="86400")


@pytest.fixture
def cls(client: Any, injector: Any, clock: FakeClock) -> dict[str, Any]:
    """A free published course of grace's with ann and bob enrolled, cy a student outside
    it, and root a platform admin; a class scheduled to start now."""
    for name, role in (("grace", "teacher"), ("ann", "student"), ("bob", "student"),
                       ("cy", "student")):
        assert register(client, f"{name}@example.test", role,
                        name.title() + " Lee").status_code == 202
    people = {name: log_in(client, f"{name}@example.test")
              for name in ("grace", "ann", "bob", "cy")}
    people["root"] = sign_up_admin(client, injector)
    course = published_course(client, people["grace"], title="Compilers")
    for student in ("ann", "bob"):
        enrolled = client.post(f"/courses/{course['id']}/enrollments", headers=people[student])
        assert enrolled.status_code == 201, enrolled.get_data(as_text=True)
    session = client.post(f"/courses/{course['id']}/live-sessions", headers=people["grace"],
                          json={"title": "Parsing", "starts_at": clock.now().isoformat(),
                                "planned_minutes": 60})
    assert session.status_code == 201, session.get_data(as_text=True)
    return {"people": people, "course": course, "session": session.get_json()}


def post(client: Any, path: str, who: dict[str, str], **body: Any) -> Any:
    return client.post(path, headers=who, json=body or None)


def test_only_the_courses_teacher_schedules_and_a_class_goes_live_once(
        client: Any, cls: dict[str, Any]) -> None:
    people, session = cls["people"], cls["session"]
    base = f"/live-sessions/{session['id']}"
    assert (session["status"], session["provider"], session["planned_minutes"]) == (
        "scheduled", "jitsi", 60)
    other = client.post("/auth/register", json={
        "email": "alan@example.test", "password": "correct horse battery", "role": "teacher",
        "full_name": "Alan Turing"})
    assert other.status_code == 202
    alan = log_in(client, "alan@example.test")
    body = {"title": "Mine now", "starts_at": session["starts_at"], "planned_minutes": 30}
    assert_problem(post(client, f"/courses/{cls['course']['id']}/live-sessions", alan,
                        **body), 403)
    assert_problem(post(client, f"/courses/{cls['course']['id']}/live-sessions",
                        people["ann"], **body), 403)
    assert_problem(post(client, "/courses/nope/live-sessions", people["grace"], **body), 404)
    assert_problem(post(client, f"{base}/join", people["ann"]), 409)  # not live yet
    assert_problem(post(client, f"{base}/start", people["ann"]), 403)
    started = post(client, f"{base}/start", people["grace"])
    assert started.status_code == 200 and started.get_json()["status"] == "live"
    assert_problem(post(client, f"{base}/start", people["grace"]), 409)
    listed = client.get(f"/courses/{cls['course']['id']}/live-sessions", headers=people["ann"])
    assert [s["status"] for s in listed.get_json()] == ["live"]
    assert_problem(client.get(f"/courses/{cls['course']['id']}/live-sessions",
                              headers=people["cy"]), 403)
    assert_problem(client.get(base, headers=people["cy"]), 403)
    assert_problem(client.get("/live-sessions/unknown", headers=people["cy"]), 404)


def test_bad_schedules_are_refused_with_problems(client: Any, cls: dict[str, Any]) -> None:
    grace, course_id = cls["people"]["grace"], cls["course"]["id"]
    path = f"/courses/{course_id}/live-sessions"
    for body in ({"title": "x", "starts_at": "2026-01-01T10:00:00", "planned_minutes": 30},
                 {"title": "x", "starts_at": "tomorrow", "planned_minutes": 30},
                 {"title": "", "starts_at": "2030-01-01T10:00:00Z", "planned_minutes": 30},
                 {"title": "x", "starts_at": "2030-01-01T10:00:00Z", "planned_minutes": 2},
                 {"title": "x", "starts_at": "2030-01-01T10:00:00Z", "planned_minutes": "an hour"},
                 {"title": "x", "starts_at": "2020-01-01T10:00:00Z", "planned_minutes": 30}):
        assert_problem(client.post(path, headers=grace, json=body), 422)
    assert_problem(client.post(path, headers=grace, data="{", content_type="application/json"),
                   400)


def test_the_teacher_enrolled_students_and_admins_join_and_nobody_else(
        client: Any, cls: dict[str, Any], clock: FakeClock) -> None:
    people, session = cls["people"], cls["session"]
    base = f"/live-sessions/{session['id']}"
    post(client, f"{base}/start", people["grace"])
    grace = post(client, f"{base}/join", people["grace"]).get_json()
    ann = post(client, f"{base}/join", people["ann"]).get_json()
    root = post(client, f"{base}/join", people["root"]).get_json()
    assert (grace["role"], ann["role"], root["role"]) == ("host", "audience", "audience")
    room = grace["pass"]["room"]
    assert room == ann["pass"]["room"] == root["pass"]["room"]
    assert room.startswith("eduport-") and session["id"] not in room
    assert set(room) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") and len(room) <= 63
    assert ann["pass"]["join_url"].startswith(f"https://meet.jit.si/{room}#userInfo.displayName=")
    assert ann["pass"]["token"] is None  # public Jitsi: the unguessable room is the key
    assert_problem(post(client, f"{base}/join", people["cy"]), 403)
    assert_problem(post(client, "/live-sessions/unknown/join", people["ann"]), 404)
    assert_problem(post(client, f"{base}/heartbeat", people["bob"]), 409)  # never joined
    again = post(client, f"{base}/join", people["ann"]).get_json()
    assert again["pass"] == ann["pass"]
    assert client.get(f"{base}/token", headers=people["ann"]).get_json()["pass"] == ann["pass"]
    assert_problem(post(client, f"{base}/end", people["ann"]), 403)
    assert post(client, f"{base}/end", people["root"]).get_json()["status"] == "ended"
    assert_problem(post(client, f"{base}/join", people["ann"]), 409)  # no new joins
    assert_problem(client.get(f"{base}/token", headers=people["ann"]), 409)  # no new passes


def test_attendance_shows_a_late_joiner_who_left_early_and_who_never_came(
        client: Any, cls: dict[str, Any], clock: FakeClock) -> None:
    people, session = cls["people"], cls["session"]
    base = f"/live-sessions/{session['id']}"
    post(client, f"{base}/start", people["grace"])
    start = clock.now()
    post(client, f"{base}/join", people["grace"])
    for minute in range(1, 41):  # ann comes 10 minutes late and leaves after 20
        clock.advance(minutes=1)
        post(client, f"{base}/heartbeat", people["grace"])
        if minute == 10:
            post(client, f"{base}/join", people["ann"])
        elif 10 < minute < 30:
            beat = post(client, f"{base}/heartbeat", people["ann"])
            assert beat.get_json()["present"] is True
        elif minute == 30:
            left = post(client, f"{base}/leave", people["ann"]).get_json()
            assert left == {"present": False, "present_seconds": 20 * 60}
    post(client, f"{base}/end", people["grace"])
    clock.advance(hours=1)  # reading it later changes nothing

    report = client.get(f"{base}/attendance", headers=people["grace"])
    assert report.status_code == 200
    got = report.get_json()
    lines = {line["name"]: line for line in got["participants"]}
    assert lines["Ann Lee"]["minutes"] == 20 and lines["Ann Lee"]["seconds"] == 1200
    assert lines["Ann Lee"]["intervals"] == [{
        "joined_at": iso(start + timedelta(minutes=10)),
        "left_at": iso(start + timedelta(minutes=30))}]
    assert lines["Grace Lee"]["minutes"] == 40 and lines["Grace Lee"]["role"] == "host"
    assert [a["name"] for a in got["absent"]] == ["Bob Lee"]

    table = client.get(f"{base}/attendance", headers={**people["grace"], "Accept": "text/csv"})
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert sorted((r["name"], r["role"], r["minutes"]) for r in rows) == [
        ("Ann Lee", "audience", "20"), ("Bob Lee", "absent", "0"), ("Grace Lee", "host", "40")]
    assert_problem(client.get(f"{base}/attendance", headers=people["ann"]), 403)
    assert client.get(f"{base}/attendance", headers=people["root"]).status_code == 200


def test_a_participant_silent_for_90_seconds_has_left(
        client: Any, cls: dict[str, Any], clock: FakeClock) -> None:
    people, session = cls["people"], cls["session"]
    base = f"/live-sessions/{session['id']}"
    post(client, f"{base}/start", people["grace"])
    post(client, f"{base}/join", people["ann"])
    clock.advance(seconds=30)
    post(client, f"{base}/heartbeat", people["ann"])  # present 30 s
    clock.advance(minutes=5)  # her connection dropped
    back = post(client, f"{base}/heartbeat", people["ann"]).get_json()
    assert back == {"present": True, "present_seconds": 30}
    clock.advance(seconds=30)
    post(client, f"{base}/heartbeat", people["ann"])
    line = client.get(f"{base}/attendance", headers=people["grace"]).get_json()["participants"]
    assert [len(p["intervals"]) for p in line] == [2] and line[0]["seconds"] == 60


def test_students_are_told_when_the_class_starts_and_admins_see_it_live(
        client: Any, cls: dict[str, Any], settings: Settings) -> None:
    people, session = cls["people"], cls["session"]
    post(client, f"/live-sessions/{session['id']}/start", people["grace"])
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    told = sorted(m["To"] for m in messages(folder)
                  if m["Subject"] == "Compilers: the live class has started")
    assert told == ["ann@example.test", "bob@example.test"]
    def started(who: dict[str, str]) -> list[dict[str, Any]]:
        items = client.get("/me/notifications", headers=who).get_json()["items"]
        return [item["data"] for item in items if item["kind"] == "live_session_started"]

    assert [data["session_id"] for data in started(people["ann"])] == [session["id"]]
    assert started(people["cy"]) == []  # not in the course
    post(client, f"/live-sessions/{session['id']}/join", people["ann"])
    live = client.get("/admin/live-sessions", headers=people["root"]).get_json()
    assert [(s["session"]["id"], s["participants"], s["present"]) for s in live] == [
        (session["id"], 1, 1)]
    assert_problem(client.get("/admin/live-sessions", headers=people["grace"]), 403)
    assert_problem(client.get("/admin/live-sessions", headers=people["root"],
                              query_string={"status": "paused"}), 422)


def test_the_teacher_gives_a_student_the_floor(client: Any, cls: dict[str, Any]) -> None:
    people, session = cls["people"], cls["session"]
    base = f"/live-sessions/{session['id']}"
    post(client, f"{base}/start", people["grace"])
    assert post(client, f"{base}/join", people["ann"]).get_json()["role"] == "audience"
    ann_id = user_id(client, people["ann"])
    assert_problem(post(client, f"{base}/speakers", people["ann"], student_id=ann_id), 403)
    cy_id = user_id(client, people["cy"])
    assert_problem(post(client, f"{base}/speakers", people["grace"], student_id=cy_id), 422)
    given = post(client, f"{base}/speakers", people["grace"], student_id=ann_id)
    assert given.get_json() == {"student_id": ann_id, "speaks": True}
    assert client.get(f"{base}/token", headers=people["ann"]).get_json()["role"] == "speaker"
    post(client, f"{base}/speakers", people["grace"], student_id=ann_id, speaks=False)
    assert client.get(f"{base}/token", headers=people["ann"]).get_json()["role"] == "audience"


def iso(moment: datetime) -> str:
    return moment.isoformat()
