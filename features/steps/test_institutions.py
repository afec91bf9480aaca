"""Steps of institutions.feature on the embedded default (eduport bills institutions
itself, mail goes to the local outbox)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from standardwebhooks.webhooks import Webhook

from adapters.outbound.institutions.signing import RandomSigningSecrets
from features.steps.conftest import BAD_LINK, NAME, REFUSED, Platform
from tests.driver import deliver
from tests.integration.mail import body

scenarios("../institutions.feature")

INSTITUTION = r'"(?P<institution>[^"]+)"'
DOMAIN = r'"(?P<domain>[^"]+)"'


@pytest.fixture
def institutions() -> dict[str, dict[str, Any]]:
    """The institutions the steps created, by name."""
    return {}


def address(domain: str) -> str:
    return f"billing@{domain}"


@when(parsers.re(f'{NAME} creates the institution {INSTITUTION} at {DOMAIN} on the '
                 r'"(?P<plan>[a-z]+)" plan'))
@given(parsers.re(f"{NAME} has created the institution {INSTITUTION} at {DOMAIN}"))
def creates(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
            institution: str, domain: str, plan: str = "basic") -> None:
    institutions[institution] = platform.expect(201, platform.call(
        "POST", "/admin/institutions", name, json={
            "name": institution, "primary_email": address(domain), "domain": domain,
            "plan": plan, "storage_quota_bytes": 10**10}))


def seen_by_root(platform: Platform, institution: dict[str, Any], path: str = "") -> Any:
    return platform.expect(200, platform.call(
        "GET", f"/admin/institutions/{institution['id']}{path}", "Root"))


@then(parsers.re(f"{INSTITUTION} has a billing customer"))
def has_customer(platform: Platform, institutions: dict[str, dict[str, Any]],
                 institution: str) -> None:
    assert seen_by_root(platform, institutions[institution])["billing_customer_id"]


@then(parsers.re(f"{INSTITUTION} is welcomed at its primary address"))
def welcomed(platform: Platform, institutions: dict[str, dict[str, Any]],
             institution: str) -> None:
    primary = institutions[institution]["primary_email"]
    [welcome] = [m for m in platform.mails(f"Welcome to eduport, {institution}")
                 if m["To"] == primary]
    assert institution in body(welcome)


@then(parsers.re(f"the activity of {INSTITUTION} says {NAME} created it"))
def created_by(platform: Platform, institutions: dict[str, dict[str, Any]], institution: str,
               name: str) -> None:
    trail = seen_by_root(platform, institutions[institution], "/activity")
    [created] = [a for a in trail if a["kind"] == "institution_created"]
    assert created["actor_id"] == platform.profile(name)["user_id"]


@given(parsers.re(f"{NAME} runs {INSTITUTION}"))
def runs(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
         institution: str) -> None:
    platform.expect(202, platform.sign_up(name, "student"))
    platform.expect(200, platform.sign_in(name))
    user = platform.profile(name)["user_id"]
    platform.expect(200, platform.call("PUT", f"/admin/users/{user}/role", "Root",
                                       json={"role": "institution_admin"}))
    platform.expect(200, platform.sign_in(name))  # a new role ends the old sessions
    platform.expect(204, platform.call(
        "PUT", f"/admin/institutions/{institutions[institution]['id']}/admins/{user}",
        "Root"))


@then(parsers.re(f"{NAME} sees the institution {INSTITUTION}"))
def sees(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
         institution: str) -> None:
    mine = platform.expect(200, platform.call("GET", "/institution", name))
    assert mine["id"] == institutions[institution]["id"]


@then(parsers.re(f"{NAME} is refused the institution {INSTITUTION}"))
def refused_other(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
                  institution: str) -> None:
    platform.expect(REFUSED, platform.call(
        "GET", f"/admin/institutions/{institutions[institution]['id']}", name))


@when(parsers.re(r"a report of (?P<value>\d+) (?P<metric>students|faculty) for "
                 f"{INSTITUTION} arrives signed with another key"))
def forged_report(platform: Platform, institutions: dict[str, dict[str, Any]], value: str,
                  metric: str, institution: str) -> None:
    data = json.dumps({"institution_id": institutions[institution]["id"], "metric": metric,
                       "value": int(value)})
    now, forger = datetime.now(UTC), Webhook(RandomSigningSecrets().new_secret())
    platform._answered(deliver(platform.client, "institution-sync", data.encode(), {
        "webhook-id": "msg_forged", "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": forger.sign("msg_forged", now, data)}))


@then("the report is refused")
def report_refused(platform: Platform) -> None:
    platform.problem(BAD_LINK)


@then(parsers.re(f"{INSTITUTION} still counts (?P<value>\\d+) (?P<metric>students|faculty)"))
def still_counts(platform: Platform, institutions: dict[str, dict[str, Any]],
                 institution: str, value: str, metric: str) -> None:
    assert seen_by_root(platform, institutions[institution])[metric] == int(value)
