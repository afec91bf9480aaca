"""What each mail adapter puts on the wire and how it reads the answers: Mailgun and SendGrid
against their local fakes, SMTP through the real aiosmtpd peer with STARTTLS and AUTH on.
Every server listens on 127.0.0.1; the two tests of a public host (Mailgun's EU endpoint,
SendGrid's 403) answer from a requests transport adapter and never open a socket."""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from requests.adapters import BaseAdapter

from adapters.outbound.mail.mailgun import MailgunMailer, mailgun_base_url, retry_after
from adapters.outbound.mail.sendgrid import SendGridMailer
from adapters.outbound.mail.smtp import SmtpMailer
from application.messaging.ports import EmailMessage, MailUnavailable, MessageRejected
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.mailgun_server import FakeMailgun
from tests.vendor_servers.sendgrid_server import FakeSendGrid
from tests.vendor_servers.smtp_server import LocalSmtpServer

SENDER = "فريق إديوبورت <no-reply@mg.eduport.test>"
TO = "student@example.test"
SUBJECT = "مرحبا بك في إديوبورت"
TEXT = "أهلاً وسهلاً! تم تسجيلك في الدورة بنجاح."
HTML = '<p dir="rtl">أهلاً وسهلاً! <b>تم تسجيلك</b> في الدورة بنجاح.</p>'
KEY = "outbox:42:welcome"
MESSAGE = EmailMessage(TO, SUBJECT, TEXT, HTML, ("welcome", "course"))

MG_KEY, MG_DOMAIN = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "mg.eduport.test"
SG_KEY = "SG.adapter-key.abcdefghijklmnopqrstuvwxyz"
SMTP_USER, SMTP_PASSWORD = "mailer@eduport.test", "correct horse battery staple"

PRIVATE = (TO, SUBJECT, TEXT, HTML, KEY, MG_KEY, SG_KEY, SMTP_PASSWORD)


def our_log(caplog: pytest.LogCaptureFixture) -> str:
    """Everything eduport's loggers wrote, extra fields included (the peers log for
    themselves)."""
    return "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records
                     if r.name.startswith("adapters."))


def assert_nothing_private_logged(caplog: pytest.LogCaptureFixture) -> None:
    logged = our_log(caplog)
    assert [value for value in PRIVATE if value in logged] == []


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("adapters.") and r.levelno == logging.ERROR]


