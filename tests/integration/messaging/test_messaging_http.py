"""Messaging through the public API: languages, the in-app inbox, preferences, the delivery
log, and bounces and complaints reported by Mailgun and SendGrid through the webhook inbox."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import PASSWORD, assert_problem, create_admin, deliver, log_in
from tests.integration.mail import body, messages
from tests.vendor_servers.mailgun_server import mailgun_webhook_body
from tests.vendor_servers.sendgrid_server import SendGridSigner, sendgrid_event

MAILGUN_KEY = "whsk-test-signing-key"
SIGNER = SendGridSigner()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY,
                         SENDGRID_WEBHOOK_PUBLIC_KEY=SIGNER.public_key_base64())


def mail(settings: Settings, to: str) -> list[Any]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    return [m for m in messages(folder) if m["To"] == to]


def sign_up(client: Any, email: str, **headers: str) -> dict[str, str]:
    answer = client.post("/auth/register", headers=headers, json={
        "email": email, "password": PASSWORD, "full_name": "Layla Haddad", "role": "student"})
    assert answer.status_code == 202, answer.get_data(as_text=True)
    return log_in(client, email)


def test_the_language_comes_from_accept_language_and_can_be_changed(
        client: Any, settings: Settings) -> None:
    layla = sign_up(client, "layla@example.test", **{"Accept-Language": "fr;q=0.9, ar-EG"})
    (welcome,) = [m for m in mail(settings, "layla@example.test")
                  if m["Subject"] == "مرحبًا بك في eduport"]
    html = welcome.get_body(preferencelist=("html",)).get_content()
    assert 'dir="rtl" lang="ar"' in html and "<bdi>Layla Haddad</bdi>" in html
    assert "\u2068Layla Haddad\u2069" in body(welcome)
    assert client.get("/me", headers=layla).get_json()["locale"] == "ar"
    changed = client.patch("/me", headers=layla, json={"locale": "en"})
    assert changed.status_code == 200 and changed.get_json()["locale"] == "en"
    assert_problem(client.patch("/me", headers=layla, json={"locale": "fr"}), 422)
    english = sign_up(client, "ann@example.test")
    assert client.get("/me", headers=english).get_json()["locale"] == "en"


def test_the_inbox_lists_marks_read_and_answers_304_when_nothing_changed(client: Any) -> None:
    ann = sign_up(client, "ann@example.test")
    bob = sign_up(client, "bob@example.test")
    page = client.get("/me/notifications", headers=ann)
    assert page.status_code == 200 and page.get_json()["unread"] == 2
    kinds = [item["kind"] for item in page.get_json()["items"]]
    assert sorted(kinds) == ["verify_email", "welcome"]
    assert all("token" not in json.dumps(item) for item in page.get_json()["items"])
    etag = {"If-None-Match": page.headers["ETag"]}
    again = client.get("/me/notifications", headers={**ann, **etag})
    assert again.status_code == 304
    first = page.get_json()["items"][0]["id"]
    assert_problem(client.post(f"/me/notifications/{first}/read", headers=bob), 404)
    read = client.post(f"/me/notifications/{first}/read", headers=ann)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    changed = client.get("/me/notifications", headers={**ann, **etag})
    assert changed.status_code == 200 and changed.get_json()["unread"] == 1
    assert client.post("/me/notifications/read-all", headers=ann).get_json() == {
        "marked_read": 1}
    assert client.get("/me/notifications", headers=ann).get_json()["unread"] == 0
    assert client.get("/me/notifications", headers=bob).get_json()["unread"] == 2
    assert_problem(client.get("/me/notifications"), 401)


def test_preferences_turn_emails_off_but_never_security_messages(
        client: Any, settings: Settings) -> None:
    ann = sign_up(client, "ann@example.test")
    kinds = {k["kind"]: k for k in client.get("/me/notification-preferences",
                                                headers=ann).get_json()["kinds"]}
    assert kinds["receipt"] == {"kind": "receipt", "email": True, "can_turn_off": True}
    assert kinds["password_reset"]["can_turn_off"] is False
    off = client.patch("/me/notification-preferences", headers=ann,
                       json={"email": {"receipt": False}})
    assert {k["kind"]: k["email"] for k in off.get_json()["kinds"]}["receipt"] is False
    refused = client.patch("/me/notification-preferences", headers=ann,
                           json={"email": {"password_reset": False}})
    assert "always emailed" in assert_problem(refused, 422)["detail"]
    assert_problem(client.patch("/me/notification-preferences", headers=ann,
                                json={"email": {"birthday": False}}), 422)


def test_admins_read_the_delivery_log(client: Any, injector: Any) -> None:
    ann = sign_up(client, "ann@example.test")
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    found = client.get("/admin/messages", headers=root,
                       query_string={"recipient": "ann@example.test"})
    assert found.status_code == 200
    assert sorted((d["kind"], d["status"], d["provider"]) for d in found.get_json()) == [
        ("verify_email", "sent", "file"), ("welcome", "sent", "file")]
    assert client.get("/admin/messages", headers=root,
                      query_string={"status": "bounced"}).get_json() == []
    assert_problem(client.get("/admin/messages", headers=ann), 403)
    assert_problem(client.get("/admin/messages", headers=root,
                              query_string={"status": "lost"}), 422)


def mailgun_bounce(to: str, **overrides: Any) -> bytes:
    return json.dumps(mailgun_webhook_body(MAILGUN_KEY, "failed", message_id="<m1@mg.test>",
                                           recipient=to, severity="permanent",
                                           **overrides)).encode()


def test_a_mailgun_bounce_suppresses_the_address(client: Any, settings: Settings,
                                                 injector: Any) -> None:
    ann = sign_up(client, "ann@example.test")
    payload = mailgun_bounce("ann@example.test")
    first = deliver(client, "mailgun", payload)
    assert first.status_code == 200 and first.get_json()["duplicate"] is False
    assert deliver(client, "mailgun", payload).get_json()["duplicate"] is True
    assert client.get("/me", headers=ann).get_json()["email_undeliverable"] == "bounced"
    before = len(mail(settings, "ann@example.test"))
    assert client.post("/auth/password-reset", json={"email": "ann@example.test"}
                       ).status_code == 202
    assert len(mail(settings, "ann@example.test")) == before  # skipped, and logged as such
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    log = client.get("/admin/messages", headers=root, query_string={
        "recipient": "ann@example.test", "status": "suppressed"}).get_json()
    assert [d["kind"] for d in log] == ["password_reset"]


@pytest.mark.parametrize("change", ["forged", "stale", "unsigned"])
def test_forged_stale_and_unsigned_mailgun_events_change_nothing(
        client: Any, change: str) -> None:
    ann = sign_up(client, "ann@example.test")
    payload = json.loads(mailgun_bounce("ann@example.test"))
    if change == "forged":
        payload["signature"]["signature"] = "0" * 64
    elif change == "stale":
        payload = json.loads(mailgun_bounce("ann@example.test", timestamp=int(time.time()) - 400))
    else:
        del payload["signature"]
    assert_problem(deliver(client, "mailgun", json.dumps(payload).encode()), 400)
    assert client.get("/me", headers=ann).get_json()["email_undeliverable"] is None


def test_a_sendgrid_spam_report_suppresses_and_a_tampered_one_is_refused(client: Any) -> None:
    ann = sign_up(client, "ann@example.test")
    events = json.dumps([sendgrid_event("spamreport", "ann@example.test", "sg1")]).encode()
    tampered = events.replace(b"ann@", b"bob@")
    assert_problem(deliver(client, "sendgrid", tampered, SIGNER.headers(events)), 400)
    assert client.get("/me", headers=ann).get_json()["email_undeliverable"] is None
    assert deliver(client, "sendgrid", events, SIGNER.headers(events)).status_code == 200
    assert client.get("/me", headers=ann).get_json()["email_undeliverable"] == "complained"
    old = str(int(time.time()) - 600)
    assert_problem(deliver(client, "sendgrid", events, SIGNER.headers(events, old)), 400)


def test_unconfigured_mail_webhooks_answer_404(tmp_path: Path, database_url: str) -> None:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, database_url)
    client = create_app(build_injector(settings), settings).test_client()
    assert_problem(deliver(client, "mailgun", mailgun_bounce("a@example.test")), 404)
    assert_problem(deliver(client, "sendgrid", b"[]"), 404)


def test_problems_speak_the_language_asked_for(client: Any) -> None:
    arabic = client.get("/me", headers={"Accept-Language": "ar"})
    problem = assert_problem(arabic, 401)
    assert problem["title"] == "يلزم تسجيل الدخول" and arabic.headers["Content-Language"] == "ar"
    assert problem["type"].endswith("/unauthenticated")  # the type never changes
    assert "Accept-Language" in arabic.headers["Vary"]
    english = assert_problem(client.get("/me", headers={"Accept-Language": "de, en;q=0.5"}), 401)
    assert english["title"] == "Authentication is required"
    unknown = client.post("/auth/login", headers={"Accept-Language": "ar"},
                          json={"email": "nobody@example.test", "password": "x" * 12})
    assert assert_problem(unknown, 401)["detail"] == "البريد الإلكتروني أو كلمة المرور غير صحيحة"
