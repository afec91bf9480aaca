"""A person's data through the public API, on SQLite and PostgreSQL (ADR 22): a student who
did a little of everything (a profile, a free and a paid course, credits, a consultation, a
live class, an identity verification, a CV, notifications, then a teacher application)
exports it, and every area's section is in the document; she erases it, and then no table
holds her address, her name, what she wrote about herself, her address on the network or
her browser; her sessions are over, the law's records of her payments remain under her
pseudonymous id, and erasing again changes nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from adapters.outbound.queue.inline import deferred
from adapters.settings import Settings
from application.accounts.export_personal_data import (
    ExportPersonalData,
    ExportPersonalDataCommand,
)
from application.files.ports import FileStorage
from application.shared.ports import Principal, TaskQueue
from tests.conftest import clocked_injector, make_settings
from tests.driver import (
    PASSWORD,
    PNG,
    assert_problem,
    bearer,
    cast,
    log_in,
    login,
    paid_course,
    published_course,
    register,
    uploaded,
    user_id,
)
from tests.integration.privacy.walk import traces
from tests.unit.shared.fakes import FakeClock

EMAIL, NAME = "sara.quinlan@example.test", "Sara Quinlan-Ahmed"
IP, AGENT = "198.51.100.23", "SaraPhone/7.1 (personal)"
# What must be nowhere once she is erased (her browser's name and address included).
PERSONAL = (EMAIL, "sara.quinlan", "Quinlan", IP, "SaraPhone")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, ACCESS_TOKEN_TTL_SECONDS="86400")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def injector(settings: Settings, clock: FakeClock) -> Iterator[Any]:
    yield from clocked_injector(settings, clock)


class Sara:
    """Sara's own browser: every request from her address and her user agent."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()
        self.client.environ_base.update(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
        assert register(self.client, EMAIL, "student", NAME).status_code == 202
        self.sign_in()
        self.id = user_id(self.client, self.headers)

    def sign_in(self) -> None:
        self.headers = log_in(self.client, EMAIL)
        self.refresh = login(self.client, EMAIL).get_json()["refresh_token"]

    def call(self, method: str, path: str, headers: dict[str, str] | None = None,
             **kwargs: Any) -> Any:
        return self.client.open(path, method=method, headers={**self.headers, **(headers or {})},
                                **kwargs)


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.get_data(as_text=True)
    return answer.get_json()


@pytest.fixture
def world(app: Any, client: Any, injector: Any) -> dict[str, Any]:
    """Root (admin), Grace (a teacher: a free and a paid course, a consultation service, a
    live class) and Sara, who did a little of everything, then became a teacher."""
    people = cast(client, injector, students=("bob",))
    root, grace = people["root"], people["grace"]
    sara = Sara(app)
    free = published_course(client, grace, title="Compilers")
    paid = paid_course(client, grace, "algebra")
    ok(sara.call("POST", f"/courses/{free['id']}/enrollments"), 201)
    payment = ok(sara.call("POST", "/checkout", headers={"Idempotency-Key": "sara-buys-1"},
                           json={"course_ids": [paid], "provider": "sandbox",
                                 "payment_method": "pm_card_visa"}), 201)
    assert ok(sara.call("POST", f"/payments/{payment['payment_id']}/confirm"))["status"] == \
        "succeeded"
    ok(client.post(f"/admin/payments/{payment['payment_id']}/refunds", headers=root,
                   json={"amount_minor": 900, "reason": f"{NAME} asked by phone"}), 202)
    ok(client.post(f"/admin/users/{sara.id}/credits", headers=root, json={
        "amount_minor": 10_000, "currency": "USD", "reason": f"a gift for {NAME}",
        "key": "gift"}))
    service = ok(client.post("/consultation-services", headers=grace, json={
        "title": "Career coaching", "base_fee_minor": 500, "per_minute_minor": 50,
        "currency": "USD"}), 201)
    consultation = ok(sara.call("POST", "/consultations", json={"service_id": service["id"]}),
                      201)["consultation"]
    ok(client.post(f"/consultations/{consultation['id']}/join", headers=grace))
    ok(client.post(f"/consultations/{consultation['id']}/stop", headers=grace))
    session = ok(client.post(f"/courses/{free['id']}/live-sessions", headers=grace, json={
        "title": "Parsing", "starts_at": datetime.now(UTC).isoformat(),
        "planned_minutes": 60}), 201)
    ok(client.post(f"/live-sessions/{session['id']}/start", headers=grace))
    ok(sara.call("POST", f"/live-sessions/{session['id']}/join"))
    ok(sara.call("POST", f"/live-sessions/{session['id']}/heartbeat"))
    ok(sara.call("POST", f"/live-sessions/{session['id']}/leave"))
    ok(sara.call("PATCH", "/me/notification-preferences", json={"email": {"receipt": False}}))
    ok(sara.call("POST", "/me/identity-verification"))
    [waiting] = ok(client.get("/admin/identity-verifications", headers=root))
    ok(client.post(f"/admin/identity-verifications/{waiting['id']}/approve", headers=root))
    cv = uploaded(sara.client, sara.headers, "cv", sara.id, PDF, "application/pdf",
                  "Sara-Quinlan-Ahmed-CV.pdf")
    ok(client.put(f"/admin/users/{sara.id}/role", headers=root, json={"role": "teacher"}))
    sara.sign_in()  # a new role: a new session
    ok(sara.call("PUT", "/me/teacher-application", json={
        "headline": f"{NAME} teaches algebra",
        "bio": f"Write to me at {EMAIL}; I am Sara Quinlan-Ahmed."}))
    return {"people": people, "sara": sara, "cv": cv, "payment": payment["payment_id"]}


def export_of(sara: Sara) -> dict[str, Any]:
    asked = ok(sara.call("POST", "/me/data-export"), 202)
    assert asked["status"] == "pending"
    answer = sara.call("GET", f"/me/data-export/{asked['id']}")  # built after the answer
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="eduport-')
    assert answer.headers["Cache-Control"] == "no-store"
    document: dict[str, Any] = answer.get_json()
    document["id"] = asked["id"]
    return document


def test_the_export_holds_every_area_and_only_its_owner_gets_it(
        world: dict[str, Any], client: Any) -> None:
    sara, bob = world["sara"], world["people"]["bob"]
    document = export_of(sara)
    s = document["sections"]
    assert set(s) == {"account", "catalog", "payments", "messages", "live", "files",
                      "identity", "career", "institutions", "audit"}
    assert (s["account"]["profile"]["email"], s["account"]["profile"]["full_name"]) == (
        EMAIL, NAME)
    assert {e["course_title"] for e in s["catalog"]["enrollments"]} == {"Compilers", "Algebra"}
    [paid] = s["payments"]["payments"]
    assert (paid["status"], paid["amount_minor"], paid["amount_currency"]) == (
        "partially_refunded", 4900, "EUR")
    assert paid["provider_reference"] and s["payments"]["orders"][0]["lines"][0]["title"]
    assert s["payments"]["refunds"][0]["amount_minor"] == 900
    assert {n["kind"] for n in s["messages"]["notifications"]} >= {"welcome", "receipt"}
    assert s["messages"]["preferences"] == {"email_off": ["receipt"]}
    assert s["live"]["attendance"][0]["presences"]
    assert f"a gift for {NAME}" in {e["reason"] for e in s["live"]["credit_entries"]}
    assert s["live"]["consultations"][0]["status"] == "ended"
    assert s["files"]["uploads"][0]["filename"] == "Sara-Quinlan-Ahmed-CV.pdf"
    assert s["identity"]["verifications"][0]["status"] == "Approved"
    assert s["identity"]["teacher_application"]["headline"] == f"{NAME} teaches algebra"
    actions = {r["action"] for r in s["audit"]["records"]}
    assert {"user.registered", "login.succeeded", "personal_data.export_requested"} <= actions
    assert IP in {r["client_ip"] for r in s["audit"]["records"]}
    others = [r for r in s["audit"]["records"] if r["actor_id"] != sara.id]
    assert others and {(r["client_ip"], r["user_agent"]) for r in others} == {(None, None)}
    # Someone else's export is unknown, as is one that never was.
    assert_problem(client.get(f"/me/data-export/{document['id']}", headers=bob), 404)
    assert_problem(sara.call("GET", "/me/data-export/nothing-like-it"), 404)
    [told] = [n for n in ok(sara.call("GET", "/me/notifications"))["items"]
              if n["kind"] == "data_export_ready"]
    assert told["data"] == {"export_id": document["id"]}


def test_erasure_leaves_no_trace_and_ends_every_session(
        world: dict[str, Any], client: Any, engine: Engine, injector: Any) -> None:
    sara, root = world["sara"], world["people"]["root"]
    export_of(sara)
    with engine.connect() as connection:
        key = connection.execute(select(t.stored_files.c.key).where(
            t.stored_files.c.id == world["cv"]["id"])).scalar_one()
    storage = injector.get(FileStorage)
    assert storage.stat(key) is not None
    assert set(traces(engine, PERSONAL)) >= {"users", "teacher_applications", "stored_files",
                                             "audit_log", "message_deliveries", "refunds",
                                             "credit_entries", "data_exports"}
    # The wrong password erases nothing.
    assert_problem(sara.call("DELETE", "/me", json={"password": "not my password"}), 403)
    assert ok(sara.call("GET", "/me"))["full_name"] == NAME
    assert sara.call("DELETE", "/me", json={"password": PASSWORD}).status_code == 204

    assert traces(engine, PERSONAL) == {}
    assert_problem(sara.call("GET", "/me"), 401)  # the token issued before is dead
    assert_problem(client.post("/auth/refresh", json={"refresh_token": sara.refresh}), 401)
    assert_problem(login(client, EMAIL), 401)
    assert storage.stat(key) is None  # the CV's bytes left the store after the commit
    with engine.connect() as connection:
        user = connection.execute(select(t.users).where(t.users.c.id == sara.id)).one()
        payment = connection.execute(select(t.payments).where(
            t.payments.c.id == world["payment"])).one()
        enrollments = connection.execute(select(t.enrollments).where(
            t.enrollments.c.student_id == sara.id)).all()
    assert user.erased_at is not None and user.full_name == "Erased user"
    assert user.email == f"erased-{sara.id}@erased.invalid"
    assert_problem(login(client, user.email), 401)
    # What the law keeps: the amounts, dates and references, under her pseudonymous id.
    assert (payment.student_id, payment.amount_minor, payment.refunded_minor) == (
        sara.id, 4900, 900)
    assert payment.provider_reference and len(enrollments) == 2
    actions = [r["action"] for r in ok(client.get("/admin/audit", headers=root,
                                                  query_string={"object_id": sara.id}))]
    assert "personal_data.erased" in actions

    # Again, by an admin: nothing more to erase, the same answer.
    assert client.delete(f"/admin/users/{sara.id}", headers=root).status_code == 204
    assert traces(engine, PERSONAL) == {}
    assert_problem(client.delete("/admin/users/nobody", headers=root), 404)
    assert_problem(client.delete(f"/admin/users/{sara.id}",
                                 headers=world["people"]["bob"]), 403)
    assert ok(client.get("/me", headers=root))["full_name"] == "Root"


def test_an_expired_export_is_gone(client: Any, clock: FakeClock, injector: Any) -> None:
    assert register(client, "ann@example.test", "student").status_code == 202
    ann = log_in(client, "ann@example.test")
    asked = ok(client.post("/me/data-export", headers=ann), 202)
    assert client.get(f"/me/data-export/{asked['id']}", headers=ann).status_code == 200
    clock.advance(days=7, seconds=1)
    ann = log_in(client, "ann@example.test")  # the old session ended meanwhile
    problem = assert_problem(client.get(f"/me/data-export/{asked['id']}", headers=ann), 404)
    assert "expired" in problem["detail"]


def test_an_admin_erases_themselves_only_with_their_password(
        client: Any, injector: Any) -> None:
    root = cast(client, injector, students=())["root"]
    root_id = user_id(client, root)
    problem = assert_problem(client.delete(f"/admin/users/{root_id}", headers=root), 403)
    assert "password" in problem["detail"]
    assert_problem(client.delete("/me", headers=root, json={}), 422)
    assert client.delete("/me", headers=root, json={"password": PASSWORD}).status_code == 204
    assert_problem(client.get("/me", headers=bearer("not-a-token")), 401)
    assert_problem(client.get("/me", headers=root), 401)


def test_a_pending_export_answers_202_until_it_is_built(client: Any, injector: Any) -> None:
    assert register(client, "cy@example.test", "student").status_code == 202
    cy = log_in(client, "cy@example.test")
    with deferred() as held:  # the job that builds it waits, as behind a busy worker
        view = injector.get(ExportPersonalData)(ExportPersonalDataCommand(
            Principal(user_id(client, cy), "student")))
    pending = client.get(f"/me/data-export/{view.id}", headers=cy)
    assert pending.status_code == 202 and pending.get_json()["status"] == "pending"
    assert ok(client.post("/me/data-export", headers=cy), 202)["id"] == view.id  # that one
    injector.get(TaskQueue).run_all(held)
    ready = client.get(f"/me/data-export/{view.id}", headers=cy)
    assert ready.status_code == 200 and ready.get_json()["sections"]["account"]["profile"]


def test_an_erased_teachers_courses_stay_for_their_students_without_her_name(
        client: Any, injector: Any, engine: Engine) -> None:
    people = cast(client, injector, students=("bob",))
    assert register(client, "hedy@example.test", "teacher", "Hedy Lamarr").status_code == 202
    hedy = log_in(client, "hedy@example.test")
    course = published_course(client, hedy, title="Radio with Hedy Lamarr")
    thumbnail = uploaded(client, hedy, "course_thumbnail", course["id"], PNG, "image/png",
                         "hedy-lamarr.png")
    ok(client.patch(f"/courses/{course['id']}", headers=hedy,
                    json={"thumbnail_upload_id": thumbnail["id"]}))
    ok(client.post(f"/courses/{course['id']}/enrollments", headers=people["bob"]), 201)
    ok(client.post(f"/courses/{course['id']}/live-sessions", headers=hedy, json={
        "title": "Hedy Lamarr answers", "starts_at": datetime.now(UTC).isoformat(),
        "planned_minutes": 30}), 201)
    ok(client.post("/consultation-services", headers=hedy, json={
        "title": "An hour with Hedy Lamarr", "base_fee_minor": 500, "per_minute_minor": 50,
        "currency": "USD"}), 201)
    assert set(traces(engine, ["lamarr"])) >= {"courses", "live_sessions",
                                               "consultation_services", "stored_files"}
    hedy_id = user_id(client, hedy)
    assert client.delete(f"/admin/users/{hedy_id}", headers=people["root"]).status_code == 204
    assert traces(engine, ["lamarr", "hedy@example.test"]) == {}
    seen = ok(client.get(f"/courses/{course['id']}", headers=people["bob"]))
    assert seen["title"] == "Radio with Erased user" and seen["thumbnail_url"]
    assert [e["status"] for e in ok(client.get("/me/enrollments", headers=people["bob"]))] \
        == ["active"]
