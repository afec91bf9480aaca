"""Mailgun's send API over plain ``requests`` (vendor-contracts.md, section 4):
``POST {endpoint}/v3/{domain}/messages`` with HTTP Basic ``api:SECRET`` and a form body.

The idempotency key travels as the custom variable ``v:eduport-key`` (it comes back in the
webhooks' ``user-variables``); Mailgun has no idempotent send, so a retry after a lost answer
may deliver twice. The id Mailgun answers with (``<...@domain>``) is returned without its
angle brackets, the form its webhooks report it in.

Failures: a timeout, a connection error, 408, 429 (``Retry-After`` into ``retry_after``) and
5xx are transient; our own configuration refused (401/403 key, 404 unknown domain, a sender
Mailgun will not take) is transient too, with an ERROR line naming the setting to fix; any
other 4xx refuses this message for good. Nothing about the message or the key is logged."""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from application.messaging.ports import EmailMessage, MailUnavailable, MessageRejected, SentMail

log = logging.getLogger(__name__)

PROVIDER = "mailgun"
DEFAULT_ENDPOINT = "api.mailgun.net"
_ADDRESS = re.compile(r"[^\s<>@,;:\"'()\[\]]+@[^\s<>@,;:\"'()\[\]]+")
_MAX_DETAIL = 300


def mailgun_base_url(endpoint: str) -> str:
    """``https://host`` from MAILGUN_ENDPOINT as the seed platforms write it: a bare host
    (``api.eu.mailgun.net``), or a URL, with or without a trailing ``/v3``."""
    base = endpoint.strip().rstrip("/")
    if "://" not in base:
        base = f"https://{base}"
    if base.endswith("/v3"):
        base = base[: -len("/v3")]
    return base


def retry_after(response: requests.Response) -> int | None:
    """The service's ``Retry-After`` in whole seconds (delta-seconds or an HTTP date)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, round((when - datetime.now(UTC)).total_seconds()))


def scrub(text: str) -> str:
    """A vendor's error text made fit for a delivery record and a log: no addresses."""
    return _ADDRESS.sub("<address>", " ".join(text.split()))[:_MAX_DETAIL]


class MailgunMailer:
    provider = PROVIDER

    def __init__(self, domain: str, secret: str, sender: str, *,
                 endpoint: str = DEFAULT_ENDPOINT, timeout_seconds: float = 10,
                 session: requests.Session | None = None) -> None:
        self.url = f"{mailgun_base_url(endpoint)}/v3/{quote(domain.strip(), safe='')}/messages"
        self._auth = ("api", secret)
        self._sender, self._timeout = sender, timeout_seconds
        self._session = session or requests.Session()

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        form = [("from", self._sender), ("to", message.to), ("subject", message.subject),
                ("text", message.text)]
        if message.html:
            form.append(("html", message.html))
        form.extend(("o:tag", tag) for tag in message.tags)
        form.append(("v:eduport-key", idempotency_key))
        try:
            response = self._session.post(self.url, data=form, auth=self._auth,
                                          timeout=self._timeout)
        except requests.Timeout as error:
            raise MailUnavailable(f"Mailgun did not answer within {self._timeout} s") from error
        except requests.RequestException as error:
            raise MailUnavailable(
                f"Mailgun could not be reached ({type(error).__name__})") from error
        status = response.status_code
        if 200 <= status < 300:
            return self._sent(response)
        detail = _detail(response)
        if status in (401, 403):
            log.error("Mailgun refused our API key (HTTP %s): check MAILGUN_SECRET, and "
                      "MAILGUN_ENDPOINT (an EU domain needs api.eu.mailgun.net)", status)
            raise MailUnavailable(f"Mailgun refused the API key (HTTP {status}): the operator "
                                  "must check MAILGUN_SECRET and MAILGUN_ENDPOINT")
        if status == 404:
            log.error("Mailgun does not know the sending domain (HTTP 404): check "
                      "MAILGUN_DOMAIN, and MAILGUN_ENDPOINT (a domain works only in its region)")
            raise MailUnavailable("Mailgun does not know the sending domain (HTTP 404): the "
                                  "operator must check MAILGUN_DOMAIN and MAILGUN_ENDPOINT")
        if status in (408, 429) or status >= 500:
            raise MailUnavailable(f"Mailgun failed transiently (HTTP {status}): {detail}",
                                  retry_after(response))
        if status == 400 and "'from'" in detail:
            log.error("Mailgun refused the sender (HTTP 400): check MAIL_FROM")
            raise MailUnavailable(f"Mailgun refused the sender: the operator must check "
                                  f"MAIL_FROM ({detail})")
        raise MessageRejected(f"Mailgun refused the message (HTTP {status}): {detail}")

    def _sent(self, response: requests.Response) -> SentMail:
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        raw = answer.get("id") if isinstance(answer, dict) else None
        message_id = str(raw).strip().strip("<>") if raw else None
        log.info("mail sent", extra={"provider": PROVIDER, "provider_message_id": message_id})
        return SentMail(PROVIDER, message_id)


def _detail(response: requests.Response) -> str:
    """Mailgun's ``{"message": ...}``, or its plain-text body (``Forbidden``)."""
    try:
        body = response.json()
    except ValueError:
        return scrub(response.text) or response.reason or ""
    if isinstance(body, dict) and body.get("message"):
        return scrub(str(body["message"]))
    return scrub(response.text)
