"""Steps of live-classes.feature. The platform's clock is the Clock port's fake, so a class
of an hour runs in a moment, minute by minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from features.steps.conftest import NAME, Platform
from tests.conftest import ClockModule
from tests.unit.shared.fakes import FakeClock

scenarios("../live-classes.feature")

CLASS = r'"(?P<title>[^"]+)"'



@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def platform(settings: Settings, clock: FakeClock) -> Iterator[Platform]:
    from sqlalchemy import Engine

    from bootstrap import build_injector, create_app

    injector = build_injector(settings, ClockModule(clock))
    client = create_app(injector, settings).test_client()
    found = Platform(client, Path(settings.section(MessagingSettings).outbox_dir), injector)
    found.live_classes = {}  # type: ignore[attr-defined]
    yield found
    injector.get(Engine).dispose()


def _call(platform: Platform, method: str, path: str, name: str, **body: Any) -> Any:
    if not platform.person(name).sessions:
        platform.sign_in(name)
    return platform.call(method, path, name, json=body or None)


def _session(platform: Platform, title: str) -> str:
    found: str = platform.live_classes[title]  # type: ignore[attr-defined]
    return found


@given(parsers.re(f'{NAME} has scheduled the live class {CLASS} of "(?P<course>[^"]+)" '
                 r"for (?P<minutes>\d+) minutes"))
def schedules(platform: Platform, clock: FakeClock, name: str, title: str, course: str,
              minutes: str) -> None:
    path = f"/courses/{platform.course(course).id}/live-sessions"
    created = platform.expect(201, _call(platform, "POST", path, name, title=title,
                                         starts_at=clock.now().isoformat(),
                                         planned_minutes=int(minutes)))
    platform.live_classes[title] = created["id"]  # type: ignore[attr-defined]


@when(parsers.re(f"{NAME} starts the live class {CLASS}"))
def starts(platform: Platform, name: str, title: str) -> None:
    path = f"/live-sessions/{_session(platform, title)}/start"
    platform.expect(200, _call(platform, "POST", path, name))


@when(parsers.re(f"{NAME} ends the live class {CLASS}"))
def ends(platform: Platform, name: str, title: str) -> None:
    path = f"/live-sessions/{_session(platform, title)}/end"
    platform.expect(200, _call(platform, "POST", path, name))


@then(parsers.re(f'(?P<names>.+) are told that {CLASS} of "(?P<course>[^"]+)" has started'))
def told(platform: Platform, names: str, title: str, course: str) -> None:
    for name in names.split(" and "):
        assert platform.mails_to(name, f"{course}: the live class has started"), name
        inbox = platform.expect(200, _call(platform, "GET", "/me/notifications", name))
        assert any(item["kind"] == "live_session_started"
                   and item["data"]["title"] == title for item in inbox["items"])


@when(parsers.re(f"{NAME} tries to join {CLASS}"))
def joins(platform: Platform, name: str, title: str) -> None:
    _call(platform, "POST", f"/live-sessions/{_session(platform, title)}/join", name)


@then(parsers.re(f"{NAME} may join {CLASS} as a member of the audience"))
def joined_audience(platform: Platform, name: str, title: str) -> None:
    assert _join(platform, name, title)["role"] == "audience"


@then(parsers.re(f"{NAME} may join {CLASS} as its host"))
def joined_host(platform: Platform, name: str, title: str) -> None:
    assert _join(platform, name, title)["role"] == "host"


def _join(platform: Platform, name: str, title: str) -> dict[str, Any]:
    found: dict[str, Any] = platform.expect(200, _call(
        platform, "POST", f"/live-sessions/{_session(platform, title)}/join", name))
    return found


@when(parsers.re(f"{NAME} joins {CLASS} at once and stays for (?P<minutes>\\d+) minutes"))
def stays(platform: Platform, clock: FakeClock, name: str, title: str, minutes: str) -> None:
    _join(platform, name, title)
    platform.stay = (name, int(minutes))  # type: ignore[attr-defined]


@when(parsers.re(f"{NAME} joins {CLASS} (?P<late>\\d+) minutes in and leaves (?P<minutes>\\d+) "
                 "minutes later"))
def late(platform: Platform, clock: FakeClock, name: str, title: str, late: str,
         minutes: str) -> None:
    """Both people are in the room at once: their heartbeats interleave, the host's from
    the step before running all along."""
    host, host_minutes = platform.stay  # type: ignore[attr-defined]
    base = f"/live-sessions/{_session(platform, title)}"
    arrives, leaves = int(late) * 2, (int(late) + int(minutes)) * 2
    for tick in range(1, host_minutes * 2 + 1):
        clock.advance(seconds=30)
        platform.expect(200, _call(platform, "POST", f"{base}/heartbeat", host))
        if tick == arrives:
            _join(platform, name, title)
        elif arrives < tick < leaves:
            platform.expect(200, _call(platform, "POST", f"{base}/heartbeat", name))
        elif tick == leaves:
            platform.expect(200, _call(platform, "POST", f"{base}/leave", name))
    platform.expect(200, _call(platform, "POST", f"{base}/leave", host))


def _attendance(platform: Platform, title: str) -> dict[str, Any]:
    teacher = next(p.name for p in platform.people.values() if p.role == "teacher")
    found: dict[str, Any] = platform.expect(200, _call(
        platform, "GET", f"/live-sessions/{_session(platform, title)}/attendance", teacher))
    return found


@then(parsers.re(f"the attendance of {CLASS} shows (?P<first>[A-Z]\\w*) for (?P<a>\\d+) minutes "
                 "and (?P<second>[A-Z]\\w*) for (?P<b>\\d+) minutes"))
def attendance(platform: Platform, title: str, first: str, a: str, second: str,
               b: str) -> None:
    lines = {line["user_id"]: line["minutes"]
             for line in _attendance(platform, title)["participants"]}
    for name, minutes in ((first, a), (second, b)):
        assert lines[platform.person(name).user_id] == int(minutes), name


@then(parsers.re(f"the attendance of {CLASS} shows that {NAME} never joined"))
def never_joined(platform: Platform, title: str, name: str) -> None:
    absent = [a["user_id"] for a in _attendance(platform, title)["absent"]]
    assert absent == [platform.person(name).user_id]
