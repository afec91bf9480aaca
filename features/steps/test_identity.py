"""Steps of identity.feature: teacher approval on (it is off in the other features, where
teachers publish at once), identity reviewed by a platform admin (the embedded default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.settings import Settings
from features.steps.conftest import NAME, Platform
from tests.conftest import make_settings
from tests.integration.mail import body

scenarios("../identity.feature")

QUOTED = r'"(?P<{}>[^"]+)"'


@pytest.fixture
def settings(tmp_path: Path, features_database_template: Path) -> Settings:
    import shutil

    path = tmp_path / "eduport.sqlite3"
    shutil.copy(features_database_template, path)
    return make_settings(tmp_path, f"sqlite:///{path}", TEACHER_APPROVAL="true")


def _application(platform: Platform, name: str) -> dict[str, Any]:
    found: dict[str, Any] = platform.expect(200, platform.call(
        "GET", "/me/teacher-application", name))
    return found


@given(parsers.re(f"{NAME} tries to publish {QUOTED.format('course')}"))
@when(parsers.re(f"{NAME} tries to publish {QUOTED.format('course')}"))
def tries_to_publish(platform: Platform, name: str, course: str) -> None:
    platform.publish(name, course)


@then(parsers.re(f"{NAME} is told that her application is not approved yet"))
def not_approved_yet(platform: Platform, name: str) -> None:
    assert "not approved yet" in platform.problem(403)["detail"]


@when(parsers.re(f"{NAME} describes herself as {QUOTED.format('headline')} with "
                 f"{QUOTED.format('bio')}"))
def describes(platform: Platform, name: str, headline: str, bio: str) -> None:
    platform.call("PUT", "/me/teacher-application", name,
                  json={"headline": headline, "bio": bio})


@when(parsers.re(f"{NAME} asks to verify her identity"))
def asks_to_verify(platform: Platform, name: str) -> None:
    opened = platform.expect(200, platform.call("POST", "/me/identity-verification", name))
    assert opened["provider"] == "manual" and opened["status"] == "Not Started"


@when(parsers.re(f"{NAME} approves the identity of (?P<person>[A-Z]\\w*)"))
def approves_identity(platform: Platform, name: str, person: str) -> None:
    waiting = platform.expect(200, platform.call("GET", "/admin/identity-verifications", name))
    [theirs] = [v for v in waiting if v["user_id"] == platform.person(person).user_id]
    platform.expect(200, platform.call(
        "POST", f"/admin/identity-verifications/{theirs['id']}/approve", name))


def _decide(platform: Platform, admin: str, person: str, verb: str,
            reason: str | None = None) -> None:
    waiting = platform.expect(200, platform.call("GET", "/admin/teacher-applications", admin))
    [theirs] = [a for a in waiting if a["user_id"] == platform.person(person).user_id]
    platform.expect(200, platform.call(
        "POST", f"/admin/teacher-applications/{theirs['id']}/{verb}", admin,
        json={"reason": reason} if reason else None))


@when(parsers.re(f"{NAME} approves the teacher application of (?P<person>[A-Z]\\w*)"))
def approves(platform: Platform, name: str, person: str) -> None:
    _decide(platform, name, person, "approve")


@when(parsers.re(f"{NAME} rejects the teacher application of (?P<person>[A-Z]\\w*) because "
                 f"{QUOTED.format('reason')}"))
def rejects(platform: Platform, name: str, person: str, reason: str) -> None:
    _decide(platform, name, person, "reject", reason)


@then(parsers.re(f"{NAME} is told by email that she is approved to teach"))
def told_approved(platform: Platform, name: str) -> None:
    assert platform.mails_to(name, "You are approved to teach on eduport")


@then(parsers.re(f"{NAME} is told by email that she was not approved because "
                 f"{QUOTED.format('reason')}"))
def told_rejected(platform: Platform, name: str, reason: str) -> None:
    [mail] = platform.mails_to(name, "Your teacher application on eduport")
    assert reason in body(mail)
    assert _application(platform, name)["reason"] == reason


@then(parsers.re(f"{NAME} may publish {QUOTED.format('course')}"))
def may_publish(platform: Platform, name: str, course: str) -> None:
    platform.expect(200, platform.publish(name, course))


@then(parsers.re(f"{NAME} cannot apply again without changing her profile"))
def unchanged(platform: Platform, name: str) -> None:
    mine = _application(platform, name)
    platform.call("PUT", "/me/teacher-application", name,
                  json={"headline": mine["headline"], "bio": mine["bio"]})
    assert "change your profile" in platform.problem(409)["detail"]


@then(parsers.re(f"the teacher application of {NAME} is pending again"))
def pending_again(platform: Platform, name: str) -> None:
    assert _application(platform, name)["status"] == "pending"


# --- a person's data: a copy, then its erasure (ADR 22) ---------------------------------------


@pytest.fixture
def copies() -> dict[str, str]:
    """The export each person asked for, by name."""
    return {}


@when(parsers.re(f"{NAME} asks for a copy of her data"))
def asks_for_a_copy(platform: Platform, copies: dict[str, str], name: str) -> None:
    asked = platform.expect(202, platform.call("POST", "/me/data-export", name))
    copies[name] = asked["id"]


@then(parsers.re(f"{NAME} is told by email that her copy is ready"))
def told_copy_ready(platform: Platform, name: str) -> None:
    assert platform.mails_to(name, "Your eduport data is ready")


@then(parsers.re(f"the copy of the data of {NAME} holds her account and her identity "
                 "verification"))
def copy_holds(platform: Platform, copies: dict[str, str], name: str) -> None:
    copy = platform.expect(200, platform.call("GET", f"/me/data-export/{copies[name]}", name))
    sections = copy["sections"]
    assert sections["account"]["profile"]["email"] == platform.person(name).email
    [verification] = sections["identity"]["verifications"]
    assert verification["provider"] == "manual"


@when(parsers.re(f"{NAME} erases her account with (?P<which>a wrong|her) password"))
def erases(platform: Platform, name: str, which: str) -> None:
    password = platform.person(name).password if which == "her" else "not my password"
    platform.call("DELETE", "/me", name, json={"password": password})


@then(parsers.re(f"{NAME} can no longer sign in"))
def cannot_sign_in(platform: Platform, name: str) -> None:
    platform.expect(204)
    for answer in (platform.call("GET", "/me", name), platform.sign_in(name)):
        platform.expect(401, answer)  # the session ended; the password opens nothing


@then(parsers.re(f"nothing eduport keeps names {NAME}"))
def nothing_names(platform: Platform, name: str) -> None:
    from sqlalchemy import Engine

    from tests.integration.privacy.walk import traces

    person = platform.person(name)
    assert traces(platform.injector.get(Engine), (person.email, name)) == {}
