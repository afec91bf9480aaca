"""The embedded default's cron: the schedule run in process, each job when it is due."""

from __future__ import annotations

import logging
import threading

import pytest

from adapters.inbound.worker.inline_cron import InlineCron


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_jobs_run_at_start_then_every_interval() -> None:
    ticks, ran = Ticks(), []
    cron = InlineCron(ticks)
    cron.register(lambda: ran.append("relay"), "q", interval=10, name="relay")
    cron.register(lambda: ran.append("purge"), "q", interval=60, name="purge")

    assert cron.run_pending() == 10  # both caught up at start; the relay is next
    ticks.now += 9
    assert cron.run_pending() == 1
    ticks.now += 1
    assert cron.run_pending() == 10
    ticks.now += 50
    cron.run_pending()
    assert ran == ["relay", "purge", "relay", "relay", "purge"]


def test_a_failing_job_is_logged_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    ticks, calls = Ticks(), []

    def flaky() -> None:
        calls.append(ticks.now)
        if len(calls) == 1:
            raise RuntimeError("database is locked")

    cron = InlineCron(ticks)
    cron.register(flaky, "q", interval=5, name="sweep_payments")
    with caplog.at_level(logging.ERROR):
        cron.run_pending()
    assert "scheduled job sweep_payments failed" in caplog.text
    ticks.now += 5
    cron.run_pending()
    assert calls == [1000.0, 1005.0]


def test_run_stops_when_asked() -> None:
    stop, ran = threading.Event(), []
    cron = InlineCron()
    cron.register(lambda: (ran.append(1), stop.set()), "q", interval=3600, name="once")
    runner = threading.Thread(target=cron.run, args=(stop,))
    runner.start()
    runner.join(5)
    assert not runner.is_alive() and ran == [1]


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="relay"):
        InlineCron().register(lambda: None, "q", interval=0, name="relay")
