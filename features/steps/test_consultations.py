"""Steps of consultations.feature. The platform's clock is the Clock port's fake, so the
minutes of a consultation pass in a moment; credits are given by a platform admin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from features.steps import test_live_classes
from features.steps.conftest import NAME, Platform
from tests.unit.shared.fakes import FakeClock

scenarios("../consultations.feature")

# The live classes' platform, whose clock the steps move.
clock, platform = test_live_classes.clock, test_live_classes.platform

AMOUNT = r"(?P<{}>\d+\.\d\d) USD"


def _minor(amount: str) -> int:
    return int(Decimal(amount) * 100)


def _call(platform: Platform, method: str, path: str, name: str, **body: Any) -> Any:
    if not platform.person(name).sessions:
        platform.sign_in(name)
    return platform.call(method, path, name, json=body or None)


def _consultation(platform: Platform) -> str:
    found: str = platform.consultation  # type: ignore[attr-defined]
    return found


@given(parsers.re(f"{NAME} offers consultations at {AMOUNT.format('base')} plus "
                  f"{AMOUNT.format('rate')} a minute"))
def offers(platform: Platform, name: str, base: str, rate: str) -> None:
    platform.services = {name: platform.expect(201, _call(  # type: ignore[attr-defined]
        platform, "POST", "/consultation-services", name, title=f"{name}'s coaching",
        base_fee_minor=_minor(base), per_minute_minor=_minor(rate), currency="USD"))["id"]}


@given(parsers.re(f"{NAME} holds {AMOUNT.format('amount')} of credits"))
def holds(platform: Platform, name: str, amount: str) -> None:
    if "Root" not in platform.people:
        platform.create_admin("Root")
    path = f"/admin/users/{platform.person(name).user_id}/credits"
    platform.expect(200, _call(platform, "POST", path, "Root", amount_minor=_minor(amount),
                               currency="USD", reason="a gift", key="feature"))


@when(parsers.re(f"{NAME} starts a consultation with (?P<provider>[A-Z]\\w*)"))
def starts(platform: Platform, name: str, provider: str) -> None:
    service = platform.services[provider]  # type: ignore[attr-defined]
    started = platform.expect(201, _call(platform, "POST", "/consultations", name,
                                         service_id=service))
    platform.consultation = started["consultation"]["id"]  # type: ignore[attr-defined]
    platform.parties = (name, provider)  # type: ignore[attr-defined]


@when(parsers.re(f"{NAME} joins the consultation"))
def joins(platform: Platform, name: str) -> None:
    platform.expect(200, _call(platform, "POST", f"/consultations/{_consultation(platform)}/join",
                               name))


def _beat(platform: Platform, clock: FakeClock, minutes: int, *names: str) -> None:
    """Heartbeats every 30 s from ``names``, until the consultation stops by itself."""
    path = f"/consultations/{_consultation(platform)}/heartbeat"
    for _ in range(minutes * 2):
        clock.advance(seconds=30)
        for name in names:
            answer = _call(platform, "POST", path, name)
            if answer.status_code == 409:  # it ended: the credits ran out
                return
            platform.expect(200, answer)


@when(parsers.re(r"both are there for (?P<minutes>\d+) minutes"))
def both_there(platform: Platform, clock: FakeClock, minutes: str) -> None:
    _beat(platform, clock, int(minutes), *platform.parties)  # type: ignore[attr-defined]


@when(parsers.re(f"{NAME} drops out for (?P<minutes>\\d+) minutes while "
                 "(?P<other>[A-Z]\\w*) waits"))
def drops_out(platform: Platform, clock: FakeClock, name: str, minutes: str,
              other: str) -> None:
    _beat(platform, clock, int(minutes), other)


@when(parsers.re(f"{NAME} stops the consultation"))
def stops(platform: Platform, name: str) -> None:
    platform.expect(200, _call(platform, "POST", f"/consultations/{_consultation(platform)}/stop",
                               name))


def _seen(platform: Platform) -> dict[str, Any]:
    student = platform.parties[0]  # type: ignore[attr-defined]
    found: dict[str, Any] = platform.expect(200, _call(
        platform, "GET", f"/consultations/{_consultation(platform)}", student))
    return found


@then(parsers.re(f"the consultation is billed (?P<minutes>\\d+) minutes for "
                 f"{AMOUNT.format('cost')}"))
def billed(platform: Platform, minutes: str, cost: str) -> None:
    bill = _seen(platform)["bill"]
    assert (bill["minutes"], bill["cost"]["amount_minor"]) == (int(minutes), _minor(cost))


@then("the consultation has stopped because the credits ran out")
def ran_out(platform: Platform) -> None:
    seen = _seen(platform)
    assert (seen["status"], seen["stop_reason"]) == ("ended", "credits_exhausted")


@then(parsers.re(f"{NAME} holds {AMOUNT.format('amount')} of credits"))
def has_left(platform: Platform, name: str, amount: str) -> None:
    credits = platform.expect(200, _call(platform, "GET", "/me/credits", name))
    [usd] = credits["balances"]
    assert (usd["available"], usd["held"]) == (_minor(amount), 0)
    captures = [e for e in credits["entries"] if e["kind"] == "capture"]
    assert len(captures) == 1  # billed once, whoever stopped and however often
