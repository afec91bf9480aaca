"""Steps of institutions.feature and invoicing.feature on the embedded default (eduport
bills institutions itself, at a seat price of 1.50 USD; mail goes to the local outbox)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from standardwebhooks.webhooks import Webhook

from adapters.inbound.worker.jobs import run_job
from adapters.outbound.institutions.signing import RandomSigningSecrets
from adapters.settings import Settings
from application.institutions.generate_invoices import GenerateInvoices
from domain.institutions.invoices import previous_period
from features.steps import test_live_classes
from features.steps.conftest import BAD_LINK, CONFIRM_SUBJECT, NAME, REFUSED, Platform
from tests.conftest import make_settings
from tests.driver import deliver, uploaded
from tests.integration.mail import body
from tests.integration.privacy.test_personal_data_http import PDF

scenarios("../institutions.feature", "../invoicing.feature")

# The live classes' platform, whose clock the steps move (the ladder runs over weeks).
clock, platform = test_live_classes.clock, test_live_classes.platform

INSTITUTION = r'"(?P<institution>[^"]+)"'
DOMAIN = r'"(?P<domain>[^"]+)"'


@pytest.fixture
def invoicing() -> dict[str, Any]:
    """When the scenario's invoices were issued."""
    return {}


@pytest.fixture
def institutions() -> dict[str, dict[str, Any]]:
    """The institutions the steps created, by name."""
    return {}


def address(domain: str) -> str:
    return f"billing@{domain}"


@when(parsers.re(f'{NAME} creates the institution {INSTITUTION} at {DOMAIN} on the '
                 r'"(?P<plan>[a-z]+)" plan$'))
@given(parsers.re(f"{NAME} has created the institution {INSTITUTION} at {DOMAIN}"
                  r"(?: with a storage quota of (?P<quota>\d+) bytes)?$"))
def creates(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
            institution: str, domain: str, plan: str = "basic",
            quota: str | None = None) -> None:
    institutions[institution] = platform.expect(201, platform.call(
        "POST", "/admin/institutions", name, json={
            "name": institution, "primary_email": address(domain), "domain": domain,
            "plan": plan, "storage_quota_bytes": int(quota or 10**10)}))


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


@given(parsers.re(f"{NAME}, a student with a confirmed address at {DOMAIN}, has uploaded a "
                  r"CV of (?P<size>\d+) bytes"))
def uploads_cv(platform: Platform, name: str, domain: str, size: str) -> None:
    platform.expect(202, platform.sign_up(name, "student", f"{name.lower()}@{domain}"))
    platform.call("POST", "/auth/verify-email", json={
        "token": platform.token_mailed_to(name, CONFIRM_SUBJECT)})
    assert platform.profile(name)["email_verified"]
    uploaded(platform.client, platform.headers(name), "cv", platform.profile(name)["user_id"],
             PDF.ljust(int(size), b" "), "application/pdf")


@when(parsers.re(r"the storage of every institution is measured each night for "
                 r"(?P<nights>\d+) nights"))
def measured(platform: Platform, clock: Any, nights: str) -> None:
    start = clock.now()
    for night in range(int(nights)):
        clock.current = (start + timedelta(days=night + 1)).replace(hour=2, minute=30)
        run_job(platform.injector, "measure_storage_use")


@then(parsers.re(f'{NAME} sees one alert "(?P<message>[^"]+)" for {INSTITUTION}'))
def one_alert(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
              message: str, institution: str) -> None:
    platform.expect(200, platform.sign_in(name))  # days went by: a new session
    alerts = platform.expect(200, platform.call("GET", "/admin/alerts", name))
    assert [(a["message"], a["institution_id"]) for a in alerts] == [
        (message, institutions[institution]["id"])]


@then(parsers.re(f"{INSTITUTION} is warned once that it is using (?P<percent>\\d+)% of its "
                 "storage quota"))
def warned_once(platform: Platform, institutions: dict[str, dict[str, Any]], institution: str,
                percent: str) -> None:
    subject = f"{institution} is using {percent}% of its storage quota"
    primary = institutions[institution]["primary_email"]
    assert len([m for m in platform.mails(subject) if m["To"] == primary]) == 1