class Canned(BaseAdapter):
    """A transport that answers every request itself and keeps them: no socket is opened."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.status, self.body, self.headers = status, body, headers or {}
        self.requests: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float | None, float | None] | None = None,
             verify: bool | str = True, cert: str | tuple[str, str] | None = None,
             proxies: dict[str, str] | None = None) -> requests.Response:
        self.requests.append(request)
        self.timeouts.append(timeout)
        response = requests.Response()
        response.status_code, response.url = self.status, request.url or ""
        response.request = request
        response.headers.update({"Content-Type": "application/json", **self.headers})
        response._content = json.dumps(self.body).encode()
        return response

    def close(self) -> None:
        return None


def canned_session(adapter: Canned) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# ------------------------------------------------------------------------------------------
# Mailgun
# ------------------------------------------------------------------------------------------
@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun(api_key=MG_KEY, domains=(MG_DOMAIN,)) as fake:
        yield fake


def mg_mailer(fake: FakeMailgun, **kwargs: Any) -> MailgunMailer:
    options: dict[str, Any] = {"endpoint": fake.url, "timeout_seconds": 5, **kwargs}
    return MailgunMailer(options.pop("domain", MG_DOMAIN), options.pop("secret", MG_KEY),
                         options.pop("sender", SENDER), **options)


def test_mailgun_posts_the_form_with_basic_auth(
    mailgun: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = mg_mailer(mailgun).send(MESSAGE, KEY)
    [request] = mailgun.requests
    assert (request.method, request.path) == ("POST", f"/v3/{MG_DOMAIN}/messages")
    assert request.header("Authorization") == "Basic " + base64.b64encode(
        f"api:{MG_KEY}".encode()).decode()
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qsl(request.raw_body.decode()) == [
        ("from", SENDER), ("to", TO), ("subject", SUBJECT), ("text", TEXT), ("html", HTML),
        ("o:tag", "welcome"), ("o:tag", "course"), ("v:eduport-key", KEY)]
    [message] = mailgun.messages
    assert message.id.startswith("<") and message.id.endswith(">")
    assert (sent.provider, sent.message_id) == ("mailgun", message.id[1:-1])
    assert_nothing_private_logged(caplog)


def test_mailgun_sends_no_html_field_for_a_text_only_message(mailgun: FakeMailgun) -> None:
    mg_mailer(mailgun).send(EmailMessage(TO, "Plain", "Just text"), KEY)
    [message] = mailgun.messages
    assert (message.text, message.html, message.tags) == ("Just text", None, [])


def test_mailgun_eu_endpoint_as_the_seed_platforms_write_it() -> None:
    adapter = Canned(200, {"id": "<20260101.1@mg.eduport.test>", "message": "Queued."})
    mailer = MailgunMailer(MG_DOMAIN, MG_KEY, SENDER, endpoint="api.eu.mailgun.net",
                           timeout_seconds=4, session=canned_session(adapter))
    sent = mailer.send(MESSAGE, KEY)
    [request] = adapter.requests
    assert request.url == f"https://api.eu.mailgun.net/v3/{MG_DOMAIN}/messages"
    assert str(request.headers["Authorization"]).startswith("Basic ")
    assert adapter.timeouts == [4]
    assert sent.message_id == "20260101.1@mg.eduport.test"


@pytest.mark.parametrize(("endpoint", "base"), [
    ("api.mailgun.net", "https://api.mailgun.net"),
    ("api.eu.mailgun.net", "https://api.eu.mailgun.net"),
    ("https://api.eu.mailgun.net/", "https://api.eu.mailgun.net"),
    ("https://api.mailgun.net/v3", "https://api.mailgun.net"),
    ("http://127.0.0.1:8025", "http://127.0.0.1:8025"),
])
def test_mailgun_endpoint_forms(endpoint: str, base: str) -> None:
    assert mailgun_base_url(endpoint) == base
    assert MailgunMailer(MG_DOMAIN, MG_KEY, SENDER, endpoint=endpoint).url == \
        f"{base}/v3/{MG_DOMAIN}/messages"


def test_mailgun_endpoint_without_a_scheme_is_reached_over_https(mailgun: FakeMailgun) -> None:
    # The fake speaks plain HTTP: an endpoint given as host:port must not be downgraded to it.
    bare = mailgun.url.removeprefix("http://")
    mailer = MailgunMailer(MG_DOMAIN, MG_KEY, SENDER, endpoint=bare, timeout_seconds=2)
    assert mailer.url.startswith(f"https://{bare}/v3/")
    with pytest.raises(MailUnavailable, match="could not be reached"):
        mailer.send(MESSAGE, KEY)
    assert mailgun.messages == []


def test_mailgun_wrong_key_is_an_operator_problem(
    mailgun: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    wrong = "key-wrong-0000000000000000"
    with pytest.raises(MailUnavailable, match="MAILGUN_SECRET") as error:
        mg_mailer(mailgun, secret=wrong).send(MESSAGE, KEY)
    assert error.value.retry_after is None
    assert mailgun.requests[-1].status == 401
    [logged] = errors_logged(caplog)
    assert "MAILGUN_SECRET" in logged and "MAILGUN_ENDPOINT" in logged
    assert wrong not in our_log(caplog)
    assert_nothing_private_logged(caplog)


def test_mailgun_unknown_domain_names_the_setting(
    mailgun: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MailUnavailable, match="MAILGUN_DOMAIN"):
        mg_mailer(mailgun, domain="mg.other.test").send(MESSAGE, KEY)
    assert mailgun.requests[-1].status == 404
    assert any("MAILGUN_DOMAIN" in line for line in errors_logged(caplog))


def test_mailgun_invalid_recipient_is_refused_for_good(
    mailgun: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MessageRejected, match=r"HTTP 400.*'to' parameter is not a valid"):
        mg_mailer(mailgun).send(EmailMessage("nobody@", SUBJECT, TEXT), KEY)
    assert mailgun.messages == []
    assert errors_logged(caplog) == []


def test_mailgun_invalid_sender_is_an_operator_problem(
    mailgun: FakeMailgun, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MailUnavailable, match="MAIL_FROM"):
        mg_mailer(mailgun, sender="eduport").send(MESSAGE, KEY)
    assert any("MAIL_FROM" in line for line in errors_logged(caplog))


def test_mailgun_429_hands_on_retry_after(mailgun: FakeMailgun) -> None:
    mailgun.fail_next(1, 429, retry_after=7)
    with pytest.raises(MailUnavailable, match="HTTP 429") as error:
        mg_mailer(mailgun).send(MESSAGE, KEY)
    assert error.value.retry_after == 7
    mailgun.fail_next(1, 502)
    with pytest.raises(MailUnavailable, match="HTTP 502") as error:
        mg_mailer(mailgun).send(MESSAGE, KEY)
    assert error.value.retry_after is None
    assert mailgun.messages == []


def test_mailgun_timeout_is_bounded(mailgun: FakeMailgun) -> None:
    mailgun.delay_next(1, 2.0)
    started = time.monotonic()
    with pytest.raises(MailUnavailable, match=r"did not answer within 0\.3 s"):
        mg_mailer(mailgun, timeout_seconds=0.3).send(MESSAGE, KEY)
    assert time.monotonic() - started < 1.5


def test_mailgun_unreachable_is_transient() -> None:
    mailer = MailgunMailer(MG_DOMAIN, MG_KEY, SENDER, endpoint=f"http://127.0.0.1:{closed_port()}",
                           timeout_seconds=2)
    with pytest.raises(MailUnavailable, match="could not be reached"):
        mailer.send(MESSAGE, KEY)


# ------------------------------------------------------------------------------------------
# SendGrid
# ------------------------------------------------------------------------------------------
@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=SG_KEY) as fake:
        yield fake


def sg_mailer(fake: FakeSendGrid, **kwargs: Any) -> SendGridMailer:
    options: dict[str, Any] = {"api_base": fake.url, "timeout_seconds": 5, **kwargs}
    return SendGridMailer(options.pop("api_key", SG_KEY), options.pop("sender", SENDER),
                          **options)


def test_sendgrid_posts_json_with_bearer_auth(
    sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = sg_mailer(sendgrid).send(MESSAGE, KEY)
    [request] = sendgrid.requests
    assert (request.method, request.path) == ("POST", "/v3/mail/send")
    assert request.header("Authorization") == f"Bearer {SG_KEY}"
    assert request.header("Content-Type") == "application/json"
    assert json.loads(request.raw_body) == {
        "personalizations": [{"to": [{"email": TO}]}],
        "from": {"email": "no-reply@mg.eduport.test", "name": "فريق إديوبورت"},
        "subject": SUBJECT,
        "content": [{"type": "text/plain", "value": TEXT}, {"type": "text/html", "value": HTML}],
        "categories": ["welcome", "course"],
        "custom_args": {"eduport_key": KEY},
    }
    [message] = sendgrid.messages
    assert (sent.provider, sent.message_id) == ("sendgrid", message.message_id)
    assert_nothing_private_logged(caplog)


def test_sendgrid_text_only_message_has_one_content_block(sendgrid: FakeSendGrid) -> None:
    sg_mailer(sendgrid).send(EmailMessage(f"Alan <{TO}>", "Plain", "Just text"), KEY)
    [message] = sendgrid.messages
    assert message.body["content"] == [{"type": "text/plain", "value": "Just text"}]
    assert message.body["personalizations"] == [{"to": [{"email": TO, "name": "Alan"}]}]
    assert "categories" not in message.body


def test_sendgrid_error_body_becomes_the_refusal(
    sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MessageRejected) as error:
        sg_mailer(sendgrid).send(EmailMessage("nobody@nowhere", SUBJECT, TEXT), KEY)
    assert "HTTP 400" in str(error.value)
    assert "personalizations.0.to.0.email: Does not contain a valid address" in str(error.value)
    assert sendgrid.messages == []
    assert errors_logged(caplog) == []


def test_sendgrid_invalid_sender_is_an_operator_problem(
    sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(MailUnavailable, match="MAIL_FROM") as error:
        sg_mailer(sendgrid, sender="eduport").send(MESSAGE, KEY)
    assert "from.email" in str(error.value)
    assert any("MAIL_FROM" in line for line in errors_logged(caplog))


def test_sendgrid_wrong_key_is_an_operator_problem(
    sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    wrong = "SG.wrong-key.zzzzzzzzzzzzzzzz"
    with pytest.raises(MailUnavailable, match="SENDGRID_API_KEY"):
        sg_mailer(sendgrid, api_key=wrong).send(MESSAGE, KEY)
    assert sendgrid.requests[-1].status == 401
    [logged] = errors_logged(caplog)
    assert "SENDGRID_API_KEY" in logged
    assert wrong not in our_log(caplog)
    assert_nothing_private_logged(caplog)


def test_sendgrid_403_unverified_sender_names_both_settings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = Canned(403, {"errors": [{
        "message": "The from address does not match a verified Sender Identity. Mail cannot "
                   "be sent until this error is resolved.", "field": "from", "help": None}]})
    mailer = SendGridMailer(SG_KEY, SENDER, timeout_seconds=4, session=canned_session(adapter))
    with pytest.raises(MailUnavailable, match="SENDGRID_API_KEY and MAIL_FROM"):
        mailer.send(MESSAGE, KEY)
    assert adapter.requests[0].url == "https://api.sendgrid.com/v3/mail/send"
    assert adapter.timeouts == [4]
    [logged] = errors_logged(caplog)
    assert "Mail Send permission" in logged and "MAIL_FROM" in logged


def test_sendgrid_429_hands_on_retry_after(sendgrid: FakeSendGrid) -> None:
    sendgrid.fail_next(1, 429, retry_after=5)
    with pytest.raises(MailUnavailable, match="HTTP 429") as error:
        sg_mailer(sendgrid).send(MESSAGE, KEY)
    assert error.value.retry_after == 5
    # Without Retry-After, the rate limit's reset time (now + 1 s in the fake) is the hint.
    sendgrid.fail_next(1, 429)
    with pytest.raises(MailUnavailable) as error:
        sg_mailer(sendgrid).send(MESSAGE, KEY)
    assert error.value.retry_after is not None and 0 <= error.value.retry_after <= 2
    sendgrid.fail_next(1, 500)
    with pytest.raises(MailUnavailable, match="HTTP 500") as error:
        sg_mailer(sendgrid).send(MESSAGE, KEY)
    assert error.value.retry_after is None
    assert sendgrid.messages == []


def test_sendgrid_timeout_is_bounded(sendgrid: FakeSendGrid) -> None:
    sendgrid.delay_next(1, 2.0)
    started = time.monotonic()
    with pytest.raises(MailUnavailable, match=r"did not answer within 0\.3 s"):
        sg_mailer(sendgrid, timeout_seconds=0.3).send(MESSAGE, KEY)
    assert time.monotonic() - started < 1.5


def test_sendgrid_unreachable_is_transient() -> None:
    mailer = SendGridMailer(SG_KEY, SENDER, api_base=f"http://127.0.0.1:{closed_port()}",
                            timeout_seconds=2)
    with pytest.raises(MailUnavailable, match="could not be reached"):
        mailer.send(MESSAGE, KEY)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    def answer(value: str | None) -> requests.Response:
        response = requests.Response()
        if value is not None:
            response.headers["Retry-After"] = value
        return response

    assert retry_after(answer("120")) == 120
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    hint = retry_after(answer(later))
    assert hint is not None and 85 <= hint <= 90
    assert retry_after(answer("soon")) is None
    assert retry_after(answer(None)) is None


# ------------------------------------------------------------------------------------------
# SMTP through aiosmtpd (STARTTLS and AUTH required)
# ------------------------------------------------------------------------------------------
@pytest.fixture
def smtp_peer() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer(username=SMTP_USER, password=SMTP_PASSWORD) as peer:
        yield peer


def smtp_mailer(peer: LocalSmtpServer, **kwargs: Any) -> SmtpMailer:
    options: dict[str, Any] = {"username": SMTP_USER, "password": SMTP_PASSWORD,
                               "tls": "starttls", "ssl_context": peer.client_ssl_context(),
                               "timeout_seconds": 5, **kwargs}
    return SmtpMailer(options.pop("host", peer.host), options.pop("port", peer.port),
                      options.pop("sender", SENDER), **options)


def test_smtp_message_arrives_with_both_parts_and_the_headers(
    smtp_peer: LocalSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sent = smtp_mailer(smtp_peer).send(MESSAGE, KEY)
    [received] = smtp_peer.messages
    assert (received.tls, received.login) == (True, SMTP_USER)
    assert (received.mail_from, received.rcpt_tos) == ("no-reply@mg.eduport.test", [TO])
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain", "text/html"]
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "فريق إديوبورت"
    assert message["From"].addresses[0].addr_spec == "no-reply@mg.eduport.test"
    assert message["To"].addresses[0].addr_spec == TO
    assert message["X-Eduport-Key"] == KEY
    assert message["X-Eduport-Tags"] == "welcome,course"
    assert message["Date"] is not None
    assert message["Message-ID"] == f"<{sent.message_id}>"
    assert str(sent.message_id).endswith("@mg.eduport.test")
    assert sent.provider == "smtp"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().rstrip("\n") == TEXT
    assert html.get_content().rstrip("\n") == HTML
    assert (plain.get_content_charset(), html.get_content_charset()) == ("utf-8", "utf-8")
    assert received.raw.isascii()  # 7-bit on the wire: any relay carries it
    assert smtp_peer.auth_attempts[-1].success is True
    assert_nothing_private_logged(caplog)


def test_smtp_text_only_message_is_a_single_part(smtp_peer: LocalSmtpServer) -> None:
    smtp_mailer(smtp_peer).send(EmailMessage(TO, "Plain", "Just text"), KEY)
    [received] = smtp_peer.messages
    assert received.message.get_content_type() == "text/plain"
    assert received.message.get_content().rstrip("\n") == "Just text"


def test_smtp_wrong_password_is_an_operator_problem(
    smtp_peer: LocalSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(MailUnavailable, match=r"SMTP 535.*SMTP_USERNAME and SMTP_PASSWORD"):
        smtp_mailer(smtp_peer, password="wrong password").send(MESSAGE, KEY)
    assert smtp_peer.messages == []
    assert [a.success for a in smtp_peer.auth_attempts] == [False, False]  # PLAIN, then LOGIN
    [logged] = errors_logged(caplog)
    assert "SMTP_PASSWORD" in logged and "EMAIL_HOST_PASSWORD" in logged
    assert "wrong password" not in our_log(caplog)
    assert_nothing_private_logged(caplog)


def test_smtp_550_recipient_is_refused_for_good(
    smtp_peer: LocalSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_peer.reject_recipient(TO)
    with pytest.raises(MessageRejected, match="SMTP 550") as error:
        smtp_mailer(smtp_peer).send(MESSAGE, KEY)
    assert TO not in str(error.value)
    assert smtp_peer.messages == []
    assert errors_logged(caplog) == []


def test_smtp_450_recipient_and_451_at_data_are_transient(smtp_peer: LocalSmtpServer) -> None:
    smtp_peer.reject_recipient(TO, "450 4.2.0 <{address}>: mailbox busy")
    with pytest.raises(MailUnavailable, match="SMTP 450"):
        smtp_mailer(smtp_peer).send(MESSAGE, KEY)
    smtp_peer.clear_faults()
    smtp_peer.fail_next_data(1)
    with pytest.raises(MailUnavailable, match="SMTP 451"):
        smtp_mailer(smtp_peer).send(MESSAGE, KEY)
    assert smtp_peer.messages == []


def test_smtp_554_at_data_is_refused_for_good(smtp_peer: LocalSmtpServer) -> None:
    smtp_peer.fail_next_data(1, "554 5.7.1 Message rejected as spam")
    with pytest.raises(MessageRejected, match="SMTP 554"):
        smtp_mailer(smtp_peer).send(MESSAGE, KEY)


def test_smtp_untrusted_certificate_is_an_operator_problem(
    smtp_peer: LocalSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The system's trust store does not know the throwaway certificate.
    with pytest.raises(MailUnavailable, match="SMTP_HOST"):
        smtp_mailer(smtp_peer, ssl_context=None).send(MESSAGE, KEY)
    assert smtp_peer.messages == [] and smtp_peer.auth_attempts == []
    assert any("certificate" in line for line in errors_logged(caplog))


def test_smtp_tls_mode_that_does_not_match_the_server_names_smtp_tls(
    smtp_peer: LocalSmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    # ssl: a TLS handshake against a server that greets in clear text.
    with pytest.raises(MailUnavailable, match="SMTP_TLS"):
        smtp_mailer(smtp_peer, tls="ssl", timeout_seconds=2).send(MESSAGE, KEY)
    # none: the server offers AUTH only after STARTTLS.
    with pytest.raises(MailUnavailable, match="SMTP_TLS"):
        smtp_mailer(smtp_peer, tls="none").send(MESSAGE, KEY)
    assert smtp_peer.messages == [] and smtp_peer.auth_attempts == []
    assert len([line for line in errors_logged(caplog) if "SMTP_TLS" in line]) == 2
    assert_nothing_private_logged(caplog)


def test_smtp_silent_server_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        mailer = SmtpMailer("127.0.0.1", silent.getsockname()[1], SENDER, timeout_seconds=0.3)
        started = time.monotonic()
        with pytest.raises(MailUnavailable):
            mailer.send(MESSAGE, KEY)
        assert time.monotonic() - started < 2


def test_smtp_unreachable_is_transient() -> None:
    with pytest.raises(MailUnavailable, match="could not be reached"):
        SmtpMailer("127.0.0.1", closed_port(), SENDER, timeout_seconds=2).send(MESSAGE, KEY)


def test_smtp_refuses_an_unknown_tls_mode() -> None:
    with pytest.raises(ValueError, match="tls must be one of"):
        SmtpMailer("127.0.0.1", 25, SENDER, tls="tls")
