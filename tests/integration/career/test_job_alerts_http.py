"""New-job alerts through the public API, on SQLite and PostgreSQL: students keep saved
searches (their own only); a new posting reaches the students whose latest CV shares two of
its skills or whose saved search finds it, in one digest a day from the digest hour on
(in the app and by email), never the company that posted it; postings closed before the
digest are left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.inbound.worker.jobs import run_job
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import assert_problem, log_in, sign_up
from tests.integration.mail import body, messages
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says

PYTHON_CV = "Ann Lee\nSkills\nPython, Flask, SQL, Git\nExperience\nBuilt REST APIs in Python."
EXCEL_CV = "Cy Moss\nSkills\nExcel\nExperience\nMonthly reports in Excel."


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, AI_PER_MINUTE="100", JOB_DIGEST_HOUR="8")


@pytest.fixture(autouse=True)
def early_morning(clock: FakeClock) -> None:
    clock.current = clock.current.replace(hour=6, minute=0, second=0)


def email_of(client: Any, headers: dict[str, str]) -> str:
    address: str = client.get("/me", headers=headers).get_json()["email"]
    return address


def digests(settings: Settings, to: str) -> list[str]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    return [body(m) for m in messages(folder)
            if m["To"] == to and str(m["Subject"]).startswith("New jobs for you today")]


def post_job(client: Any, company: dict[str, str], title: str, description: str,
             location: str = "Chicago, IL", **more: Any) -> dict[str, Any]:
    posted = client.post("/jobs", headers=company, json={
        "title": title, "company": "Acme", "description": description, "location": location,
        **more})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    job: dict[str, Any] = posted.get_json()
    return job


def test_new_postings_reach_matching_students_in_one_digest_a_day(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    ann, bob = sign_up(client, "student", "Ann Lee"), sign_up(client, "student", "Bob Ray")
    cy, acme = sign_up(client, "student", "Cy Moss"), sign_up(client, "company", "Acme")
    for who, cv in ((ann, PYTHON_CV), (cy, EXCEL_CV)):
        analysed = client.post("/ai-career/analyze-cv", headers=who, json={"cv_text": cv})
        assert analysed.status_code == 200, analysed.get_data(as_text=True)
    saved = client.post("/me/saved-searches", headers=bob, json={
        "keyword": "data analyst", "location": "chicago"})
    assert saved.status_code == 201, saved.get_data(as_text=True)
    to = {who: email_of(client, headers) for who, headers in
          (("ann", ann), ("bob", bob), ("cy", cy), ("acme", acme))}

    python = post_job(client, acme, "Junior Python developer",
                      "Build REST APIs in Python and SQL.")
    analyst = post_job(client, acme, "Data analyst", "Monthly reports.",
                       skills=["SQL", "Excel"])  # one skill of Ann's, one of Cy's: neither
    post_job(client, acme, "Data analyst", "Reports.", location="Boston, MA")
    assert run_job(injector, "compose_job_digests") == 0  # before the digest hour
    clock.advance(hours=2)  # the sessions' access tokens expire meanwhile
    acme = log_in(client, to["acme"])
    assert run_job(injector, "compose_job_digests") == 2
    [to_ann] = digests(settings, to["ann"])
    assert "Junior Python developer" in to_ann and f"/jobs/{python['id']}" in to_ann
    assert "Data analyst" not in to_ann
    [to_bob] = digests(settings, to["bob"])
    assert f"/jobs/{analyst['id']}" in to_bob and "Junior Python" not in to_bob
    assert to_bob.count("Data analyst") == 1  # not the posting in Boston
    assert digests(settings, to["cy"]) == []
    assert digests(settings, to["acme"]) == []
    assert run_job(injector, "compose_job_digests") == 0  # nothing twice

    later = post_job(client, acme, "Backend engineer", "Python services with Flask.")
    assert run_job(injector, "compose_job_digests") == 0  # Ann had today's digest
    post_job(client, acme, "Senior data analyst", "SQL in Chicago.", location="Chicago")
    client.post(f"/jobs/{later['id']}/close", headers=acme)
    gone = post_job(client, acme, "Data analyst intern", "Reports.", location="Chicago")
    client.post(f"/jobs/{gone['id']}/close", headers=acme)
    clock.advance(days=1)
    bob = log_in(client, to["bob"])
    assert run_job(injector, "compose_job_digests") == 2
    for student in ("ann", "bob"):  # SQL is the one skill it names, and Ann's
        sent = digests(settings, to[student])
        [second] = [text for text in sent if "Senior data analyst" in text]
        assert len(sent) == 2
        assert "Backend engineer" not in second and "intern" not in second  # closed

    inbox = client.get("/me/notifications", headers=bob).get_json()["items"]
    assert [n["kind"] for n in inbox if n["kind"] == "new_jobs_digest"] == \
        ["new_jobs_digest"] * 2


def test_saved_searches_are_their_owners_and_bad_ones_are_refused(client: Any) -> None:
    ann, bob = sign_up(client, "student"), sign_up(client, "student")
    acme = sign_up(client, "company")
    saved = client.post("/me/saved-searches", headers=ann, json={
        "keyword": "  python   developer ", "remote_only": True,
        "employment_types": ["FULLTIME", "PARTTIME"], "experience": "no_experience"})
    assert saved.status_code == 201, saved.get_data(as_text=True)
    search = saved.get_json()
    assert (search["keyword"], search["location"], search["remote_only"]) == (
        "python developer", "", True)
    assert search["employment_types"] == ["FULLTIME", "PARTTIME"]
    assert search["experience"] == "no_experience"
    assert [s["id"] for s in client.get("/me/saved-searches", headers=ann).get_json()] == [
        search["id"]]
    assert client.get("/me/saved-searches", headers=bob).get_json() == []
    assert_problem(client.delete(f"/me/saved-searches/{search['id']}", headers=bob), 404)
    assert_problem(client.post("/me/saved-searches", headers=acme,
                               json={"keyword": "python"}), 403)

    for bad in ({}, {"keyword": "   "}, {"keyword": "x" * 121}, {"remote_only": 1},
                {"keyword": "go", "employment_types": ["SOMETIMES"]},
                {"keyword": "go", "experience": "lots"}, {"keyword": 7}, []):
        assert_problem(client.post("/me/saved-searches", headers=bob, json=bad), 422)
    assert_problem(client.post("/me/saved-searches", headers=bob, data="{",
                               content_type="application/json"), 400)
    for n in range(9):
        assert client.post("/me/saved-searches", headers=ann,
                           json={"keyword": f"role {n}"}).status_code == 201
    assert_problem(client.post("/me/saved-searches", headers=ann,
                               json={"keyword": "one too many"}), 409)
    assert len(client.get("/me/saved-searches", headers=ann).get_json()) == 10

    assert client.delete(f"/me/saved-searches/{search['id']}", headers=ann).status_code == 204
    assert_problem(client.delete(f"/me/saved-searches/{search['id']}", headers=ann), 404)
    assert client.post("/me/saved-searches", headers=ann,
                       json={"keyword": "room again"}).status_code == 201
