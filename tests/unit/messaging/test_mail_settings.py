"""MAIL_MAILER picks the mail service; a vendor chosen without its variables stops the app at
start-up with their names; the seed platforms' variable names are read."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from injector import Binder, Injector

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.outbound.mail.mailgun import MailgunMailer
from adapters.outbound.mail.sendgrid import SendGridMailer
from adapters.outbound.mail.smtp import SmtpMailer
from adapters.settings import ConfigurationError, Settings, SettingsReader
from adapters.wiring.messaging import MessagingModule
from adapters.wiring.messaging_mail import MailModule, MailVendorSettings
from application.messaging.ports import Mailer
from bootstrap import read_settings

JWT = "j" * 40


def start(tmp_path: Path, **environ: str) -> Settings:
    """The settings as ``eduport serve`` reads them at start-up."""
    return read_settings({"EDUPORT_DATA_DIR": str(tmp_path), "JWT_SECRET": JWT, **environ})


def refusal(tmp_path: Path, **environ: str) -> list[str]:
    with pytest.raises(ConfigurationError) as error:
        start(tmp_path, **environ)
    return error.value.problems


def section(**environ: str) -> tuple[MailVendorSettings, list[str]]:
    reader = SettingsReader(environ)
    return MailVendorSettings.read(reader), reader.problems


def mailer(settings: Settings) -> Any:
    def bind(binder: Binder) -> None:
        binder.bind(Settings, to=settings)

    return Injector([bind, MailModule()]).get(Mailer)  # type: ignore[type-abstract]


def test_the_section_is_checked_at_start_up() -> None:
    assert MailVendorSettings in MessagingModule.sections


def test_default_is_the_file_mailer(tmp_path: Path) -> None:
    settings = start(tmp_path)
    vendor = settings.section(MailVendorSettings)
    assert (vendor.mailer, vendor.timeout_seconds) == ("file", 10)
    assert (vendor.mailgun_endpoint, vendor.sendgrid_api_base) == (
        "api.mailgun.net", "https://api.sendgrid.com")
    assert (vendor.smtp_tls, vendor.smtp_port) == ("starttls", 587)
    assert type(mailer(settings)) is FileMailer


@pytest.mark.parametrize(("environ", "missing", "present"), [
    ({"MAIL_MAILER": "mailgun"}, ["MAILGUN_DOMAIN", "MAILGUN_SECRET"], []),
    ({"MAIL_MAILER": "mailgun", "MAILGUN_DOMAIN": "mg.eduport.test"}, ["MAILGUN_SECRET"],
     ["MAILGUN_DOMAIN"]),
    ({"MAIL_MAILER": "sendgrid"}, ["SENDGRID_API_KEY"], ["MAILGUN"]),
    ({"MAIL_MAILER": "smtp"}, ["SMTP_HOST"], ["SENDGRID", "SMTP_USERNAME"]),
])
def test_a_vendor_chosen_without_its_variables_refuses_to_start(
    tmp_path: Path, environ: dict[str, str], missing: list[str], present: list[str]
) -> None:
    [problem] = refusal(tmp_path, **environ)
    assert f"MAIL_MAILER={environ['MAIL_MAILER']}" in problem
    assert [name for name in missing if name not in problem] == []
    assert [name for name in present if name in problem] == []


def test_every_mail_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = refusal(tmp_path, MAIL_MAILER="sendgrid", SMTP_TLS="tls", SMTP_PORT="70000",
                       MAIL_TIMEOUT_SECONDS="0", MAILGUN_ENDPOINT="ftp://api.mailgun.net",
                       SENDGRID_API_BASE="api.sendgrid.com")
    text = "\n".join(problems)
    for name in ("SENDGRID_API_KEY", "SMTP_TLS", "SMTP_PORT", "MAIL_TIMEOUT_SECONDS",
                 "MAILGUN_ENDPOINT", "SENDGRID_API_BASE"):
        assert name in text
    assert len(problems) == 6


def test_an_unknown_mailer_is_refused(tmp_path: Path) -> None:
    [problem] = refusal(tmp_path, MAIL_MAILER="postmark")
    assert problem == ("MAIL_MAILER must be one of file, mailgun, sendgrid, smtp, "
                       "got 'postmark'")


def test_django_names_for_the_smtp_credentials_are_accepted() -> None:
    vendor, problems = section(MAIL_MAILER="smtp", SMTP_HOST="smtp.gmail.com",
                               EMAIL_HOST_USER="team@eduport.test",
                               EMAIL_HOST_PASSWORD="app-password")
    assert problems == []
    assert (vendor.smtp_username, vendor.smtp_password) == ("team@eduport.test", "app-password")
    both, _ = section(MAIL_MAILER="smtp", SMTP_HOST="h", SMTP_USERNAME="ours",
                      SMTP_PASSWORD="ours-password", EMAIL_HOST_USER="theirs",
                      EMAIL_HOST_PASSWORD="theirs-password")
    assert (both.smtp_username, both.smtp_password) == ("ours", "ours-password")


def test_smtp_username_without_password_is_refused() -> None:
    _, problems = section(MAIL_MAILER="smtp", SMTP_HOST="h", EMAIL_HOST_USER="team")
    assert len(problems) == 1
    assert problems[0].startswith("SMTP_PASSWORD (or EMAIL_HOST_PASSWORD) is missing")
    _, relay = section(MAIL_MAILER="smtp", SMTP_HOST="relay.internal", SMTP_TLS="none")
    assert relay == []  # a relay without AUTH needs neither


@pytest.mark.parametrize(("tls", "port"), [("starttls", 587), ("ssl", 465), ("none", 25)])
def test_smtp_port_follows_the_tls_mode(tls: str, port: int) -> None:
    vendor, _ = section(SMTP_TLS=tls)
    assert vendor.smtp_port == port
    explicit, _ = section(SMTP_TLS=tls, SMTP_PORT="2525")
    assert explicit.smtp_port == 2525


@pytest.mark.parametrize("endpoint", ["api.eu.mailgun.net", "https://api.eu.mailgun.net",
                                      "https://api.eu.mailgun.net/v3", "http://127.0.0.1:9000"])
def test_mailgun_endpoint_forms_are_accepted(endpoint: str) -> None:
    vendor, problems = section(MAILGUN_ENDPOINT=endpoint)
    assert (vendor.mailgun_endpoint, problems) == (endpoint, [])


@pytest.mark.parametrize(("name", "value"), [
    ("MAILGUN_ENDPOINT", "https://api.mailgun.net/v3/mg.eduport.test"),
    ("MAILGUN_DOMAIN", "https://mg.eduport.test"),
    ("SMTP_HOST", "smtp.gmail.com/587"),
])
def test_misplaced_parts_are_refused(name: str, value: str) -> None:
    _, problems = section(**{name: value})
    assert len(problems) == 1 and problems[0].startswith(name)


def test_mail_mailer_picks_the_vendor(tmp_path: Path) -> None:
    mailgun = mailer(start(tmp_path, MAIL_MAILER="mailgun", MAILGUN_DOMAIN="mg.eduport.test",
                           MAILGUN_SECRET="key-1", MAILGUN_ENDPOINT="api.eu.mailgun.net"))
    assert type(mailgun) is MailgunMailer
    assert mailgun.url == "https://api.eu.mailgun.net/v3/mg.eduport.test/messages"
    sendgrid = mailer(start(tmp_path, MAIL_MAILER="sendgrid", SENDGRID_API_KEY="SG.k",
                            SENDGRID_API_BASE="https://api.eu.sendgrid.com"))
    assert type(sendgrid) is SendGridMailer
    assert sendgrid.url == "https://api.eu.sendgrid.com/v3/mail/send"
    smtp = mailer(start(tmp_path, MAIL_MAILER="smtp", SMTP_HOST="smtp.eduport.test",
                        SMTP_TLS="ssl", MAIL_TIMEOUT_SECONDS="3"))
    assert type(smtp) is SmtpMailer
    assert (smtp._host, smtp._port, smtp._tls, smtp._timeout) == (
        "smtp.eduport.test", 465, "ssl", 3)


def test_credentials_of_another_vendor_are_pointed_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    chosen = mailer(start(tmp_path, MAILGUN_DOMAIN="mg.eduport.test", MAILGUN_SECRET="key-1"))
    assert type(chosen) is FileMailer  # MAIL_MAILER decides, not the credentials
    assert [r.getMessage() for r in caplog.records if r.name.startswith("adapters.")] == [
        "mailgun is configured but MAIL_MAILER=file: it sends nothing"]


def test_secrets_stay_out_of_the_settings_repr() -> None:
    vendor, _ = section(MAIL_MAILER="smtp", SMTP_HOST="h", SMTP_USERNAME="u",
                        SMTP_PASSWORD="smtp-pass-1", MAILGUN_SECRET="mg-secret-1",
                        SENDGRID_API_KEY="SG.secret-1")
    assert [s for s in ("smtp-pass-1", "mg-secret-1", "SG.secret-1") if s in repr(vendor)] == []
