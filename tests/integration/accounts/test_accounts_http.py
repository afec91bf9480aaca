"""Accounts through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from adapters.outbound.persistence.tables import users
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import JWT_SECRET, make_settings
from tests.driver import PASSWORD, assert_problem, bearer, count, login, register
from tests.integration.mail import link_token, messages


def test_register_verify_login_refresh_and_me(client: Any, settings: Settings) -> None:
    assert register(client, "Ann@Example.test").status_code == 202
    mail = Path(settings.section(MessagingSettings).outbox_dir)
    subjects = sorted(m["Subject"] for m in messages(mail))
    assert subjects == ["Confirm your email address", "Welcome to eduport"]

    session = login(client, "ann@example.test").get_json()
    me = client.get("/me", headers=bearer(session["access_token"])).get_json()
    assert me["email"] == "ann@example.test" and me["email_verified"] is False

    token = link_token(mail, "ann@example.test", "Confirm your email address")
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 200
    assert_problem(client.post("/auth/verify-email", json={"token": token}), 400)  # single use
    assert client.get("/me", headers=bearer(session["access_token"])).get_json()[
        "email_verified"] is True

    renewed = client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert renewed.status_code == 200
    assert renewed.get_json()["refresh_token"] != session["refresh_token"]
    replayed = client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_problem(replayed, 401)


def test_login_does_not_reveal_whether_an_email_exists(client: Any) -> None:
    register(client, "ann@example.test")
    wrong_password = assert_problem(login(client, "ann@example.test", "wrong password!"), 401)
    unknown = assert_problem(login(client, "ghost@example.test"), 401)
    assert wrong_password["detail"] == unknown["detail"]


def test_password_reset_flow_ends_old_sessions(client: Any, settings: Settings) -> None:
    register(client, "ann@example.test")
    old = login(client, "ann@example.test").get_json()
    for address in ("ann@example.test", "ghost@example.test"):
        answer = client.post("/auth/password-reset", json={"email": address})
        assert answer.status_code == 202 and answer.get_json() == {"status": "accepted"}
    mail = Path(settings.section(MessagingSettings).outbox_dir)
    token = link_token(mail, "ann@example.test", "Reset your password")
    done = client.post("/auth/password-reset/confirm",
                       json={"token": token, "new_password": "an entirely new secret"})
    assert done.status_code == 204
    assert_problem(login(client, "ann@example.test"), 401)
    assert login(client, "ann@example.test", "an entirely new secret").status_code == 200
    assert_problem(client.post("/auth/refresh", json={"refresh_token": old["refresh_token"]}), 401)


def test_bad_input_gets_problems_and_changes_nothing(client: Any, engine: Any) -> None:
    assert_problem(client.post("/auth/register", data="{not json",
                               content_type="application/json"), 400)
    invalid = assert_problem(client.post("/auth/register", json={
        "email": "nope", "password": 12, "full_name": "", "role": "platform_admin"}), 422)
    assert set(invalid["errors"]) == {"email", "password", "full_name", "role"}
    weak = assert_problem(register_with(client, password="short"), 422)
    assert "password" in weak["detail"]
    assert register_with(client).status_code == 202  # the refused attempts kept nothing
    first = register(client, "ann@example.test")
    again = register(client, "ANN@example.test")  # taken: the same answer, nothing stored
    assert (first.status_code, first.get_json()) == (again.status_code, again.get_json())
    assert count(engine, users) == 2


def register_with(client: Any, **fields: Any) -> Any:
    body = {"email": "x@example.test", "password": PASSWORD, "full_name": "X", "role": "student"}
    return client.post("/auth/register", json={**body, **fields})


def test_401_for_missing_forged_or_expired_tokens_and_403_for_roles(client: Any) -> None:
    register(client, "ann@example.test")
    token = login(client, "ann@example.test").get_json()["access_token"]
    missing = client.get("/me")
    assert_problem(missing, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.get("/me", headers=bearer(token[:-3] + "abc")), 401)
    now = datetime.now(UTC)
    expired = jwt.encode({"iss": "eduport", "aud": "access", "sub": "u", "role": "student",
                          "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)},
                         JWT_SECRET, "HS256")
    assert "expired" in assert_problem(client.get("/me", headers=bearer(expired)), 401)["detail"]
    other_key = jwt.encode({"iss": "eduport", "aud": "access", "sub": "u", "role":
                            "platform_admin", "iat": now, "exp": now + timedelta(minutes=5)},
                           "another-secret-another-secret-another", "HS256")
    assert_problem(client.get("/admin/audit", headers=bearer(other_key)), 401)
    assert_problem(client.get("/admin/audit", headers=bearer(token)), 403)


def test_admin_changes_roles_and_reads_the_audit_log(injector: Any, client: Any) -> None:
    from application.accounts.create_admin import CreateAdmin, CreateAdminCommand

    injector.get(CreateAdmin)(CreateAdminCommand("root@example.test", PASSWORD, "Root"))
    register(client, "ann@example.test")
    user_id = client.get("/me", headers=bearer(login(client, "ann@example.test").get_json()[
        "access_token"])).get_json()["user_id"]
    admin = login(client, "root@example.test").get_json()["access_token"]
    changed = client.put(f"/admin/users/{user_id}/role", json={"role": "teacher"},
                         headers=bearer(admin))
    assert changed.status_code == 200 and changed.get_json()["role"] == "teacher"
    assert_problem(client.put("/admin/users/nobody/role", json={"role": "teacher"},
                              headers=bearer(admin)), 404)
    assert_problem(client.put(f"/admin/users/{user_id}/role", json={"role": "king"},
                              headers=bearer(admin)), 422)
    demoted = login(client, "ann@example.test").get_json()["access_token"]
    client.put(f"/admin/users/{user_id}/role", json={"role": "student"}, headers=bearer(admin))
    stale = assert_problem(client.get("/me", headers=bearer(demoted)), 401)
    assert "sign in again" in stale["detail"]  # the role change applies at once
    actions = [r["action"] for r in client.get("/admin/audit", headers=bearer(admin)).get_json()]
    assert "user.role_changed" in actions and "login.succeeded" in actions
    assert "user.registered" in actions


def test_oversized_bodies_are_refused(client: Any, settings: Settings) -> None:
    huge = "x" * (settings.max_request_bytes + 1)
    assert_problem(client.post("/auth/register", data=json.dumps({"email": huge}),
                               content_type="application/json"), 413)


def test_request_ids_probes_and_openapi(client: Any) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-12345678"})
    assert given.headers["X-Request-ID"] == "abc-12345678"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    ready = client.get("/readyz").get_json()
    assert ready == {"status": "ready", "checks": {"database": "ok"}}
    spec = client.get("/openapi.json").get_json()
    assert "/auth/login" in spec["paths"] and spec["openapi"].startswith("3.")
    assert client.get("/docs").status_code == 200
    assert_problem(client.get("/no/such/path"), 404)


def test_swagger_ui_is_served_from_here_so_it_works_offline(client: Any) -> None:
    import re

    page = client.get("/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 3 and all(a.startswith("/docs/assets/") for a in assets), assets
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.data) > 10_000, asset
        served.close()
    assert "/docs/assets/" not in json.dumps(client.get("/openapi.json").get_json()["paths"])
    assert_problem(client.get("/docs/assets/../../app.py"), 404)
    assert_problem(client.delete("/auth/login"), 405)


def test_readiness_reports_an_unreachable_redis(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, REDIS_URL="redis://127.0.0.1:1/0")
    client = create_app(build_injector(settings), settings).test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_login_and_registration_are_rate_limited(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, RATE_LIMIT_LOGIN="3 per minute",
                             RATE_LIMIT_REGISTER="2 per minute")
    client = create_app(build_injector(settings), settings).test_client()
    statuses = [login(client, "ghost@example.test").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert_problem(login(client, "ghost@example.test"), 429)
    codes = [register_with(client, email=f"u{i}@example.test").status_code for i in range(3)]
    assert codes == [202, 202, 429]


def test_cors_allows_only_configured_origins(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url,
                             CORS_ALLOWED_ORIGINS="https://app.example.test")
    client = create_app(build_injector(settings), settings).test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://app.example.test"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.test"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_logs_are_json_with_request_ids_and_no_secrets(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.logging import JsonFormatter

    with caplog.at_level(logging.INFO):
        register(client, "ann@example.test")
        login(client, "ann@example.test", "a secret guess!")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    requests = [json.loads(line) for line in lines if '"message": "request"' in line]
    assert requests and all(len(entry["request_id"]) == 32 for entry in requests)
    assert not any(PASSWORD in line or "a secret guess!" in line for line in lines)


@pytest.mark.parametrize("weak", ["1234567890", "password12", "qwertyuiop", "ann@example.test1",
                                  "annlee2026!"])
def test_passwords_easy_to_guess_are_refused_with_the_reason(client: Any, weak: str) -> None:
    answer = client.post("/auth/register", json={
        "email": "ann@example.test", "password": weak, "full_name": "Ann Lee",
        "role": "student"})
    problem = assert_problem(answer, 422)
    (reason,) = problem["errors"]["password"]
    assert reason.startswith("choose a password that is harder to guess")
    assert register(client, "ann@example.test").status_code == 202  # nothing was kept
