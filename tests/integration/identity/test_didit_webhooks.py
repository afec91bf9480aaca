"""Didit's webhook signatures, reproduced against Didit's own published vectors
(didit_signature_vectors.json, see its ``_source``), and the authenticator of
``/webhooks/didit``: genuine deliveries pass by X-Signature-V2 or X-Signature, re-serialised
ones still by V2, X-Signature-Simple alone never; forged, stale and malformed ones are
refused; what reaches the inbox is the reduced payload, with no personal data."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.identity.didit import (
    DiditIdentityVerifier,
    DiditWebhookAuthenticator,
    canonical_v2,
)
from application.identity.handle_verifier_event import decision_of
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookAuthenticator, WebhookEvent
from domain.identity.statuses import VerificationStatus
from tests.contracts import Contract
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.didit_server import (
    DEFAULT_API_KEY,
    FakeDidit,
    didit_body,
    sign_webhook,
    simple_signature,
)

VECTORS = json.loads((Path(__file__).parent / "didit_signature_vectors.json").read_text())
SECRET, SIGNED_AT = VECTORS["secret"], VECTORS["timestamp"]
CASES = VECTORS["cases"]
REDUCED_KEYS = {"session_id", "status", "vendor_data", "webhook_type", "timestamp",
                "decided_at", "document_type", "issuing_country", "decline_reason"}

DIDIT_WEBHOOKS = Contract(WebhookAuthenticator, {"didit": DiditWebhookAuthenticator})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.fromtimestamp(SIGNED_AT, UTC))  # when the vectors were signed


@pytest.fixture(params=DIDIT_WEBHOOKS.params())
def authenticator(request: pytest.FixtureRequest, clock: FakeClock) -> Any:
    return DIDIT_WEBHOOKS.build(request.param, lambda: DiditWebhookAuthenticator(SECRET, clock))


def signatures(case: str) -> dict[str, str]:
    return dict(CASES[case]["signatures"])


def body_of(case: str) -> bytes:
    return str(CASES[case]["body"]).encode("utf-8")


# ------------------------------------------------------------------ Didit's vectors
@pytest.mark.parametrize("case", CASES)
def test_the_three_signatures_are_reproduced_from_the_published_body(case: str) -> None:
    payload = json.loads(body_of(case))
    body, headers = sign_webhook(SECRET, payload)  # the fake, which signs as Didit does

    assert body == body_of(case)  # canonical: sorted, compact, ASCII-escaped, 100.0 -> 100
    assert (headers["X-Signature"], headers["X-Signature-V2"], headers["X-Signature-Simple"]) \
        == (signatures(case)["raw"], signatures(case)["v2"], signatures(case)["simple"])
    assert simple_signature(SECRET, payload) == signatures(case)["simple"]
    assert headers["X-Timestamp"] == str(SIGNED_AT)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("header", ["X-Signature-V2", "X-Signature"])
def test_each_vector_verifies_by_either_signature(authenticator: Any, case: str,
                                                  header: str) -> None:
    key = "v2" if header == "X-Signature-V2" else "raw"
    event = authenticator.authenticate({header: signatures(case)[key]}, body_of(case))

    assert (event.provider, event.event_id, event.event_type) == (
        "didit", "9c0c8b8a-1111-4222-9333-444444444444", "status.updated")
    assert set(event.payload) == REDUCED_KEYS


@pytest.mark.parametrize("case", CASES)
def test_a_vector_with_the_wrong_secret_is_refused(clock: FakeClock, case: str) -> None:
    wrong = DiditWebhookAuthenticator("wh_test_secret_wrong", clock)
    with pytest.raises(InvalidSignature):
        wrong.authenticate({"X-Signature-V2": signatures(case)["v2"],
                            "X-Signature": signatures(case)["raw"]}, body_of(case))


@pytest.mark.parametrize("case", CASES)
def test_x_signature_simple_alone_is_not_enough(authenticator: Any, case: str) -> None:
    # It signs four envelope fields only: vendor_data and the decision could be rewritten.
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"X-Signature-Simple": signatures(case)["simple"],
                                    "X-Timestamp": str(SIGNED_AT)}, body_of(case))


def test_unicode_names_sign_differently_raw_and_canonical() -> None:
    body = body_of("unicode_names")
    assert b"Jos\\u00e9" in body  # the raw body is ASCII-escaped ...
    assert "José".encode() in canonical_v2(json.loads(body))  # ... V2 covers the characters
    assert signatures("unicode_names")["raw"] != signatures("unicode_names")["v2"]


@pytest.mark.parametrize("reserialise", [
    lambda p: json.dumps(p, ensure_ascii=False).encode(),  # unescaped, spaced, unsorted
    lambda p: json.dumps(p, indent=2, sort_keys=True).encode(),
    lambda p: json.dumps(dict(reversed(list(p.items())))).encode()],
    ids=["unescaped", "indented", "reordered"])
def test_a_reserialised_body_fails_x_signature_but_passes_v2(authenticator: Any,
                                                             reserialise: Any) -> None:
    body = reserialise(json.loads(body_of("unicode_names")))
    assert body != body_of("unicode_names")

    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"X-Signature": signatures("unicode_names")["raw"]}, body)
    event = authenticator.authenticate({"X-Signature": signatures("unicode_names")["raw"],
                                        "X-Signature-V2": signatures("unicode_names")["v2"]},
                                       body)
    assert event.event_id == "9c0c8b8a-1111-4222-9333-444444444444"


def test_a_whole_float_written_out_still_passes_v2(authenticator: Any) -> None:
    # Didit signs 100.0 as 100; a body that carries "100.0" is the same JSON to V2.
    original = body_of("float_scores")
    assert b'"threshold":100}' in original
    body = original.replace(b'"threshold":100}', b'"threshold":100.0}')

    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"X-Signature": signatures("float_scores")["raw"]}, body)
    authenticator.authenticate({"X-Signature-V2": signatures("float_scores")["v2"]}, body)


def test_headers_are_matched_whatever_their_case(authenticator: Any) -> None:
    event = authenticator.authenticate({"x-signature-v2": signatures("basic_approved")["v2"]},
                                       body_of("basic_approved"))
    assert event.event_type == "status.updated"


# ------------------------------------------------------------------ refused deliveries
@pytest.mark.parametrize(("old", "new"), [(b'"Approved"', b'"Declined"'),
                                          (b'"wp-42"', b'"wp-43"'),
                                          (b'"timestamp":1774970000', b'"timestamp":1774970100')],
                         ids=["status", "vendor_data", "timestamp"])
def test_a_forged_delivery_is_refused(authenticator: Any, old: bytes, new: bytes) -> None:
    body = body_of("basic_approved")
    assert old in body
    with pytest.raises(InvalidSignature, match="does not match"):
        authenticator.authenticate({"X-Signature-V2": signatures("basic_approved")["v2"],
                                    "X-Signature": signatures("basic_approved")["raw"]},
                                   body.replace(old, new))


def test_an_unsigned_delivery_is_refused(authenticator: Any) -> None:
    with pytest.raises(InvalidSignature, match="no X-Signature"):
        authenticator.authenticate({"X-Timestamp": str(SIGNED_AT)}, body_of("basic_approved"))


@pytest.mark.parametrize("seconds", [301, -301, 3600])
def test_a_stale_or_future_delivery_is_refused(authenticator: Any, clock: FakeClock,
                                               seconds: int) -> None:
    clock.advance(seconds=seconds)
    with pytest.raises(InvalidSignature, match="within 300 s"):
        authenticator.authenticate({"X-Signature-V2": signatures("basic_approved")["v2"]},
                                   body_of("basic_approved"))


@pytest.mark.parametrize("seconds", [300, -300])
def test_the_window_is_300_seconds_either_way(authenticator: Any, clock: FakeClock,
                                              seconds: int) -> None:
    clock.advance(seconds=seconds)
    authenticator.authenticate({"X-Signature-V2": signatures("basic_approved")["v2"]},
                               body_of("basic_approved"))


def test_a_fresh_x_timestamp_header_does_not_freshen_an_old_body(authenticator: Any,
                                                                 clock: FakeClock) -> None:
    clock.advance(hours=1)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"X-Signature-V2": signatures("basic_approved")["v2"],
                                    "X-Timestamp": str(SIGNED_AT + 3600)},
                                   body_of("basic_approved"))


def _signed(payload: Any) -> tuple[dict[str, str], bytes]:
    """A delivery of any JSON with a valid X-Signature (what a holder of the secret sends)."""
    body = json.dumps(payload).encode()
    return {"X-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}, body


ENVELOPE = json.loads(body_of("basic_approved"))


@pytest.mark.parametrize("payload", [
    [ENVELOPE], "text", {k: v for k, v in ENVELOPE.items() if k != "event_id"},
    {k: v for k, v in ENVELOPE.items() if k != "webhook_type"},
    {k: v for k, v in ENVELOPE.items() if k != "timestamp"},
    {**ENVELOPE, "timestamp": str(SIGNED_AT)}, {**ENVELOPE, "timestamp": True},
    {**ENVELOPE, "event_id": ""}, {**ENVELOPE, "event_id": "e" * 256},
    {**ENVELOPE, "webhook_type": "t" * 101}],
    ids=["array", "string", "no-event-id", "no-type", "no-timestamp", "text-timestamp",
         "bool-timestamp", "empty-event-id", "long-event-id", "long-type"])
def test_a_signed_body_that_is_not_a_didit_envelope_is_refused(authenticator: Any,
                                                               payload: Any) -> None:
    headers, body = _signed(payload)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(headers, body)


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe{}", b"{\"a\": NaN}", b"[" * 100_000],
                         ids=["text", "not-utf8", "nan", "deep"])
def test_a_body_that_is_not_json_is_refused(authenticator: Any, body: bytes) -> None:
    with pytest.raises(InvalidSignature, match="not JSON"):
        authenticator.authenticate({"X-Signature-V2": "0" * 64}, body)


def test_a_lone_surrogate_cannot_pass_v2(authenticator: Any) -> None:
    body = body_of("basic_approved").replace(b'"wp-42"', b'"wp-\\ud800"')
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"X-Signature-V2": signatures("basic_approved")["v2"]},
                                   body)


def test_settings_that_cannot_work_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        DiditWebhookAuthenticator("  ", clock)
    with pytest.raises(ValueError):
        DiditWebhookAuthenticator(SECRET, clock, tolerance=0)


# ------------------------------------------------------------------ what the inbox keeps
def test_the_inbox_keeps_no_personal_data(authenticator: Any) -> None:
    event = authenticator.authenticate({"X-Signature-V2": signatures("unicode_names")["v2"]},
                                       body_of("unicode_names"))

    assert event.payload == {
        "session_id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "status": "Approved",
        "vendor_data": "wp-42", "webhook_type": "status.updated", "timestamp": SIGNED_AT,
        "decided_at": "2026-03-31T15:13:14+00:00",  # the delivery's created_at
        "document_type": None, "issuing_country": None, "decline_reason": None}
    stored = json.dumps(event.payload, ensure_ascii=False)
    assert not any(name in stored for name in ("José", "Müller", "北京", "first_name"))


def test_a_decline_without_its_decision_keeps_the_status(authenticator: Any) -> None:
    event = authenticator.authenticate({"X-Signature": signatures("declined")["raw"]},
                                       body_of("declined"))
    assert (event.payload["status"], event.payload["decline_reason"]) == ("Declined", None)
    assert "metadata" not in event.payload and "wp_user_id" not in json.dumps(event.payload)


def test_an_event_eduport_does_not_follow_is_stored_without_a_session_status(
        authenticator: Any, clock: FakeClock) -> None:
    payload = {"event_id": str(uuid.uuid4()), "webhook_type": "user.status.updated",
               "timestamp": SIGNED_AT, "vendor_data": "wp-42", "status": "FLAGGED",
               "previous_status": "ACTIVE"}
    body, headers = sign_webhook(SECRET, payload)

    event = authenticator.authenticate(headers, body)
    assert event.event_type == "user.status.updated"
    with pytest.raises(ValueError):
        decision_of(event.payload)  # the identity area's reader: not a session status


# ------------------------------------------------------------------ the fake's deliveries
@pytest.fixture
def didit(fresh_didit: FakeDidit) -> Iterator[FakeDidit]:
    yield fresh_didit


def test_a_delivery_and_a_poll_of_one_decision_agree(didit: FakeDidit) -> None:
    """The webhook and ``decision`` share one mapping: the inbox's reduced payload, read by
    the identity area, is the decision the poll answers (but for the decision time, which
    only a delivery has for an automatic decision)."""
    verifier = DiditIdentityVerifier(DEFAULT_API_KEY, didit.workflow_id, base_url=didit.url)
    user = f"user-{uuid.uuid4()}"
    opened = verifier.open_session(user, "https://app.example.test/back")
    didit.decide(opened.session_id, "Declined", document_type="Driver's License",
                 issuing_state="DEU", risks=["DOCUMENT_EXPIRED", "PORTRAIT_IMAGE_NOT_DETECTED"])
    body, headers = didit.webhook(opened.session_id)
    authenticator = DiditWebhookAuthenticator(didit.webhook_secret, FakeClock(datetime.now(UTC)))

    event: WebhookEvent = authenticator.authenticate(headers, body)
    delivered, signed_at = decision_of(event.payload)
    polled = verifier.decision(opened.session_id)

    assert delivered.decided_at is not None
    assert abs(datetime.now(UTC) - delivered.decided_at) < timedelta(minutes=1)
    assert delivered == dataclasses.replace(polled, decided_at=delivered.decided_at)
    assert (delivered.status, delivered.vendor_data, delivered.decline_reason) == (
        VerificationStatus.DECLINED, user, "DOCUMENT_EXPIRED, PORTRAIT_IMAGE_NOT_DETECTED")
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)
    assert b"Carmen" in body and "Carmen" not in json.dumps(event.payload)


def test_the_fakes_deliveries_carry_the_decision_only_once_decided(didit: FakeDidit) -> None:
    verifier = DiditIdentityVerifier(DEFAULT_API_KEY, didit.workflow_id, base_url=didit.url)
    opened = verifier.open_session(f"user-{uuid.uuid4()}", "https://app.example.test/back")
    started, _ = didit.webhook(opened.session_id)
    didit.decide(opened.session_id, "Approved", risks=[])
    approved, headers = didit.webhook(opened.session_id, timestamp=SIGNED_AT)

    assert "decision" not in json.loads(started)
    assert json.loads(approved)["decision"]["status"] == "Approved"
    assert approved == didit_body(json.loads(approved))  # sent in canonical form
    assert headers["X-Timestamp"] == str(SIGNED_AT)
    assert b'"score":100,' in approved  # the face match's 100.0, shortened as Didit does
