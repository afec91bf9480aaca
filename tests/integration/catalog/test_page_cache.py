"""The cached public listing: fast, and never older than the last catalog write it saw."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from adapters.outbound.persistence import tables as t
from bootstrap import build_injector, create_app
from tests.conftest import make_settings
from tests.driver import bearer, login, register

FREE = {"amount_minor": 0, "currency": "USD"}


def app_client(tmp_path: Path, database_url: str, **overrides: str) -> Any:
    settings = make_settings(tmp_path, database_url, **overrides)
    return create_app(build_injector(settings), settings).test_client()


def publish(client: Any, teacher: dict[str, str], slug: str) -> str:
    course = client.post("/courses", headers=teacher, json={
        "title": slug.title(), "slug": slug, "description": "", "price": FREE}).get_json()
    client.post(f"/courses/{course['id']}/lessons", headers=teacher,
                json={"title": "One", "slug": "one"})
    client.post(f"/courses/{course['id']}/publish", headers=teacher)
    return str(course["id"])


def titles(client: Any, **headers: str) -> list[str]:
    return [c["title"] for c in client.get("/courses", headers=headers).get_json()["items"]]


def rename_behind_the_apps_back(engine: Engine, title: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(t.courses).values(title=title))


def test_pages_come_from_cache_until_the_catalog_changes(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    client = app_client(tmp_path, database_url)
    register(client, "grace@example.test", "teacher")
    grace = bearer(login(client, "grace@example.test").get_json()["access_token"])
    publish(client, grace, "compilers")
    assert titles(client) == ["Compilers"]
    rename_behind_the_apps_back(engine, "Renamed in SQL")
    assert titles(client) == ["Compilers"]  # served without touching the database
    assert titles(client, Authorization=grace["Authorization"]) == ["Renamed in SQL"]
    publish(client, grace, "parsers")  # a catalog write through the API
    assert titles(client) == ["Parsers", "Renamed in SQL"]


def test_etags_let_clients_revalidate_for_free(tmp_path: Path, database_url: str) -> None:
    client = app_client(tmp_path, database_url)
    first = client.get("/courses?page=1&page_size=5")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=5"
    again = client.get("/courses?page_size=5&page=1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["X-Request-ID"]
    other = client.get("/courses?page=2&page_size=5", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_the_cache_can_be_turned_off(tmp_path: Path, database_url: str, engine: Engine) -> None:
    client = app_client(tmp_path, database_url, LISTING_CACHE_SECONDS="0")
    register(client, "grace@example.test", "teacher")
    grace = bearer(login(client, "grace@example.test").get_json()["access_token"])
    publish(client, grace, "compilers")
    assert titles(client) == ["Compilers"]
    rename_behind_the_apps_back(engine, "Renamed in SQL")
    assert titles(client) == ["Renamed in SQL"]
    assert "ETag" not in client.get("/courses").headers


@pytest.mark.redis
def test_a_write_in_one_process_invalidates_the_others_through_redis(
    tmp_path: Path, database_url: str, redis_url: str, engine: Engine
) -> None:
    queue = f"cache-{uuid.uuid4().hex[:8]}"
    writer = app_client(tmp_path, database_url, REDIS_URL=redis_url, EDUPORT_QUEUE=queue)
    reader = app_client(tmp_path, database_url, REDIS_URL=redis_url, EDUPORT_QUEUE=queue)
    register(writer, "grace@example.test", "teacher")
    grace = bearer(login(writer, "grace@example.test").get_json()["access_token"])
    publish(writer, grace, "compilers")
    time.sleep(1.1)
    assert titles(reader) == ["Compilers"]
    rename_behind_the_apps_back(engine, "Renamed in SQL")
    publish(writer, grace, "parsers")
    time.sleep(1.1)  # the reader checks the shared version once a second
    assert titles(reader) == ["Parsers", "Renamed in SQL"]
