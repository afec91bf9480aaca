"""The messaging ports' contracts, run against the fake and every real adapter: the mail
vendors against their local peers on 127.0.0.1 (tests/vendor_servers), started once per test
session and cleared of injected faults after every test."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage as Mime
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.outbound.mail.mailgun import MailgunMailer
from adapters.outbound.mail.sendgrid import SendGridMailer
from adapters.outbound.mail.smtp import SmtpMailer
from application.messaging.ports import (
    EmailMessage,
    Mailer,
    MailUnavailable,
    MessageRejected,
    SentMail,
)
from tests.contracts import Contract
from tests.unit.messaging.fakes import FakeMailer
from tests.vendor_servers.mailgun_server import FakeMailgun
from tests.vendor_servers.sendgrid_server import FakeSendGrid
from tests.vendor_servers.smtp_server import LocalSmtpServer

# --- Mailer ----------------------------------------------------------------------------------

MAILER = Contract(Mailer, {"fake": FakeMailer, "file": FileMailer, "mailgun": MailgunMailer,
                           "sendgrid": SendGridMailer, "smtp": SmtpMailer})
# What the file mailer cannot promise: it talks to no service, so nothing fails transiently
# or refuses an address. What the vendors cannot: none has an idempotent send.
FAILING = ("fake", "mailgun", "sendgrid", "smtp")
ONE_PER_KEY = ("fake", "file")

SENDER = "eduport <no-reply@mg.eduport.test>"
MG_KEY, MG_DOMAIN = "key-contract-0123456789", "mg.eduport.test"
SG_KEY = "SG.contract-key.abcdefghijklmnop"
SMTP_USER, SMTP_PASSWORD = "mailer@eduport.test", "contract smtp password"


@dataclass(frozen=True)
class Received:
    """A message as the far side holds it."""

    to: str
    subject: str
    text: str
    html: str | None


@dataclass
class MailerUnderTest:
    mailer: Any
    provider: str
    received: Callable[[SentMail], Received]  # looked up by the id ``send`` returned
    count: Callable[[], int]  # messages the far side holds
    fail_next: Callable[[], None]  # the next send fails transiently
    refused: Callable[[], EmailMessage]  # a message the service refuses for good


def params(*names: str) -> list[Any]:
    return [p for p in MAILER.params() if (p if isinstance(p, str) else p.values[0]) in names]


@pytest.fixture(scope="session")
def mailgun_peer() -> Iterator[FakeMailgun]:
    with FakeMailgun(api_key=MG_KEY, domains=(MG_DOMAIN,)) as fake:
        yield fake


@pytest.fixture(scope="session")
def sendgrid_peer() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=SG_KEY) as fake:
        yield fake


@pytest.fixture(scope="session")
def smtp_peer() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer(username=SMTP_USER, password=SMTP_PASSWORD) as peer:
        yield peer


def _from_mime(mime: Mime) -> Received:
    plain, html = mime.get_body(preferencelist=("plain",)), mime.get_body(preferencelist=("html",))
    assert plain is not None
    return Received(mime["To"].addresses[0].addr_spec, str(mime["Subject"]),
                    plain.get_content().rstrip("\n"),
                    None if html is None else html.get_content().rstrip("\n"))


def _unique_address() -> str:
    return f"gone-{uuid.uuid4().hex[:8]}@example.test"


def _invalid_recipient() -> EmailMessage:
    return EmailMessage("not-an-address", "Refused", "Hello", "<p>Hello</p>")


def _fake() -> MailerUnderTest:
    fake = MAILER.build("fake", FakeMailer)

    def received(sent: SentMail) -> Received:
        message = fake.sent[str(sent.message_id).removeprefix("fake-")]
        return Received(message.to, message.subject, message.text, message.html)

    def refused() -> EmailMessage:
        fake.failures.append(MessageRejected("refused"))
        return _invalid_recipient()

    return MailerUnderTest(fake, "fake", received, lambda: len(fake.sent),
                           lambda: fake.failures.append(MailUnavailable("down", 5)), refused)


def _file(folder: Path) -> MailerUnderTest:
    mailer = MAILER.build("file", lambda: FileMailer(str(folder), SENDER))

    def received(sent: SentMail) -> Received:
        raw = (folder / f"{sent.message_id}.eml").read_bytes()
        mime = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(mime, Mime)
        return _from_mime(mime)

    def cannot_fail() -> Any:
        raise AssertionError("the file mailer cannot be made to fail")

    return MailerUnderTest(mailer, "file", received, lambda: len(list(folder.glob("*.eml"))),
                           cannot_fail, cannot_fail)


def _mailgun(peer: FakeMailgun) -> MailerUnderTest:
    mailer = MAILER.build("mailgun", lambda: MailgunMailer(
        MG_DOMAIN, MG_KEY, SENDER, endpoint=peer.url, timeout_seconds=5))

    def received(sent: SentMail) -> Received:
        message = peer.message(f"<{sent.message_id}>")  # the API's id, brackets and all
        return Received(message.to[0], message.subject or "", message.text or "", message.html)

    return MailerUnderTest(mailer, "mailgun", received, lambda: len(peer.messages),
                           lambda: peer.fail_next(1, 503), _invalid_recipient)


def _sendgrid(peer: FakeSendGrid) -> MailerUnderTest:
    mailer = MAILER.build("sendgrid", lambda: SendGridMailer(
        SG_KEY, SENDER, api_base=peer.url, timeout_seconds=5))

    def received(sent: SentMail) -> Received:
        message = peer.message(str(sent.message_id))
        return Received(message.to[0], message.subject or "", message.text or "", message.html)

    return MailerUnderTest(mailer, "sendgrid", received, lambda: len(peer.messages),
                           lambda: peer.fail_next(1, 503), _invalid_recipient)


def _smtp(peer: LocalSmtpServer) -> MailerUnderTest:
    mailer = MAILER.build("smtp", lambda: SmtpMailer(
        peer.host, peer.port, SENDER, username=SMTP_USER, password=SMTP_PASSWORD,
        tls="starttls", ssl_context=peer.client_ssl_context(), timeout_seconds=5))

    def received(sent: SentMail) -> Received:
        [found] = [m for m in peer.messages if m.message["Message-ID"] == f"<{sent.message_id}>"]
        result = _from_mime(found.message)
        assert found.rcpt_tos == [result.to]  # the envelope names the same recipient
        return result

    def refused() -> EmailMessage:
        address = _unique_address()
        peer.reject_recipient(address)  # 550 at RCPT
        return EmailMessage(address, "Refused", "Hello", "<p>Hello</p>")

    return MailerUnderTest(mailer, "smtp", received, lambda: len(peer.messages),
                           lambda: peer.fail_next_data(1), refused)  # 451 at DATA


def _build(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailerUnderTest]:
    name = request.param
    if name == "fake":
        yield _fake()
    elif name == "file":
        yield _file(tmp_path / "mail")
    else:
        peer = request.getfixturevalue(f"{name}_peer")
        try:
            if name == "mailgun":
                yield _mailgun(peer)
            elif name == "sendgrid":
                yield _sendgrid(peer)
            else:
                yield _smtp(peer)
        finally:
            peer.clear_faults()


@pytest.fixture(params=MAILER.params())
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailerUnderTest]:
    yield from _build(request, tmp_path)


@pytest.fixture(params=params(*FAILING))
def failing_mailer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailerUnderTest]:
    yield from _build(request, tmp_path)


@pytest.fixture(params=params(*ONE_PER_KEY))
def keyed_mailer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailerUnderTest]:
    yield from _build(request, tmp_path)


def arabic(n: str = "") -> EmailMessage:
    tag = uuid.uuid4().hex[:8]  # the session's peers hold every test's messages
    return EmailMessage("student@example.test", f"مرحبا بك في إديوبورت {n}{tag}",
                        f"أهلاً وسهلاً! تم تسجيلك في الدورة {tag}.",
                        f'<p dir="rtl">أهلاً وسهلاً! <b>تم تسجيلك</b> {tag}</p>', ("welcome",))


def as_received(message: EmailMessage) -> Received:
    return Received(message.to, message.subject, message.text, message.html)


def test_mailer_contract_the_message_arrives_with_both_parts(mailer: MailerUnderTest) -> None:
    message = arabic()
    before = mailer.count()
    sent = mailer.mailer.send(message, f"outbox:{uuid.uuid4()}:welcome")
    assert mailer.count() == before + 1
    assert mailer.received(sent) == as_received(message)


def test_mailer_contract_send_returns_the_providers_id(mailer: MailerUnderTest) -> None:
    first, second = arabic("1 "), arabic("2 ")
    sent_first = mailer.mailer.send(first, f"outbox:{uuid.uuid4()}:welcome")
    sent_second = mailer.mailer.send(second, f"outbox:{uuid.uuid4()}:welcome")
    assert (sent_first.provider, sent_second.provider) == (mailer.provider, mailer.provider)
    assert mailer.mailer.provider == mailer.provider
    assert sent_first.message_id and sent_second.message_id
    assert sent_first.message_id != sent_second.message_id
    # Each id finds its own message on the far side (ids are what bounces refer to).
    assert mailer.received(sent_first).subject == first.subject
    assert mailer.received(sent_second).subject == second.subject


def test_mailer_contract_a_transient_failure_raises_mail_unavailable(
    failing_mailer: MailerUnderTest,
) -> None:
    message, key = arabic(), f"outbox:{uuid.uuid4()}:welcome"
    before = failing_mailer.count()
    failing_mailer.fail_next()
    with pytest.raises(MailUnavailable):
        failing_mailer.mailer.send(message, key)
    assert failing_mailer.count() == before
    # Transient: the same send goes through once the service is back.
    sent = failing_mailer.mailer.send(message, key)
    assert failing_mailer.received(sent) == as_received(message)
    assert failing_mailer.count() == before + 1


def test_mailer_contract_a_permanent_refusal_raises_message_rejected(
    failing_mailer: MailerUnderTest,
) -> None:
    before = failing_mailer.count()
    with pytest.raises(MessageRejected):
        failing_mailer.mailer.send(failing_mailer.refused(), f"outbox:{uuid.uuid4()}:welcome")
    assert failing_mailer.count() == before


def test_mailer_contract_one_delivery_per_key(keyed_mailer: MailerUnderTest) -> None:
    message = EmailMessage("alan@example.test", "Welcome", "Hello")
    sender = keyed_mailer.mailer
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:2:welcome")
    assert keyed_mailer.count() == 2
