"""Messaging's mail wiring: which mail service sends email. ``MAIL_MAILER`` names it
(mailgun, sendgrid or smtp, with the seed platforms' variable names); unset, the embedded
mailer writes .eml files to MAIL_OUTBOX_DIR."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from injector import Module, provider, singleton

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.settings import Settings, SettingsReader
from adapters.wiring.choice import vendor_or_default
from application.messaging.ports import Mailer

log = logging.getLogger(__name__)

MAILERS = ("file", "mailgun", "sendgrid", "smtp")
SMTP_TLS_MODES = ("starttls", "ssl", "none")
_SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class MailVendorSettings:
    mailer: str = "file"  # MAIL_MAILER
    mailgun_domain: str | None = None
    mailgun_secret: str | None = field(default=None, repr=False)
    mailgun_endpoint: str = "api.mailgun.net"  # a host (https assumed) or a URL
    sendgrid_api_key: str | None = field(default=None, repr=False)
    sendgrid_api_base: str = "https://api.sendgrid.com"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None  # SMTP_USERNAME, else EMAIL_HOST_USER
    smtp_password: str | None = field(default=None, repr=False)  # or EMAIL_HOST_PASSWORD
    smtp_tls: str = "starttls"
    timeout_seconds: int = 10

    @classmethod
    def read(cls, reader: SettingsReader) -> MailVendorSettings:
        mailer = reader.choice("MAIL_MAILER", "file", MAILERS)
        domain, secret = reader.text("MAILGUN_DOMAIN"), reader.text("MAILGUN_SECRET")
        endpoint = reader.required("MAILGUN_ENDPOINT", "api.mailgun.net")
        api_key = reader.text("SENDGRID_API_KEY")
        api_base = reader.url("SENDGRID_API_BASE", "https://api.sendgrid.com", ("http", "https"))
        host = reader.text("SMTP_HOST")
        username = reader.text("SMTP_USERNAME") or reader.text("EMAIL_HOST_USER")
        password = reader.text("SMTP_PASSWORD") or reader.text("EMAIL_HOST_PASSWORD")
        tls = reader.choice("SMTP_TLS", "starttls", SMTP_TLS_MODES)
        port = reader.integer("SMTP_PORT", _SMTP_PORTS.get(tls, 587), 1)
        if port > 65535:
            reader.problems.append(f"SMTP_PORT must be a port number, got {port}")
        needed = {
            "mailgun": {"MAILGUN_DOMAIN": domain, "MAILGUN_SECRET": secret},
            "sendgrid": {"SENDGRID_API_KEY": api_key},
            "smtp": {"SMTP_HOST": host},
        }.get(mailer, {})
        missing = [name for name, value in needed.items() if value is None]
        if missing:
            reader.problems.append(
                f"MAIL_MAILER={mailer} needs {' and '.join(missing)}: set "
                f"{'it' if len(missing) == 1 else 'them'}, or choose another MAIL_MAILER")
        if mailer == "smtp" and (username is None) != (password is None):
            absent = ("SMTP_USERNAME (or EMAIL_HOST_USER)" if username is None
                      else "SMTP_PASSWORD (or EMAIL_HOST_PASSWORD)")
            reader.problems.append(f"{absent} is missing: SMTP AUTH needs a username and a "
                                   "password together (or neither, for a relay without AUTH)")
        if domain is not None and any(c in domain for c in "/:@ "):
            reader.problems.append("MAILGUN_DOMAIN must be the sending domain alone (e.g. "
                                   f"mg.example.com), got {domain!r}")
        _check_endpoint(reader, endpoint)
        if host is not None and any(c in host for c in "/ "):
            reader.problems.append("SMTP_HOST must be a host name alone (the port goes in "
                                   f"SMTP_PORT), got {host!r}")
        return cls(mailer=mailer, mailgun_domain=domain, mailgun_secret=secret,
                   mailgun_endpoint=endpoint, sendgrid_api_key=api_key,
                   sendgrid_api_base=api_base or "https://api.sendgrid.com", smtp_host=host,
                   smtp_port=port, smtp_username=username, smtp_password=password,
                   smtp_tls=tls, timeout_seconds=reader.integer("MAIL_TIMEOUT_SECONDS", 10, 1))

    def unused(self) -> list[str]:
        """Vendors whose credentials are set although MAIL_MAILER names another."""
        given = {"mailgun": self.mailgun_secret, "sendgrid": self.sendgrid_api_key,
                 "smtp": self.smtp_host}
        return [name for name, value in given.items() if value and name != self.mailer]


def _check_endpoint(reader: SettingsReader, endpoint: str) -> None:
    from adapters.outbound.mail.mailgun import mailgun_base_url

    parsed = urlparse(mailgun_base_url(endpoint))
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path \
            or parsed.query:
        reader.problems.append("MAILGUN_ENDPOINT must be Mailgun's API host (api.mailgun.net, or "
                               f"api.eu.mailgun.net for an EU domain), got {endpoint!r}")


class MailModule(Module):
    section = MailVendorSettings  # registered in MessagingModule.sections: checked at start-up

    @singleton
    @provider
    def mailer(self, settings: Settings) -> Mailer:
        from adapters.wiring.messaging import MessagingSettings

        mail, vendor = settings.section(MessagingSettings), settings.section(MailVendorSettings)
        timeout = vendor.timeout_seconds

        def mailgun() -> Mailer:
            from adapters.outbound.mail.mailgun import MailgunMailer

            return MailgunMailer(vendor.mailgun_domain or "", vendor.mailgun_secret or "",
                                 mail.mail_from, endpoint=vendor.mailgun_endpoint,
                                 timeout_seconds=timeout)

        def sendgrid() -> Mailer:
            from adapters.outbound.mail.sendgrid import SendGridMailer

            return SendGridMailer(vendor.sendgrid_api_key or "", mail.mail_from,
                                  api_base=vendor.sendgrid_api_base, timeout_seconds=timeout)

        def smtp() -> Mailer:
            from adapters.outbound.mail.smtp import SmtpMailer

            if vendor.smtp_tls == "none" and vendor.smtp_username:
                log.warning("SMTP_TLS=none: the SMTP credentials and every message travel "
                            "unencrypted")
            return SmtpMailer(vendor.smtp_host or "", vendor.smtp_port, mail.mail_from,
                              username=vendor.smtp_username, password=vendor.smtp_password,
                              tls=vendor.smtp_tls, timeout_seconds=timeout)

        factories: dict[str, Callable[[], Mailer]] = {
            "mailgun": mailgun, "sendgrid": sendgrid, "smtp": smtp}
        for name in vendor.unused():
            log.warning("%s is configured but MAIL_MAILER=%s: it sends nothing", name,
                        vendor.mailer)
        return vendor_or_default(
            {name: factory if vendor.mailer == name else None
             for name, factory in factories.items()},
            ("file", lambda: FileMailer(mail.outbox_dir, mail.mail_from)))
