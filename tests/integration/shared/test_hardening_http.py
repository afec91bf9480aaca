"""Hardened answers and files: no sniffing or framing, a restrictive CSP (the Swagger UI page
gets the one it needs), nothing cached that carries a token or personal data, HSTS in
production, Vary: Origin with CORS; and every file eduport creates readable by its owner only.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.conftest import make_settings
from tests.driver import published_course, sign_up
from tests.integration.shared.test_cli import eduport


def test_every_answer_is_hardened_and_personal_ones_are_never_cached(client: Any) -> None:
    ann = sign_up(client, "teacher")
    course = published_course(client, ann)
    answers = {
        "login": client.post("/auth/login", json={"email": "x@example.test", "password": "x"}),
        "me": client.get("/me", headers=ann),
        "inbox": client.get("/me/notifications", headers=ann),
        "problem": client.get("/courses/none"),
        "catalog": client.get("/courses"),
        "course": client.get(f"/courses/{course['id']}"),
    }
    for name, answer in answers.items():
        headers = answer.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Content-Security-Policy"].startswith("default-src 'none'"), name
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], name
        assert "Strict-Transport-Security" not in headers, name  # not production
    for name in ("login", "me", "inbox", "problem", "course"):
        assert answers[name].headers["Cache-Control"] == "no-store", name
    assert answers["catalog"].headers["Cache-Control"].startswith("public")  # public data
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in docs.headers["Content-Security-Policy"]


def test_production_adds_hsts_and_cors_varies_by_origin(tmp_path: Path, database_url: str
                                                        ) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, EDUPORT_ENV="production",
                             CORS_ALLOWED_ORIGINS="https://app.example.test")
    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    try:
        answer = client.get("/courses", headers={"Origin": "https://app.example.test"})
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.test"
        assert "Origin" in answer.headers.get("Vary", "")
    finally:
        injector.get(Engine).dispose()


def test_files_eduport_creates_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    assert eduport(tmp_path, "migrate").returncode == 0
    made = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix in (".sqlite3", ".db") for p in made), made
    for path in made:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"
