"""Failed sign-ins on one address: five free, then each next attempt waits twice as long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.accounts.throttle import LoginAttempts, TooManyAttempts, attempts_key

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def failed(times: int, every: timedelta = timedelta(seconds=0)) -> LoginAttempts:
    attempts, at = LoginAttempts("k"), NOW
    for _ in range(times):
        attempts = attempts.after_failure(at)
        at += every
    return attempts


def test_five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() -> None:
    assert failed(5).blocked_until is None
    waits = [failed(n).blocked_until - NOW for n in (6, 7, 8, 9)]  # type: ignore[operator]
    assert waits == [timedelta(seconds=s) for s in (1, 2, 4, 8)]
    assert failed(40).blocked_until == NOW + timedelta(minutes=15)


def test_a_held_address_is_refused_with_the_seconds_to_wait() -> None:
    held = failed(7)  # 2 s
    with pytest.raises(TooManyAttempts) as refused:
        held.ensure_may_try(NOW + timedelta(milliseconds=500))
    assert refused.value.retry_after == 2
    held.ensure_may_try(NOW + timedelta(seconds=2))  # its time has come


def test_failures_an_hour_old_are_forgotten() -> None:
    assert failed(6).after_failure(NOW + timedelta(hours=1)).failures == 1


def test_the_key_is_a_digest_of_the_address_however_it_is_written() -> None:
    key = attempts_key(" Ann@Example.TEST ")
    assert key == attempts_key("ann@example.test") and len(key) == 64
    assert "ann" not in key
