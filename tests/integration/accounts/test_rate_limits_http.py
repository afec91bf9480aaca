"""Rate limits hold across the workers of one server on the embedded default: two apps
(two gunicorn workers, two processes' worth of state) over one data folder share their
counters, and the answer past the limit is a 429 problem with Retry-After and RateLimit-*."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.conftest import ClockModule, make_settings
from tests.driver import PASSWORD, assert_problem, register, sign_up
from tests.unit.shared.fakes import FakeClock


def test_two_workers_share_the_login_limit(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, RATE_LIMIT_LOGIN="4 per minute")
    injectors = [build_injector(settings) for _ in range(2)]
    workers: list[Any] = [create_app(i, settings).test_client() for i in injectors]
    try:
        assert register(workers[0], "ann@example.test").status_code == 202
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


# --- the named limits (ADR 16) ----------------------------------------------------------------


def app_with(tmp_path: Path, database_url: str, clock: Any = None, **limits: str) -> Any:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url, **limits)
    injector = build_injector(settings, *([ClockModule(clock)] if clock else []))
    return injector, create_app(injector, settings).test_client()


def from_address(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_every_authenticated_call_counts_per_user(tmp_path: Path, database_url: str) -> None:
    injector, client = app_with(tmp_path, database_url, RATE_LIMIT_AUTHENTICATED="3 per minute")
    try:
        ann, bob = sign_up(client, "student"), sign_up(client, "student")
        answers = [client.get("/me", headers=ann).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = client.get("/me/enrollments", headers=ann)  # every endpoint, one count
        assert_problem(limited, 429)
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["RateLimit-Limit"] == "3"
        assert client.get("/me", headers=bob).status_code == 200  # another user's own count
        assert client.get("/courses").status_code == 200  # no token: not counted per user
        forged = {"Authorization": "Bearer not-a-token"}
        assert_problem(client.get("/me", headers=forged), 401)  # refused, not counted
    finally:
        injector.get(Engine).dispose()


def test_password_resets_count_per_address_and_per_account_known_or_not(
        tmp_path: Path, database_url: str) -> None:
    injector, client = app_with(tmp_path, database_url, RATE_LIMIT_PASSWORD_RESET="2 per hour")
    try:
        assert register(client, "ann@example.test").status_code == 202

        def reset(email: str, address: str) -> int:
            code: int = client.post("/auth/password-reset", json={"email": email},
                                    **from_address(address)).status_code
            return code

        # One account, asked from three addresses: the third is refused.
        assert [reset("ann@example.test", f"10.0.0.{n}") for n in (1, 2, 3)] == [202, 202, 429]
        # The same for an address without an account: the 429 tells nothing.
        assert [reset("ghost@example.test", f"10.0.1.{n}") for n in (1, 2, 3)] == [202, 202, 429]
        # One client address asking for many accounts: the third is refused too.
        assert [reset(f"x{n}@example.test", "10.0.2.1") for n in (1, 2, 3)] == [202, 202, 429]
        mail_dir = Path(tmp_path) / "mail"
        resets = [p for p in mail_dir.rglob("*.eml") if b"Reset your password" in p.read_bytes()]
        assert len(resets) == 2  # not one per request
    finally:
        injector.get(Engine).dispose()


def test_verification_resends_and_checkouts_count_per_user(tmp_path: Path,
                                                          database_url: str) -> None:
    injector, client = app_with(tmp_path, database_url, RATE_LIMIT_VERIFICATION="1 per hour",
                                RATE_LIMIT_CHECKOUT="2 per minute")
    try:
        ann, bob = sign_up(client, "student"), sign_up(client, "student")
        resend = "/auth/verify-email/resend"
        assert client.post(resend, headers=ann, **from_address("10.0.0.1")).status_code == 202
        assert_problem(client.post(resend, headers=ann, **from_address("10.0.0.2")), 429)
        assert client.post(resend, headers=bob, **from_address("10.0.0.3")).status_code == 202
        body = {"course_ids": ["no-such-course"], "provider": "sandbox"}
        codes = [client.post("/checkout", headers=ann, json=body).status_code for _ in range(3)]
        assert codes[2] == 429 and 429 not in codes[:2]
        assert client.post("/checkout", headers=bob, json=body).status_code != 429
    finally:
        injector.get(Engine).dispose()


def test_webhooks_count_per_provider_and_the_limit_is_a_429(tmp_path: Path,
                                                           database_url: str) -> None:
    injector, client = app_with(tmp_path, database_url, RATE_LIMIT_WEBHOOKS="2 per minute")
    try:
        codes = [client.post("/webhooks/sandbox", data=b"{}",
                             content_type="application/json").status_code for _ in range(3)]
        assert codes[2] == 429 and 429 not in codes[:2]  # never a 2xx: the sender retries
        assert client.post("/webhooks/mailgun", data=b"{}",
                           content_type="application/json").status_code != 429
    finally:
        injector.get(Engine).dispose()


def test_failed_logins_on_one_account_wait_longer_and_longer_from_any_address(
        tmp_path: Path, database_url: str) -> None:
    """Eight addresses guessing one account's password as fast as they can for 15 seconds
    get a handful of guesses, not 80: after five failures each next one waits twice as long
    as the last (1 s, 2 s, 4 s...), whoever sends it."""
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    injector, client = app_with(tmp_path, database_url, clock)
    try:
        assert register(client, "ann@example.test").status_code == 202
        body = {"email": "ann@example.test", "password": "a wrong guess 123"}
        guesses, refusals, waits = 0, 0, []
        for tick in range(80):  # 80 attempts from 8 addresses over 15 s of the Clock
            answer = client.post("/auth/login", json=body,
                                 **from_address(f"10.0.0.{tick % 8}"))
            if answer.status_code == 401:
                guesses += 1
            else:
                problem = assert_problem(answer, 429)
                assert problem["type"].endswith("/too-many-attempts")
                waits.append(int(answer.headers["Retry-After"]))
                assert answer.headers["RateLimit-Remaining"] == "0"
                assert answer.headers["RateLimit-Reset"] == answer.headers["Retry-After"]
                refusals += 1
            clock.advance(seconds=15 / 80)
        assert 5 < guesses <= 10 and guesses + refusals == 80
        assert max(waits) >= 4  # it grew
        # The right password waits too while the account is held; afterwards it works and
        # clears the count.
        clock.advance(minutes=16)
        assert client.post("/auth/login", json={"email": "ann@example.test",
                                                "password": PASSWORD}).status_code == 200
        assert client.post("/auth/login", json=body).status_code == 401  # counting anew
    finally:
        injector.get(Engine).dispose()
