"""Any SMTP submission server through the standard library's ``smtplib``: STARTTLS (port
587), implicit TLS (465) or, for a local relay only, none; AUTH when a username is set.

Each message is ``multipart/alternative`` (plain text, then HTML) in UTF-8, with a
``Message-ID`` made here and returned (without its angle brackets, the form the HTTP vendors'
ids take) and the idempotency key in ``X-Eduport-Key``. SMTP has no idempotent send.

Failures: a timeout, a lost connection and any 4xx reply are transient; a 5xx at RCPT or at
DATA refuses this message for good; our own configuration refused (credentials, the sender,
TLS) is transient, with an ERROR line naming the setting to fix. Nothing about the message,
the key or the credentials is logged."""

from __future__ import annotations

import email.message
import email.utils
import logging
import smtplib
import ssl

from application.messaging.ports import EmailMessage, MailUnavailable, MessageRejected, SentMail

log = logging.getLogger(__name__)

PROVIDER = "smtp"
TLS_MODES = ("starttls", "ssl", "none")


class SmtpMailer:
    provider = PROVIDER

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, tls: str = "starttls",
                 ssl_context: ssl.SSLContext | None = None, timeout_seconds: float = 10) -> None:
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {', '.join(TLS_MODES)}")
        self._host, self._port, self._tls = host, port, tls
        self._username, self._password = username, password
        self._context = ssl_context
        self._timeout = timeout_seconds
        self._sender = sender
        self._envelope_from = email.utils.parseaddr(sender)[1] or sender
        self._id_domain = self._envelope_from.rpartition("@")[2] or "eduport.local"

    def _mime(self, message: EmailMessage, idempotency_key: str) -> email.message.EmailMessage:
        mime = email.message.EmailMessage()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(usegmt=True)
        mime["Message-ID"] = email.utils.make_msgid(domain=self._id_domain)
        mime["X-Eduport-Key"] = idempotency_key
        if message.tags:
            mime["X-Eduport-Tags"] = ",".join(message.tags)
        # 7-bit transfer encodings: any relay carries them, 8BITMIME or not.
        mime.set_content(message.text, charset="utf-8", cte=_cte(message.text))
        if message.html:
            mime.add_alternative(message.html, subtype="html", charset="utf-8",
                                 cte=_cte(message.html))
        return mime

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        mime = self._mime(message, idempotency_key)
        recipient = email.utils.parseaddr(message.to)[1] or message.to
        try:
            self._deliver(mime, recipient)
        except smtplib.SMTPAuthenticationError as error:
            if error.smtp_code < 500:
                raise MailUnavailable(f"the SMTP server could not check the credentials now "
                                      f"(SMTP {error.smtp_code})") from error
            log.error("the SMTP server refused our credentials (SMTP %s): check SMTP_USERNAME "
                      "and SMTP_PASSWORD (or EMAIL_HOST_USER and EMAIL_HOST_PASSWORD)",
                      error.smtp_code)
            raise MailUnavailable(f"the SMTP server refused the credentials (SMTP "
                                  f"{error.smtp_code}): the operator must check SMTP_USERNAME "
                                  f"and SMTP_PASSWORD") from error
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            if codes and min(codes) >= 500:
                raise MessageRejected(f"the SMTP server refused the recipient (SMTP "
                                      f"{codes[0]})") from error
            raise MailUnavailable(f"the SMTP server deferred the recipient (SMTP "
                                  f"{codes[0] if codes else '?'})") from error
        except smtplib.SMTPSenderRefused as error:
            if error.smtp_code < 500:
                raise MailUnavailable(f"the SMTP server deferred the sender (SMTP "
                                      f"{error.smtp_code})") from error
            log.error("the SMTP server refused the sender (SMTP %s): check MAIL_FROM, and that "
                      "SMTP_USERNAME may send as it (530: the server wants AUTH or TLS, check "
                      "SMTP_USERNAME and SMTP_TLS)", error.smtp_code)
            raise MailUnavailable(f"the SMTP server refused the sender (SMTP {error.smtp_code}): "
                                  f"the operator must check MAIL_FROM, SMTP_USERNAME and "
                                  f"SMTP_TLS") from error
        except smtplib.SMTPDataError as error:
            if error.smtp_code >= 500:
                raise MessageRejected(f"the SMTP server refused the message (SMTP "
                                      f"{error.smtp_code})") from error
            raise MailUnavailable(f"the SMTP server deferred the message (SMTP "
                                  f"{error.smtp_code})") from error
        except smtplib.SMTPNotSupportedError as error:
            # No STARTTLS, or no AUTH offered (many servers offer it only after STARTTLS).
            log.error("the SMTP server does not offer what eduport is configured to use: check "
                      "SMTP_TLS, SMTP_PORT and SMTP_USERNAME")
            raise MailUnavailable("the SMTP server does not support the configured TLS or AUTH: "
                                  "the operator must check SMTP_TLS, SMTP_PORT and "
                                  "SMTP_USERNAME") from error
        except ssl.SSLCertVerificationError as error:
            log.error("the SMTP server's certificate does not verify: check SMTP_HOST (the name "
                      "on its certificate)")
            raise MailUnavailable("the SMTP server's certificate does not verify: the operator "
                                  "must check SMTP_HOST") from error
        except ssl.SSLError as error:
            log.error("TLS with the SMTP server failed: check SMTP_TLS against SMTP_PORT "
                      "(ssl for 465, starttls for 587)")
            raise MailUnavailable("TLS with the SMTP server failed: the operator must check "
                                  "SMTP_TLS and SMTP_PORT") from error
        except smtplib.SMTPResponseException as error:
            # Any other reply (HELO, STARTTLS, AUTH...) is about the session, not the message.
            raise MailUnavailable(f"the SMTP server failed (SMTP {error.smtp_code})") from error
        except TimeoutError as error:
            raise MailUnavailable(f"the SMTP server did not answer within {self._timeout} s"
                                  ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise MailUnavailable(f"the SMTP server could not be reached "
                                  f"({type(error).__name__})") from error
        message_id = str(mime["Message-ID"]).strip().strip("<>")
        log.info("mail sent", extra={"provider": PROVIDER, "provider_message_id": message_id})
        return SentMail(PROVIDER, message_id)

    def _deliver(self, mime: email.message.EmailMessage, recipient: str) -> None:
        context = self._context or ssl.create_default_context()
        client = (smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout,
                                   context=context) if self._tls == "ssl"
                  else smtplib.SMTP(self._host, self._port, timeout=self._timeout))
        try:
            if self._tls == "starttls":
                client.starttls(context=context)
            if self._username:
                client.login(self._username, self._password or "")
            client.send_message(mime, from_addr=self._envelope_from, to_addrs=[recipient])
        finally:
            # Not ``with``: its QUIT could raise over the real error, or after a delivery.
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


def _cte(text: str) -> str:
    return "7bit" if text.isascii() and all(len(line) <= 998 for line in text.splitlines()) \
        else "base64"
