"""Rate limits hold across the workers of one server on the embedded default: two apps
(two gunicorn workers, two processes' worth of state) over one data folder share their
counters, and the answer past the limit is a 429 problem with Retry-After and RateLimit-*."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.conftest import make_settings
from tests.driver import assert_problem, register


def test_two_workers_share_the_login_limit(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, RATE_LIMIT_LOGIN="4 per minute")
    injectors = [build_injector(settings) for _ in range(2)]
    workers: list[Any] = [create_app(i, settings).test_client() for i in injectors]
    try:
        assert register(workers[0], "ann@example.test").status_code == 201
        body = {"email": "ann@example.test", "password": "not her password 123"}
        answers = [workers[n % 2].post("/auth/login", json=body) for n in range(6)]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429, 429]
        limited = answers[4]
        problem = assert_problem(limited, 429)
        assert problem["type"].endswith("/rate-limited")
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["RateLimit-Limit"] == "4"
        assert limited.headers["RateLimit-Remaining"] == "0"
        assert int(limited.headers["RateLimit-Reset"]) > 0
    finally:
        for injector in injectors:
            injector.get(Engine).dispose()
