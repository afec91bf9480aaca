"""The local mail peers behave like Mailgun, SendGrid and an SMTP submission server.

Driven with plain ``requests`` and ``smtplib`` against ``tests/vendor_servers``; every peer
listens on 127.0.0.1 and nothing connects anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.vendor_servers.mailgun_server import (
    FakeMailgun,
    MailgunAttachment,
    mailgun_webhook_body,
    sign_mailgun_webhook,
)
from tests.vendor_servers.sendgrid_server import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    FakeSendGrid,
    SendGridSigner,
    sendgrid_event,
)
from tests.vendor_servers.smtp_server import LocalSmtpServer

MG_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
MG_DOMAIN = "mg.eduport.test"
SG_KEY = "SG.fake-key.abcdefghijklmnopqrstuvwxyz"
SMTP_USER = "mailer@eduport.test"
SMTP_PASSWORD = "correct horse battery staple"
ARABIC_SUBJECT = "مرحبا بك في إديوبورت"
ARABIC_TEXT = "أهلاً وسهلاً! تم تسجيلك في الدورة بنجاح."
ARABIC_HTML = '<p dir="rtl">أهلاً وسهلاً! <b>تم تسجيلك</b> في الدورة بنجاح.</p>'


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# ------------------------------------------------------------------------------------------
# Mailgun
# ------------------------------------------------------------------------------------------
@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun(api_key=MG_KEY, domains=(MG_DOMAIN,), signing_key="sign-key") as fake:
        yield fake


def mg_send(
    fake: FakeMailgun,
    data: list[tuple[str, str]],
    *,
    domain: str = MG_DOMAIN,
    auth: tuple[str, str] | None = ("api", MG_KEY),
    timeout: float = 5,
    **kwargs: Any,
) -> requests.Response:
    return requests.post(
        f"{fake.url}/v3/{domain}/messages", auth=auth, data=data, timeout=timeout, **kwargs
    )


MG_MINIMAL = [
    ("from", f"Eduport <noreply@{MG_DOMAIN}>"),
    ("to", "student@example.com"),
    ("subject", "Welcome"),
    ("text", "Hello"),
]


def test_mailgun_listens_on_loopback_only(mailgun: FakeMailgun) -> None:
    assert urlparse(mailgun.url).hostname == "127.0.0.1"


def test_mailgun_multipart_send_keeps_repeated_keys(mailgun: FakeMailgun) -> None:
    data = [
        ("from", f"Eduport <noreply@{MG_DOMAIN}>"),
        ("to", "a@example.com"),
        ("to", "Bee <b@example.com>, c@example.com"),
        ("subject", "Welcome"),
        ("text", "Hi"),
        ("html", "<p>Hi</p>"),
        ("o:tag", "welcome"),
        ("o:tag", "onboarding"),
        ("h:Reply-To", "support@example.com"),
        ("v:user_id", "42"),
    ]
    files = [("attachment", ("report.txt", b"hello bytes", "text/plain"))]
    response = mg_send(mailgun, data, files=files)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Queued. Thank you."
    assert re.fullmatch(r"<[^<>@\s]+@mg\.eduport\.test>", body["id"])
    [message] = mailgun.messages
    assert message.id == body["id"]
    assert message.content_type == "multipart/form-data"
    assert message.fields["to"] == ["a@example.com", "Bee <b@example.com>, c@example.com"]
    assert message.to == ["a@example.com", "b@example.com", "c@example.com"]
    assert message.tags == ["welcome", "onboarding"]
    assert message.headers == {"Reply-To": ["support@example.com"]}
    assert message.variables == {"user_id": ["42"]}
    assert (message.subject, message.text, message.html) == ("Welcome", "Hi", "<p>Hi</p>")
    assert message.attachments == [
        MailgunAttachment("attachment", "report.txt", "text/plain", b"hello bytes")
    ]
    assert mailgun.requests[-1].status == 200


def test_mailgun_urlencoded_send_as_the_sdk_posts_it(mailgun: FakeMailgun) -> None:
    data = [
        *MG_MINIMAL[:2],
        ("to", "other@example.com"),
        ("subject", "Hi"),
        ("text", ARABIC_TEXT),
        ("o:tag", "t1"),
        ("o:tag", "t2"),
        ("v:order", "42"),
    ]
    response = mg_send(mailgun, data)

    assert response.status_code == 200
    recorded = mailgun.requests[-1]
    assert recorded.header("Content-Type") == "application/x-www-form-urlencoded"
    assert b"o%3Atag=t1&o%3Atag=t2&v%3Aorder=42" in recorded.raw_body
    [message] = mailgun.messages
    assert message.content_type == "application/x-www-form-urlencoded"
    assert message.to == ["student@example.com", "other@example.com"]
    assert message.text == ARABIC_TEXT
    assert message.options == {"tag": ["t1", "t2"]}
    assert recorded.params == message.fields


def test_mailgun_ids_are_unique(mailgun: FakeMailgun) -> None:
    first = mg_send(mailgun, MG_MINIMAL).json()["id"]
    second = mg_send(mailgun, MG_MINIMAL).json()["id"]
    assert first != second
    assert mailgun.message(second).id == second


@pytest.mark.parametrize(
    "auth", [None, ("api", "key-wrong"), ("admin", MG_KEY), ("api", "")], ids=str
)
def test_mailgun_bad_credentials_are_forbidden(
    mailgun: FakeMailgun, auth: tuple[str, str] | None
) -> None:
    response = mg_send(mailgun, MG_MINIMAL, auth=auth)
    assert response.status_code == 401
    assert response.text == "Forbidden"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert mailgun.messages == []


@pytest.mark.parametrize(
    ("drop", "extra", "expected"),
    [
        ("from", [], "'from' parameter is missing"),
        ("to", [], "'to' parameter is missing"),
        ("to", [("to", "not-an-address")], "'to' parameter is not a valid address"),
        ("to", [("to", "ok@example.com, broken@")], "'to' parameter is not a valid address"),
        ("from", [("from", "Eduport <nobody>")], "'from' parameter is not a valid address"),
        (None, [("cc", "@example.com")], "'cc' parameter is not a valid address"),
        ("text", [], "Need at least one of 'text', 'html'"),
    ],
)
def test_mailgun_validation_errors(
    mailgun: FakeMailgun, drop: str | None, extra: list[tuple[str, str]], expected: str
) -> None:
    data = [(k, v) for k, v in MG_MINIMAL if k != drop] + extra
    response = mg_send(mailgun, data)
    assert response.status_code == 400
    assert response.json()["message"].startswith(expected)
    assert list(response.json()) == ["message"]
    assert mailgun.messages == []


def test_mailgun_template_or_html_alone_is_enough(mailgun: FakeMailgun) -> None:
    without_text = [(k, v) for k, v in MG_MINIMAL if k != "text"]
    assert mg_send(mailgun, [*without_text, ("template", "welcome")]).status_code == 200
    assert mg_send(mailgun, [*without_text, ("html", "<b>x</b>")]).status_code == 200
    assert len(mailgun.messages) == 2


def test_mailgun_unknown_domain_is_404(mailgun: FakeMailgun) -> None:
    response = mg_send(mailgun, MG_MINIMAL, domain="other.example.com")
    assert response.status_code == 404
    assert response.json() == {"message": "Domain not found: other.example.com"}
    assert mailgun.messages == []


def test_mailgun_injected_429_and_500_then_recovers(mailgun: FakeMailgun) -> None:
    mailgun.fail_next(1, 429, retry_after=7)
    mailgun.fail_next(1, 429)
    mailgun.fail_next(1, 500)
    limited = mg_send(mailgun, MG_MINIMAL)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert "message" in limited.json()
    assert mg_send(mailgun, MG_MINIMAL).headers["Retry-After"] == "1"
    failed = mg_send(mailgun, MG_MINIMAL)
    assert failed.status_code == 500
    assert "Retry-After" not in failed.headers
    assert mailgun.messages == []
    assert mg_send(mailgun, MG_MINIMAL).status_code == 200
    assert len(mailgun.messages) == 1


def test_mailgun_injected_failure_waits_for_an_authenticated_request(
    mailgun: FakeMailgun,
) -> None:
    mailgun.fail_next(1, 503)
    assert mg_send(mailgun, MG_MINIMAL, auth=("api", "nope")).status_code == 401
    assert mg_send(mailgun, MG_MINIMAL).status_code == 503
    assert mg_send(mailgun, MG_MINIMAL).status_code == 200


def test_mailgun_timeout_still_queues_the_message(mailgun: FakeMailgun) -> None:
    mailgun.delay_next(1, 0.8)
    with pytest.raises(requests.exceptions.ReadTimeout):
        mg_send(mailgun, MG_MINIMAL, timeout=0.3)
    wait_until(lambda: mailgun.requests[0].status is not None)
    assert mailgun.requests[0].status == 200
    assert len(mailgun.messages) == 1  # a blind retry would send it twice


def test_sign_mailgun_webhook_equals_a_recomputation() -> None:
    signature = sign_mailgun_webhook("whsk-123", "1770920772", "a" * 50)
    expected = hmac.new(b"whsk-123", b"1770920772" + b"a" * 50, hashlib.sha256).hexdigest()
    assert signature == expected
    assert sign_mailgun_webhook("whsk-123", 1770920772, "a" * 50) == expected
    assert sign_mailgun_webhook("whsk-124", "1770920772", "a" * 50) != expected
    assert sign_mailgun_webhook("whsk-123", "1770920773", "a" * 50) != expected


@pytest.mark.parametrize(
    ("event", "severity", "code", "level"),
    [
        ("delivered", None, 250, "info"),
        ("failed", "permanent", 550, "error"),
        ("failed", "temporary", 452, "warn"),
        ("complained", None, None, "warn"),
        ("opened", None, None, "info"),
    ],
)
def test_mailgun_webhook_bodies(
    event: str, severity: str | None, code: int | None, level: str
) -> None:
    body = mailgun_webhook_body(
        "sign-key",
        event,
        message_id="<20260101.abc@mg.eduport.test>",
        recipient="student@example.com",
        severity=severity,
        user_variables={"user_id": "42"},
    )
    assert set(body) == {"signature", "event-data"}
    sig = body["signature"]
    assert len(sig["token"]) == 50
    assert abs(int(sig["timestamp"]) - time.time()) < 60
    recomputed = hmac.new(
        b"sign-key", (sig["timestamp"] + sig["token"]).encode(), hashlib.sha256
    ).hexdigest()
    assert sig["signature"] == recomputed
    data = body["event-data"]
    assert data["event"] == event
    assert data["log-level"] == level
    assert data["recipient"] == "student@example.com"
    assert data["user-variables"] == {"user_id": "42"}
    assert data["message"]["headers"]["message-id"] == "20260101.abc@mg.eduport.test"
    assert data.get("severity") == severity
    assert data.get("delivery-status", {}).get("code") == code
    json.dumps(body)  # serialisable as the JSON Mailgun posts


def test_mailgun_webhook_body_rejects_bad_event_arguments() -> None:
    with pytest.raises(ValueError, match="severity"):
        mailgun_webhook_body("k", "failed", message_id="x@y")
    with pytest.raises(ValueError, match="severity"):
        mailgun_webhook_body("k", "delivered", message_id="x@y", severity="permanent")
    with pytest.raises(ValueError, match="event"):
        mailgun_webhook_body("k", "bounced", message_id="x@y")


def test_mailgun_webhook_for_a_recorded_message(mailgun: FakeMailgun) -> None:
    mg_send(mailgun, [*MG_MINIMAL, ("o:tag", "welcome"), ("v:user_id", "7")])
    [message] = mailgun.messages
    body = mailgun.webhook_for(message, "delivered", timestamp=1770920772, token="t" * 50)
    data = body["event-data"]
    assert f"<{data['message']['headers']['message-id']}>" == message.id
    assert data["recipient"] == "student@example.com"
    assert data["tags"] == ["welcome"]
    assert data["user-variables"] == {"user_id": "7"}
    assert body["signature"]["timestamp"] == "1770920772"
    assert (
        body["signature"]["signature"]
        == hmac.new(b"sign-key", b"1770920772" + b"t" * 50, hashlib.sha256).hexdigest()
    )


# ------------------------------------------------------------------------------------------
# SendGrid
# ------------------------------------------------------------------------------------------
@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=SG_KEY) as fake:
        yield fake


def sg_mail(**overrides: Any) -> dict[str, Any]:
    mail: dict[str, Any] = {
        "personalizations": [{"to": [{"email": "student@example.com", "name": "Student"}]}],
        "from": {"email": "noreply@eduport.test", "name": "Eduport"},
        "subject": "Welcome",
        "content": [
            {"type": "text/plain", "value": ARABIC_TEXT},
            {"type": "text/html", "value": ARABIC_HTML},
        ],
        "categories": ["welcome"],
        "custom_args": {"user_id": "42"},
    }
    mail.update(overrides)
    return {k: v for k, v in mail.items() if v is not None}


def sg_send(
    fake: FakeSendGrid,
    body: Any,
    *,
    authorization: str | None = f"Bearer {SG_KEY}",
    timeout: float = 5,
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"{fake.url}/v3/mail/send", data=data, headers=headers, timeout=timeout)


def test_sendgrid_accepts_with_202_empty_body_and_message_id(sendgrid: FakeSendGrid) -> None:
    assert urlparse(sendgrid.url).hostname == "127.0.0.1"
    response = sg_send(sendgrid, sg_mail())
    assert response.status_code == 202
    assert response.content == b""
    message_id = response.headers["X-Message-Id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,}", message_id)
    [message] = sendgrid.messages
    assert message.message_id == message_id
    assert message.body == sg_mail()
    assert (message.sender, message.to, message.subject) == (
        "noreply@eduport.test",
        ["student@example.com"],
        "Welcome",
    )
    assert (message.text, message.html) == (ARABIC_TEXT, ARABIC_HTML)
    assert (message.categories, message.custom_args) == (["welcome"], {"user_id": "42"})
    assert sendgrid.requests[-1].status == 202
    assert sendgrid.message(message_id) is message


@pytest.mark.parametrize(
    "authorization", [None, "Bearer SG.wrong", f"Basic {SG_KEY}", SG_KEY, "Bearer "]
)
def test_sendgrid_rejects_bad_authorization(
    sendgrid: FakeSendGrid, authorization: str | None
) -> None:
    response = sg_send(sendgrid, sg_mail(), authorization=authorization)
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert set(error) == {"message", "field", "help"}
    assert error["message"]
    assert (error["field"], error["help"]) == (None, None)
    assert sendgrid.messages == []


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"personalizations": None}, "personalizations", "personalizations field is required"),
        ({"personalizations": []}, "personalizations", "at least one personalization"),
        (
            {"personalizations": [{"cc": [{"email": "a@b.co"}]}]},
            "personalizations.0.to",
            "The to array is required",
        ),
        (
            {"personalizations": [{"to": [{"email": "nope"}]}]},
            "personalizations.0.to.0.email",
            "valid address",
        ),
        (
            {"personalizations": [{"to": [{"name": "No Email"}]}]},
            "personalizations.0.to.0",
            "email parameter",
        ),
        ({"from": None}, "from", "The from object must be provided"),
        ({"from": {"email": "noreply"}}, "from.email", "valid address"),
        ({"subject": None}, "subject", "The subject is required"),
        ({"content": None}, "content", "the content parameter is required"),
        (
            {
                "content": [
                    {"type": "text/html", "value": "<p>x</p>"},
                    {"type": "text/plain", "value": "x"},
                ]
            },
            "content",
            "text/plain content must be first",
        ),
        (
            {"content": [{"type": "text/plain", "value": ""}]},
            "content.0.value",
            "at least one character",
        ),
    ],
)
def test_sendgrid_validation_errors(
    sendgrid: FakeSendGrid, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    response = sg_send(sendgrid, sg_mail(**overrides))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert all(set(e) == {"message", "field", "help"} for e in errors)
    matching = [e for e in errors if e["field"] == field]
    assert matching, errors
    assert fragment in matching[0]["message"]
    assert sendgrid.messages == []


def test_sendgrid_reports_every_problem_and_bad_json(sendgrid: FakeSendGrid) -> None:
    response = sg_send(sendgrid, {"personalizations": [{"to": [{"email": "x@y.co"}]}]})
    assert [e["field"] for e in response.json()["errors"]] == ["from", "subject", "content"]
    broken = sg_send(sendgrid, b'{"personalizations": [')
    assert broken.status_code == 400
    assert broken.json() == {"errors": [{"message": "Bad Request", "field": None, "help": None}]}


def test_sendgrid_subject_per_personalization_and_template_are_accepted(
    sendgrid: FakeSendGrid,
) -> None:
    per_person = sg_mail(
        subject=None,
        personalizations=[
            {"to": [{"email": "a@example.com"}], "subject": "A"},
            {"to": [{"email": "b@example.com"}], "subject": "B"},
        ],
    )
    assert sg_send(sendgrid, per_person).status_code == 202
    templated = sg_mail(subject=None, content=None, template_id="d-0123456789abcdef")
    assert sg_send(sendgrid, templated).status_code == 202
    one_missing = sg_mail(
        subject=None,
        personalizations=[
            {"to": [{"email": "a@example.com"}], "subject": "A"},
            {"to": [{"email": "b@example.com"}]},
        ],
    )
    assert sg_send(sendgrid, one_missing).status_code == 400
    assert [m.to for m in sendgrid.messages] == [
        ["a@example.com", "b@example.com"],
        ["student@example.com"],
    ]


def test_sendgrid_injected_failures_and_timeout(sendgrid: FakeSendGrid) -> None:
    sendgrid.fail_next(1, 429, retry_after=3)
    sendgrid.fail_next(1, 500)
    limited = sg_send(sendgrid, sg_mail())
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time()) + 2
    assert limited.json()["errors"][0]["field"] is None
    assert sg_send(sendgrid, sg_mail()).status_code == 500
    assert sendgrid.messages == []

    sendgrid.delay_next(1, 0.8)
    with pytest.raises(requests.exceptions.ReadTimeout):
        sg_send(sendgrid, sg_mail(), timeout=0.3)
    wait_until(lambda: sendgrid.requests[-1].status is not None)
    assert sendgrid.requests[-1].status == 202
    assert len(sendgrid.messages) == 1


def test_sendgrid_signature_verifies_with_the_shown_public_key() -> None:
    signer = SendGridSigner()
    body = json.dumps([sendgrid_event("delivered", "a@example.com", "abc123")]).encode()
    timestamp = "1770920772"
    signature = signer.sign(timestamp, body)

    public_key = serialization.load_der_public_key(base64.b64decode(signer.public_key_base64()))
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    # what sendgrid-python does: wrap the shown key in PEM armour, verify timestamp + payload
    pem = f"-----BEGIN PUBLIC KEY-----\n{signer.public_key_base64()}\n-----END PUBLIC KEY-----\n"
    pem_key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(pem_key, ec.EllipticCurvePublicKey)
    raw_signature = base64.b64decode(signature)
    pem_key.verify(raw_signature, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))

    with pytest.raises(InvalidSignature):
        public_key.verify(
            raw_signature, timestamp.encode() + body + b" ", ec.ECDSA(hashes.SHA256())
        )
    with pytest.raises(InvalidSignature):
        public_key.verify(raw_signature, b"1770920773" + body, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        SendGridSigner().public_key().verify(
            raw_signature, timestamp.encode() + body, ec.ECDSA(hashes.SHA256())
        )


def test_sendgrid_signature_headers_and_event_shape(sendgrid: FakeSendGrid) -> None:
    message_id = sg_send(sendgrid, sg_mail()).headers["X-Message-Id"]
    event = sendgrid_event("bounce", "student@example.com", message_id, reason="550 no user")
    assert event["sg_message_id"].split(".")[0] == message_id
    assert event["reason"] == "550 no user"
    signer = SendGridSigner()
    body = json.dumps([event]).encode()
    headers = signer.headers(body)
    assert set(headers) == {SIGNATURE_HEADER, TIMESTAMP_HEADER}
    assert SIGNATURE_HEADER == "X-Twilio-Email-Event-Webhook-Signature"
    assert TIMESTAMP_HEADER == "X-Twilio-Email-Event-Webhook-Timestamp"
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 60
    signer.public_key().verify(
        base64.b64decode(headers[SIGNATURE_HEADER]),
        headers[TIMESTAMP_HEADER].encode() + body,
        ec.ECDSA(hashes.SHA256()),
    )


# ------------------------------------------------------------------------------------------
# SMTP
# ------------------------------------------------------------------------------------------
@pytest.fixture
def smtp_peer() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer(username=SMTP_USER, password=SMTP_PASSWORD) as peer:
        yield peer


def connect(peer: LocalSmtpServer, *, login: bool = True) -> smtplib.SMTP:
    client = smtplib.SMTP(peer.host, peer.port, timeout=5)
    client.starttls(context=peer.client_ssl_context())
    if login:
        client.login(SMTP_USER, SMTP_PASSWORD)
    return client


def arabic_message(to: str = "طالب <student@example.com>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "فريق إديوبورت <noreply@eduport.test>"
    message["To"] = to
    message["Subject"] = ARABIC_SUBJECT
    message.set_content(ARABIC_TEXT)
    message.add_alternative(ARABIC_HTML, subtype="html")
    return message


def test_smtp_starttls_login_and_arabic_alternative_arrive_intact(
    smtp_peer: LocalSmtpServer,
) -> None:
    assert smtp_peer.host == "127.0.0.1"
    with connect(smtp_peer) as client:
        refused = client.send_message(
            arabic_message(), to_addrs=["student@example.com", "parent@example.com"]
        )
    assert refused == {}
    [received] = smtp_peer.messages
    assert received.mail_from == "noreply@eduport.test"
    assert received.rcpt_tos == ["student@example.com", "parent@example.com"]
    assert (received.login, received.tls) == (SMTP_USER, True)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == ARABIC_SUBJECT
    assert message["From"].addresses[0].display_name == "فريق إديوبورت"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().rstrip("\n") == ARABIC_TEXT
    assert html.get_content().rstrip("\n") == ARABIC_HTML
    assert plain.get_content_charset() == "utf-8"
    assert ARABIC_TEXT.encode() in received.raw
    assert smtp_peer.auth_attempts[-1].mechanism == "PLAIN"
    assert smtp_peer.auth_attempts[-1].success is True


def test_smtp_auth_login_mechanism(smtp_peer: LocalSmtpServer) -> None:
    with connect(smtp_peer, login=False) as client:
        client.ehlo()
        client.user, client.password = SMTP_USER, SMTP_PASSWORD
        code, _ = client.auth("LOGIN", client.auth_login)
        assert code == 235
        client.sendmail("noreply@eduport.test", ["a@example.com"], b"Subject: x\r\n\r\nhi\r\n")
    assert [(a.mechanism, a.login, a.success) for a in smtp_peer.auth_attempts] == [
        ("LOGIN", SMTP_USER, True)
    ]
    assert smtp_peer.messages[0].message.get_content().strip() == "hi"


def test_smtp_requires_starttls_before_auth_and_mail(smtp_peer: LocalSmtpServer) -> None:
    with smtplib.SMTP(smtp_peer.host, smtp_peer.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        code, reply = client.mail("noreply@eduport.test")
        assert (code, reply) == (530, b"Must issue a STARTTLS command first")
        assert client.docmd("AUTH", "PLAIN")[0] == 530
        with pytest.raises(smtplib.SMTPNotSupportedError):
            client.login(SMTP_USER, SMTP_PASSWORD)
    assert smtp_peer.messages == []


def test_smtp_certificate_is_verified_not_trusted_by_default(smtp_peer: LocalSmtpServer) -> None:
    with (
        smtplib.SMTP(smtp_peer.host, smtp_peer.port, timeout=5) as client,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        client.starttls(context=ssl.create_default_context())


def test_smtp_requires_auth_after_starttls(smtp_peer: LocalSmtpServer) -> None:
    with connect(smtp_peer, login=False) as client:
        client.ehlo()
        assert client.has_extn("auth")
        with pytest.raises(smtplib.SMTPSenderRefused) as excinfo:
            client.send_message(arabic_message())
        assert excinfo.value.smtp_code == 530
    assert smtp_peer.messages == []


@pytest.mark.parametrize(
    ("user", "password"), [(SMTP_USER, "wrong"), ("someone@eduport.test", SMTP_PASSWORD)]
)
def test_smtp_wrong_credentials_are_535(
    smtp_peer: LocalSmtpServer, user: str, password: str
) -> None:
    with connect(smtp_peer, login=False) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as excinfo:
            client.login(user, password)
        assert excinfo.value.smtp_code == 535
    # smtplib.login tries every offered mechanism it knows: PLAIN first, then LOGIN
    assert [(a.mechanism, a.login, a.success) for a in smtp_peer.auth_attempts] == [
        ("PLAIN", user, False),
        ("LOGIN", user, False),
    ]
    assert smtp_peer.messages == []


def test_smtp_injected_451_at_data_then_retry_succeeds(smtp_peer: LocalSmtpServer) -> None:
    smtp_peer.fail_next_data(1)
    with connect(smtp_peer) as client:
        with pytest.raises(smtplib.SMTPDataError) as excinfo:
            client.send_message(arabic_message())
        assert excinfo.value.smtp_code == 451
        assert smtp_peer.messages == []
        client.send_message(arabic_message())
    assert len(smtp_peer.messages) == 1


def test_smtp_injected_550_at_rcpt(smtp_peer: LocalSmtpServer) -> None:
    smtp_peer.reject_recipient("gone@example.com")
    with connect(smtp_peer) as client:
        refused = client.sendmail(
            "noreply@eduport.test",
            ["gone@example.com", "ok@example.com"],
            arabic_message().as_bytes(),
        )
        assert list(refused) == ["gone@example.com"]
        assert refused["gone@example.com"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("noreply@eduport.test", ["gone@example.com"], b"Subject: x\r\n\r\n")
    assert [m.rcpt_tos for m in smtp_peer.messages] == [["ok@example.com"]]
    smtp_peer.clear_faults()
    with connect(smtp_peer) as client:
        assert client.sendmail("noreply@eduport.test", ["gone@example.com"], b"\r\nx\r\n") == {}


def test_smtp_peer_stops_cleanly() -> None:
    peer = LocalSmtpServer(username=SMTP_USER, password=SMTP_PASSWORD)
    with peer:
        port, cert_path = peer.port, peer.cert_path
        assert port > 0 and cert_path is not None and cert_path.exists()
        with connect(peer) as client:
            assert client.noop()[0] == 250
    assert not peer.running
    assert not cert_path.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