@pytest.fixture
def settings(tmp_path: Path, features_database_template: Path) -> Settings:
    """The features' embedded defaults, with a price per seat."""
    path = tmp_path / "eduport.sqlite3"
    shutil.copy(features_database_template, path)
    return make_settings(tmp_path, f"sqlite:///{path}", INVOICE_SEAT_PRICE_MINOR="150")


def last_month() -> str:
    return previous_period(datetime.now(UTC).date())


@given(parsers.re(f"{INSTITUTION} has reported (?P<students>\\d+) students"))
def reported(platform: Platform, institutions: dict[str, dict[str, Any]], institution: str,
             students: str) -> None:
    found = institutions[institution]
    secret = platform.expect(200, platform.call(
        "GET", f"/admin/institutions/{found['id']}/signing-secret", "Root"))["signing_secret"]
    data = json.dumps({"institution_id": found["id"], "metric": "students",
                       "value": int(students)})
    now = datetime.now(UTC)
    platform.expect(200, platform._answered(deliver(platform.client, "institution-sync",
                                                    data.encode(), {
        "webhook-id": "students-1", "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("students-1", now, data)})))


@when(parsers.re("last month is invoiced(?: again)?"))
def invoiced(platform: Platform, clock: Any, invoicing: dict[str, Any]) -> None:
    invoicing.setdefault("issued", clock.now())
    run = platform.injector.get(GenerateInvoices)(last_month())
    assert run.failed == []


@then(parsers.re(f"{INSTITUTION} has one invoice for last month, for (?P<seats>\\d+) seats"))
def one_invoice(platform: Platform, institutions: dict[str, dict[str, Any]], institution: str,
                seats: str) -> None:
    found = platform.expect(200, platform.call(
        "GET", f"/admin/institutions/{institutions[institution]['id']}/invoices", "Root"))
    [invoice] = found
    assert invoice["period"] == last_month()
    assert [(line["kind"], line["quantity"]) for line in invoice["lines"]] == [
        ("seats", int(seats))]


@then(parsers.re(f"{INSTITUTION} is sent its invoice once"))
def sent_once(platform: Platform, institutions: dict[str, dict[str, Any]],
              institution: str) -> None:
    primary = institutions[institution]["primary_email"]
    subject = f"Invoice for {institution}, {last_month()}"
    assert len([m for m in platform.mails(subject) if m["To"] == primary]) == 1


@when(parsers.re(f"the invoice of {INSTITUTION} is (?P<days>\\d+) days past due"))
def past_due(platform: Platform, clock: Any, invoicing: dict[str, Any], institution: str,
             days: str) -> None:
    issued = invoicing["issued"]
    # Due 30 days after it was issued; a day more, at 10:00, is past the step for sure.
    clock.current = (issued + timedelta(days=30 + int(days) + 1)).replace(hour=10)
    run_job(platform.injector, "chase_overdue_invoices")


@then(parsers.re(f"{INSTITUTION} is reminded that its invoice is (?P<days>\\d+) days past "
                 "due"))
def reminded(platform: Platform, institutions: dict[str, dict[str, Any]], institution: str,
             days: str) -> None:
    primary = institutions[institution]["primary_email"]
    found = [body(m) for m in platform.mails() if m["To"] == primary
             and str(m["Subject"]).startswith("Reminder:")]
    assert [text for text in found if f"is {days} days past due" in text]


@then(parsers.re(f"{NAME} sees {INSTITUTION} flagged past due"))
def flagged(platform: Platform, institutions: dict[str, dict[str, Any]], name: str,
            institution: str) -> None:
    platform.expect(200, platform.sign_in(name))  # weeks went by: a new session
    shown = platform.expect(200, platform.call(
        "GET", f"/admin/institutions/{institutions[institution]['id']}", name))
    assert shown["past_due_since"]
    alerts = platform.expect(200, platform.call("GET", "/admin/alerts", name))
    assert [a["type"] for a in alerts] == ["past_due"]
