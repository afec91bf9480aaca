"""``GET /jobs`` with JSearch configured against its local fake: outside postings join the
local ones, a repeated search is served from the cache, the monthly budget stops calls when
spent, and a failing board or a spent budget degrade to local postings and say so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import sign_up
from tests.vendor_servers.jsearch_server import DEFAULT_API_KEY, FakeJSearch


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeJSearch]:
    with FakeJSearch() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeJSearch) -> Settings:
    fake.clear_faults()
    fake.clear_log()
    fake.clear_jobs()
    fake.add_job(job_id="abc", title="Python developer", description="Python and SQL.")
    return make_settings(tmp_path, database_url, JSEARCH_API_KEY=DEFAULT_API_KEY,
                         JSEARCH_API_BASE=fake.url, JSEARCH_MONTHLY_QUOTA="2")


def test_outside_postings_join_local_ones_from_the_cache_within_the_budget(
        client: Any, fake: FakeJSearch) -> None:
    acme, ann = sign_up(client, "company"), sign_up(client, "student")
    assert client.post("/jobs", headers=acme, json={
        "title": "Python intern", "company": "Acme",
        "description": "Python for a summer."}).status_code == 201
    first = client.get("/jobs?keyword=python", headers=ann).get_json()
    assert [(j["source"], j["id"]) for j in first["items"]][1:] == [("external", "ext_abc")]
    assert first["items"][0]["source"] == "local"
    assert first["sources"] == ["local", "jsearch"] and first["unavailable"] == {}
    assert client.get("/jobs?keyword=%20Python%20", headers=ann).get_json() == first
    assert fake.request_count == 1  # the same search, spelt otherwise, came from the cache

    assert client.get("/jobs?keyword=sql", headers=ann).get_json()["sources"] == [
        "local", "jsearch"]
    spent = client.get("/jobs?keyword=rust", headers=ann).get_json()
    assert spent["unavailable"] == {"jsearch": "budget_spent"} and spent["items"] == []
    assert fake.request_count == 2


def test_a_failing_board_degrades_to_local_postings(client: Any, fake: FakeJSearch) -> None:
    acme, ann = sign_up(client, "company"), sign_up(client, "student")
    assert client.post("/jobs", headers=acme, json={
        "title": "Python intern", "company": "Acme",
        "description": "Python for a summer."}).status_code == 201
    fake.fail_next(1, 503)
    found = client.get("/jobs?keyword=python", headers=ann)
    assert found.status_code == 200
    assert [j["source"] for j in found.get_json()["items"]] == ["local"]
    assert found.get_json()["unavailable"] == {"jsearch": "failed"}
    again = client.get("/jobs?keyword=python", headers=ann).get_json()  # not cached: asked
    assert again["sources"] == ["local", "jsearch"]
