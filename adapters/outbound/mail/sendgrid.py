"""SendGrid's v3 Mail Send over plain ``requests`` (vendor-contracts.md, section 5):
``POST {base}/v3/mail/send`` with ``Authorization: Bearer KEY`` and a JSON body.

``text/plain`` goes before ``text/html`` (SendGrid refuses the other order), the tags become
``categories`` and the idempotency key the custom argument ``eduport_key`` (it comes back in
every Event Webhook event). SendGrid has no idempotent send. Success is 202 with an empty body
and the message's id in ``X-Message-Id`` (events report it as the part of ``sg_message_id``
before the first dot).

Failures: a timeout, a connection error, 408, 429 (``Retry-After``, else the seconds until
``X-RateLimit-Reset``, into ``retry_after``) and 5xx are transient; our own configuration
refused (401/403: the key, its Mail Send permission or an unverified sender; a 400 on the
``from`` field) is transient too, with an ERROR line naming the setting to fix; any other 4xx
refuses this message for good. Nothing about the message or the key is logged."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import requests

from adapters.outbound.mail.mailgun import retry_after, scrub
from application.messaging.ports import EmailMessage, MailUnavailable, MessageRejected, SentMail

log = logging.getLogger(__name__)

PROVIDER = "sendgrid"
DEFAULT_API_BASE = "https://api.sendgrid.com"
_MAX_CATEGORIES = 10  # SendGrid's limit per message


def _address(value: str) -> dict[str, str]:
    name, address = email.utils.parseaddr(value)
    return {"email": address or value.strip(), **({"name": name} if name else {})}


class SendGridMailer:
    provider = PROVIDER

    def __init__(self, api_key: str, sender: str, *, api_base: str = DEFAULT_API_BASE,
                 timeout_seconds: float = 10, session: requests.Session | None = None) -> None:
        self.url = f"{api_base.strip().rstrip('/')}/v3/mail/send"
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._sender, self._timeout = _address(sender), timeout_seconds
        self._session = session or requests.Session()

    def body(self, message: EmailMessage, idempotency_key: str) -> dict[str, Any]:
        content = [{"type": "text/plain", "value": message.text}]
        if message.html:
            content.append({"type": "text/html", "value": message.html})
        body: dict[str, Any] = {
            "personalizations": [{"to": [_address(message.to)]}],
            "from": self._sender,
            "subject": message.subject,
            "content": content,
            "custom_args": {"eduport_key": idempotency_key},
        }
        if message.tags:
            body["categories"] = list(dict.fromkeys(message.tags))[:_MAX_CATEGORIES]
        return body

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        try:
            response = self._session.post(self.url, json=self.body(message, idempotency_key),
                                          headers=self._headers, timeout=self._timeout)
        except requests.Timeout as error:
            raise MailUnavailable(f"SendGrid did not answer within {self._timeout} s") from error
        except requests.RequestException as error:
            raise MailUnavailable(
                f"SendGrid could not be reached ({type(error).__name__})") from error
        status = response.status_code
        if 200 <= status < 300:
            message_id = response.headers.get("X-Message-Id") or None
            log.info("mail sent", extra={"provider": PROVIDER, "provider_message_id": message_id})
            return SentMail(PROVIDER, message_id)
        errors = _errors(response)
        detail = "; ".join(f"{field}: {text}" if field else text for field, text in errors)
        detail = detail or response.reason or ""
        if status == 401:
            log.error("SendGrid refused our API key (HTTP 401): check SENDGRID_API_KEY")
            raise MailUnavailable("SendGrid refused the API key (HTTP 401): the operator must "
                                  "check SENDGRID_API_KEY")
        if status == 403:
            log.error("SendGrid forbade the send (HTTP 403): check that SENDGRID_API_KEY has the "
                      "Mail Send permission and that MAIL_FROM is a verified sender")
            raise MailUnavailable(f"SendGrid forbade the send (HTTP 403): the operator must "
                                  f"check SENDGRID_API_KEY and MAIL_FROM ({detail})")
        if status in (408, 429) or status >= 500:
            raise MailUnavailable(f"SendGrid failed transiently (HTTP {status}): {detail}",
                                  _retry_after(response))
        if any(field in ("from", "from.email") for field, _ in errors):
            log.error("SendGrid refused the sender (HTTP %s): check MAIL_FROM", status)
            raise MailUnavailable(f"SendGrid refused the sender: the operator must check "
                                  f"MAIL_FROM ({detail})")
        raise MessageRejected(f"SendGrid refused the message (HTTP {status}): {detail}")


def _errors(response: requests.Response) -> list[tuple[str | None, str]]:
    """SendGrid's ``{"errors": [{"message", "field", "help"}]}`` as (field, message) pairs."""
    try:
        body = response.json()
    except ValueError:
        text = scrub(response.text)
        return [(None, text)] if text else []
    found = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(found, list):
        return []
    return [(str(e["field"]) if e.get("field") else None, scrub(str(e.get("message") or "")))
            for e in found if isinstance(e, dict)]


def _retry_after(response: requests.Response) -> int | None:
    hint = retry_after(response)
    if hint is not None:
        return hint
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if reset.isdigit():  # an epoch second
        return max(0, int(reset) - int(time.time()))
    return None
