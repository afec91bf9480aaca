"""The WebhookAuthenticator contract for the mail services' event webhooks: a genuinely
signed delivery becomes a WebhookEvent; unsigned, tampered and stale ones are refused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.mail.mailgun_webhooks import MailgunWebhookAuthenticator
from adapters.outbound.mail.sendgrid_webhooks import SendGridWebhookAuthenticator
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookAuthenticator
from tests.contracts import Contract
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.mailgun_server import mailgun_webhook_body
from tests.vendor_servers.sendgrid_server import SendGridSigner, sendgrid_event

MAIL_AUTHENTICATORS = Contract(WebhookAuthenticator, {
    "mailgun": MailgunWebhookAuthenticator, "sendgrid": SendGridWebhookAuthenticator})
MAILGUN_KEY = "whsk-contract-key"
SIGNER = SendGridSigner()


@dataclass
class Signed:
    authenticator: Any
    clock: FakeClock
    # (body, headers) of a genuine delivery, and of one tampered after signing
    genuine: Callable[[], tuple[bytes, dict[str, str]]]
    tampered: Callable[[], tuple[bytes, dict[str, str]]]
    unsigned: Callable[[], tuple[bytes, dict[str, str]]]


def _mailgun(clock: FakeClock) -> Signed:
    def genuine() -> tuple[bytes, dict[str, str]]:
        return json.dumps(mailgun_webhook_body(MAILGUN_KEY, "delivered", message_id="<m@mg>",
                                               recipient="ann@example.test",
                                               timestamp=int(time.time()))).encode(), {}

    def tampered() -> tuple[bytes, dict[str, str]]:
        body = json.loads(genuine()[0])
        body["signature"]["token"] = "another-token-" + "x" * 36
        return json.dumps(body).encode(), {}

    def unsigned() -> tuple[bytes, dict[str, str]]:
        body = json.loads(genuine()[0])
        del body["signature"]
        return json.dumps(body).encode(), {}

    authenticator = MAIL_AUTHENTICATORS.build(
        "mailgun", lambda: MailgunWebhookAuthenticator(MAILGUN_KEY, clock))
    return Signed(authenticator, clock, genuine, tampered, unsigned)


def _sendgrid(clock: FakeClock) -> Signed:
    body = json.dumps([sendgrid_event("delivered", "ann@example.test", "sg1")]).encode()
    authenticator = MAIL_AUTHENTICATORS.build(
        "sendgrid", lambda: SendGridWebhookAuthenticator(SIGNER.public_key_base64(), clock))
    return Signed(authenticator, clock, lambda: (body, SIGNER.headers(body)),
                  lambda: (body.replace(b"ann@", b"eve@"), SIGNER.headers(body)),
                  lambda: (body, {}))


@pytest.fixture(params=MAIL_AUTHENTICATORS.params())
def signed(request: pytest.FixtureRequest) -> Signed:
    clock = FakeClock(datetime.now(UTC))
    return {"mailgun": _mailgun, "sendgrid": _sendgrid}[request.param](clock)


def test_a_genuine_delivery_becomes_an_event(signed: Signed) -> None:
    body, headers = signed.genuine()
    event = signed.authenticator.authenticate(headers, body)
    assert event.provider == signed.authenticator.provider and event.event_id
    again = signed.authenticator.authenticate(headers, body)
    assert again.event_id == event.event_id  # a redelivery is recognised as the same one


@pytest.mark.parametrize("kind", ["tampered", "unsigned"])
def test_tampered_and_unsigned_deliveries_are_refused(signed: Signed, kind: str) -> None:
    body, headers = getattr(signed, kind)()
    with pytest.raises(InvalidSignature):
        signed.authenticator.authenticate(headers, body)


@pytest.mark.parametrize("shift", [timedelta(seconds=301), -timedelta(seconds=301)])
def test_deliveries_signed_too_long_ago_or_ahead_are_refused(signed: Signed,
                                                             shift: timedelta) -> None:
    body, headers = signed.genuine()
    signed.clock.advance(seconds=shift.total_seconds())
    with pytest.raises(InvalidSignature):
        signed.authenticator.authenticate(headers, body)
