"""The ``institution-sync`` authenticator as a ``WebhookAuthenticator``: a report signed
(by the ``standardwebhooks`` library) with the secret of the institution it names is
accepted, with any one good ``v1`` signature among several; a tampered, stale, unsigned or
another institution's report is ``InvalidSignature``; what it reports is checked after."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from adapters.outbound.institutions.signing import (
    InstitutionSignatures,
    InstitutionSyncAuthenticator,
    RandomSigningSecrets,
)
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookAuthenticator
from domain.shared.errors import InvalidValue
from tests.contracts import Contract
from tests.unit.shared.fakes import FakeClock

SYNC_WEBHOOKS = Contract(WebhookAuthenticator, {"institution-sync": InstitutionSyncAuthenticator})
SECRETS = {"cairo": RandomSigningSecrets().new_secret(),
           "alex": RandomSigningSecrets().new_secret()}
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=SYNC_WEBHOOKS.params())
def authenticator(request: pytest.FixtureRequest) -> Any:
    return SYNC_WEBHOOKS.build(request.param, lambda: InstitutionSyncAuthenticator(
        InstitutionSignatures(SECRETS.get, FakeClock(NOW))))


def signed(body: Any, secret: str = SECRETS["cairo"], at: datetime = NOW,
           message_id: str = "msg_1", extra: str = "") -> tuple[bytes, dict[str, str]]:
    data = json.dumps(body)
    signature = Webhook(secret).sign(message_id, at, data)
    return data.encode(), {"webhook-id": message_id,
                           "webhook-timestamp": str(int(at.timestamp())),
                           "webhook-signature": f"{extra} {signature}".strip()}


REPORT = {"institution_id": "cairo", "metric": "students", "value": 15_000}


def test_a_genuine_report_is_accepted(authenticator: WebhookAuthenticator) -> None:
    event = authenticator.authenticate(*reversed(signed(REPORT, extra="v1,AAAA v2,x")))
    assert (event.provider, event.event_id, event.event_type) == (
        "institution-sync", "msg_1", "metric.students")
    assert event.payload == {**REPORT, "reported_at": NOW.isoformat()}


def test_the_secrets_are_standard_webhooks_secrets() -> None:
    assert all(s.startswith("whsec_") and len(s) == 38 for s in SECRETS.values())
    assert SECRETS["cairo"] != SECRETS["alex"]


@pytest.mark.parametrize("delivery", [
    lambda: signed(REPORT, secret=SECRETS["alex"]),  # another institution's key
    lambda: signed({**REPORT, "institution_id": "nobody"}),
    lambda: signed(REPORT, at=NOW - timedelta(minutes=6)),
    lambda: signed(REPORT, at=NOW + timedelta(minutes=6)),
    lambda: (json.dumps({**REPORT, "value": 1}).encode(), signed(REPORT)[1]),  # tampered
    lambda: (signed(REPORT)[0], {**signed(REPORT)[1], "webhook-id": "msg_2"}),
    lambda: (signed(REPORT)[0], {}),
    lambda: (signed(REPORT)[0], {**signed(REPORT)[1], "webhook-timestamp": "9" * 30}),
    lambda: (b"\xff\xfe", signed(REPORT)[1]),
])
def test_what_is_not_signed_by_the_institution_is_refused(
        authenticator: WebhookAuthenticator, delivery: Any) -> None:
    body, headers = delivery()
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(headers, body)


@pytest.mark.parametrize("report", [
    {**REPORT, "metric": "books"}, {**REPORT, "value": -1}, {**REPORT, "value": 2.5},
    {**REPORT, "value": None}, {**REPORT, "value": 10**16}])
def test_a_signed_report_of_nothing_we_know_is_invalid(
        authenticator: WebhookAuthenticator, report: dict[str, Any]) -> None:
    body, headers = signed(report)
    with pytest.raises(InvalidValue):
        authenticator.authenticate(headers, body)
