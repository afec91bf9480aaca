"""Steps of messaging.feature: languages, the in-app inbox, bounces."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import parsers, scenarios, then, when

from features.steps.conftest import (
    MAILGUN_WEBHOOK_SIGNING_KEY,
    NAME,
    NOT_FOUND,
    RESET_SUBJECT,
    Platform,
)
from tests.driver import deliver
from tests.vendor_servers.mailgun_server import mailgun_webhook_body

scenarios("../messaging.feature")

ARABIC_WELCOME = "مرحبًا بك في eduport"


@when(parsers.re(f"{NAME} signs up as a student speaking Arabic"))
def signs_up_in_arabic(platform: Platform, name: str) -> None:
    platform.expect(202, platform.sign_up(name, "student", locale="ar"))


def _welcome_html(platform: Platform, name: str) -> str:
    (welcome,) = platform.mails_to(name, ARABIC_WELCOME)
    found: str = welcome.get_body(preferencelist=("html",)).get_content()
    return found


@then(parsers.re(f"{NAME} receives a welcome email in Arabic, written from right to left"))
def arabic_welcome(platform: Platform, name: str) -> None:
    assert 'dir="rtl" lang="ar"' in _welcome_html(platform, name)


@then("her name stands apart from the Arabic text around it")
def name_isolated(platform: Platform) -> None:
    person = next(iter(platform.people.values()))
    assert f"<bdi>{person.name}</bdi>" in _welcome_html(platform, person.name)


def _inbox(platform: Platform, name: str) -> dict[str, Any]:
    if not platform.person(name).sessions:
        platform.sign_in(name)
    found: dict[str, Any] = platform.expect(200, platform.call("GET", "/me/notifications",
                                                               name))
    return found


@then(parsers.re(f"{NAME} has (?P<count>\\d+) unread notifications?"))
def unread(platform: Platform, name: str, count: str) -> None:
    assert _inbox(platform, name)["unread"] == int(count)


@when(parsers.re(f"{NAME} reads his newest notification"))
def reads_newest(platform: Platform, name: str) -> None:
    newest = _inbox(platform, name)["items"][0]["id"]
    platform.expect(200, platform.call("POST", f"/me/notifications/{newest}/read", name))


@when(parsers.re(f"{NAME} marks every notification read"))
def reads_all(platform: Platform, name: str) -> None:
    platform.expect(200, platform.call("POST", "/me/notifications/read-all", name))


@when(parsers.re(f"{NAME} tries to read (?P<owner>[A-Z]\\w*)'s newest notification"))
def reads_anothers(platform: Platform, name: str, owner: str) -> None:
    newest = _inbox(platform, owner)["items"][0]["id"]
    platform.sign_in(name)
    platform.call("POST", f"/me/notifications/{newest}/read", name)


@then(parsers.re(f"{NAME} is told there is no such thing"))
def no_such_thing(platform: Platform, name: str) -> None:
    platform.expect(NOT_FOUND)


@when(parsers.re(f"the mail service reports that mail to {NAME} bounced for good"))
def bounced(platform: Platform, name: str) -> None:
    report = mailgun_webhook_body(MAILGUN_WEBHOOK_SIGNING_KEY, "failed", message_id="<m@mg>",
                                  recipient=platform.person(name).email, severity="permanent")
    platform.expect(200, platform._answered(deliver(platform.client, "mailgun",
                                                    json.dumps(report).encode())))


@then(parsers.re(f"{NAME}'s account shows that his address is undeliverable"))
def undeliverable(platform: Platform, name: str) -> None:
    assert platform.profile(name, fresh=True)["email_undeliverable"] == "bounced"


@when(parsers.re(f"{NAME} asks for a password reset"))
def asks_for_reset(platform: Platform, name: str) -> None:
    platform.expect(202, platform.call("POST", "/auth/password-reset",
                                       json={"email": platform.person(name).email}))


@then(parsers.re(f"{NAME} receives no password reset email"))
def no_reset_email(platform: Platform, name: str) -> None:
    assert platform.mails_to(name, RESET_SUBJECT) == []


SOCKET_ID = "1234.5678"  # what pusher-js gets from the channel service on connecting


@when(parsers.re(f"{NAME} asks to listen on (?:(?P<owner>[A-Z]\\w*)'s|her own|his own) "
                 "private channel"))
def asks_to_listen(platform: Platform, name: str, owner: str | None) -> None:
    holder = platform.person(owner or name)
    if not holder.user_id:
        holder.user_id = platform.profile(holder.name, fresh=True)["user_id"]
    if not platform.person(name).sessions:
        platform.sign_in(name)
    platform._answered(platform.client.post(
        "/broadcasting/auth", headers=platform.headers(name),
        data={"socket_id": SOCKET_ID, "channel_name": f"private-user.{holder.user_id}"}))


@then(parsers.re(f"{NAME} may listen"))
def may_listen(platform: Platform, name: str) -> None:
    assert ":" in platform.expect(200)["auth"]
