"""The Didit verifier against a local fake of Didit's v3 API: what goes on the wire (paths
with their trailing slash, the key header, the three fields of a new session), what comes
back (only the fields eduport keeps of a decision), and how each failure reaches the core
(NotFound, DeliveryFailed with Retry-After, ERROR lines without the key)."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from adapters.outbound.identity.didit import DiditIdentityVerifier
from application.identity.ports import OpenedSession, VerifierDecision
from application.shared.errors import DeliveryFailed
from domain.identity.statuses import VerificationStatus
from domain.shared.errors import NotFound
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.didit_server import DEFAULT_API_KEY, FakeDidit

ADAPTER_LOG = "adapters.outbound.identity.didit"
CALLBACK = "https://app.example.test/identity/verification"
KEPT = {"session_id", "vendor_data", "status", "decided_at", "document_type",
        "issuing_country", "decline_reason"}
# What the fake's report holds about the person; none of it may reach eduport.
PERSONAL = ("Carmen", "Española", "1980-01-01", "CAA000000", "99999999R", "portrait.jpg",
            "front.jpg", "Calle Mayor", "203.0.113.7", "didit-fp", "reviewer@example.test")


@pytest.fixture
def didit(fresh_didit: FakeDidit) -> FakeDidit:
    return fresh_didit


@pytest.fixture
def verifier(didit: FakeDidit) -> DiditIdentityVerifier:
    return DiditIdentityVerifier(DEFAULT_API_KEY, didit.workflow_id, base_url=didit.url,
                                 connect_timeout=2, read_timeout=2)


def new_user() -> str:
    return f"user-{uuid.uuid4()}"


def adapter_levels(caplog: pytest.LogCaptureFixture) -> list[int]:
    return [r.levelno for r in caplog.records if r.name == ADAPTER_LOG]


# ------------------------------------------------------------------ open_session
def test_open_session_posts_the_three_fields_with_the_key(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    opened = verifier.open_session(user, CALLBACK)

    session = didit.session(opened.session_id)
    assert opened == OpenedSession(session.session_id, session.url,
                                   VerificationStatus.NOT_STARTED)
    assert opened.url is not None and opened.url.startswith("https://verify.didit.me/session/")
    [sent] = didit.requests
    assert (sent.method, sent.path, sent.status) == ("POST", "/v3/session/", 201)
    assert sent.params == {"workflow_id": didit.workflow_id, "vendor_data": user,
                           "callback": CALLBACK}  # nothing else about the person
    assert sent.header("x-api-key") == DEFAULT_API_KEY
    assert sent.header("Accept") == "application/json"
    assert sent.header("Content-Type") == "application/json"


def test_open_session_again_answers_the_unfinished_session(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    first = verifier.open_session(user, CALLBACK)
    didit.decide(first.session_id, "In Progress", document_type=None)
    again = verifier.open_session(user, CALLBACK + "?again=1")

    assert again == OpenedSession(first.session_id, first.url, VerificationStatus.IN_PROGRESS)
    [session] = didit.sessions_of(user)
    assert session.callback == CALLBACK + "?again=1"  # Didit updates it


def test_a_decided_session_is_not_handed_back(didit: FakeDidit,
                                              verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    first = verifier.open_session(user, CALLBACK)
    didit.decide(first.session_id, "Declined", risks=["DOCUMENT_EXPIRED"])

    second = verifier.open_session(user, CALLBACK)
    assert second.session_id != first.session_id
    assert second.status is VerificationStatus.NOT_STARTED


@pytest.mark.parametrize(("user", "callback"), [
    ("", CALLBACK), ("   ", CALLBACK), ("u1", "/identity/verification"),
    ("u1", "javascript:alert(1)"), ("u1", "https://app.example.test/a b")])
def test_open_session_refuses_what_it_cannot_send(didit: FakeDidit,
                                                  verifier: DiditIdentityVerifier,
                                                  user: str, callback: str) -> None:
    with pytest.raises(ValueError):
        verifier.open_session(user, callback)
    assert didit.requests == []


def test_an_unknown_workflow_is_a_setup_fault(didit: FakeDidit,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ADAPTER_LOG)
    other = DiditIdentityVerifier(DEFAULT_API_KEY, str(uuid.uuid4()), base_url=didit.url)

    with pytest.raises(DeliveryFailed, match="DIDIT_WORKFLOW_ID"):
        other.open_session(new_user(), CALLBACK)
    assert didit.requests[-1].status == 404
    assert adapter_levels(caplog) == [logging.ERROR]


@pytest.mark.parametrize("body", [
    "<html>OK</html>", json.dumps({"session_id": "s1", "status": "Not Started"}),
    json.dumps({"session_id": "../x", "url": "https://verify.didit.me/session/t",
                "status": "Not Started"}),
    json.dumps({"session_id": "s1", "url": "https://verify.didit.me/session/t",
                "status": "Approved-ish"})],
    ids=["html", "no-url", "path-in-id", "unknown-status"])
def test_a_new_session_we_cannot_use_is_a_delivery_failure(
        didit: FakeDidit, verifier: DiditIdentityVerifier, body: str) -> None:
    didit.malform_next(body=body, status=201, content_type="application/json")

    with pytest.raises(DeliveryFailed):
        verifier.open_session(new_user(), CALLBACK)


# ------------------------------------------------------------------ decision
def test_the_decision_of_a_new_session(didit: FakeDidit,
                                       verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    opened = verifier.open_session(user, CALLBACK)

    assert verifier.decision(opened.session_id) == VerifierDecision(
        opened.session_id, user, VerificationStatus.NOT_STARTED)
    sent = didit.requests[-1]
    assert (sent.method, sent.path) == ("GET", f"/v3/session/{opened.session_id}/decision/")
    assert sent.header("x-api-key") == DEFAULT_API_KEY


def test_an_approval_keeps_only_the_allowed_fields(didit: FakeDidit,
                                                   verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    opened = verifier.open_session(user, CALLBACK)
    reviewed = datetime(2026, 4, 21, 16, 42, 50, tzinfo=UTC)
    report = didit.decide(opened.session_id, "Approved", document_type="Identity Card",
                          issuing_state="ESP", reviewed_at=reviewed)
    assert all(text in json.dumps(report, ensure_ascii=False) for text in PERSONAL)

    decision = verifier.decision(opened.session_id)

    assert decision == VerifierDecision(opened.session_id, user, VerificationStatus.APPROVED,
                                        decided_at=reviewed, document_type="Identity Card",
                                        issuing_country="ESP", decline_reason=None)
    assert {f.name for f in dataclasses.fields(decision)} == KEPT
    assert not any(text in repr(decision) for text in PERSONAL)


def test_a_decline_keeps_the_risk_codes_not_the_data_behind_them(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    opened = verifier.open_session(user, CALLBACK)
    didit.decide(opened.session_id, "Declined", document_type="Passport", issuing_state="FRA",
                 risks=["DOCUMENT_EXPIRED", "ID_DOCUMENT_IN_BLOCKLIST", "DOCUMENT_EXPIRED"])

    decision = verifier.decision(opened.session_id)

    assert (decision.status, decision.document_type, decision.issuing_country) == (
        VerificationStatus.DECLINED, "Passport", "FRA")
    assert decision.decline_reason == "DOCUMENT_EXPIRED, ID_DOCUMENT_IN_BLOCKLIST"
    assert not any(text in repr(decision) for text in PERSONAL)


def test_a_reviewers_decision_has_its_time_not_its_comment(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    opened = verifier.open_session(new_user(), CALLBACK)
    reviewed = datetime(2026, 4, 21, 16, 42, 50, 445000, tzinfo=UTC)
    didit.decide(opened.session_id, "Declined", reviewed_at=reviewed)

    decision = verifier.decision(opened.session_id)

    assert decision.decided_at == reviewed
    assert decision.decline_reason == "declined by a reviewer at Didit"


def test_a_session_in_review_is_still_open_and_keeps_nothing_yet(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    user = new_user()
    opened = verifier.open_session(user, CALLBACK)
    didit.decide(opened.session_id, "In Review", risks=["DOCUMENT_EXPIRED"])

    assert verifier.decision(opened.session_id) == VerifierDecision(
        opened.session_id, user, VerificationStatus.IN_REVIEW)


def test_the_decision_of_an_unknown_session_is_not_found(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    with pytest.raises(NotFound):
        verifier.decision(str(uuid.uuid4()))
    assert didit.requests[-1].status == 404


@pytest.mark.parametrize("session_id", ["", "../v3/session/", "a/b", "x?y", "a" * 65])
def test_an_id_that_cannot_be_didits_is_not_asked_for(
        didit: FakeDidit, verifier: DiditIdentityVerifier, session_id: str) -> None:
    with pytest.raises(NotFound):
        verifier.decision(session_id)
    verifier.forget(session_id)
    assert didit.requests == []


def test_a_decision_with_a_status_eduport_does_not_know(
        didit: FakeDidit, verifier: DiditIdentityVerifier,
        caplog: pytest.LogCaptureFixture) -> None:
    opened = verifier.open_session(new_user(), CALLBACK)
    didit.decide(opened.session_id, "Resub Requested")

    with pytest.raises(DeliveryFailed, match="status"):
        verifier.decision(opened.session_id)
    assert adapter_levels(caplog)[-1] == logging.ERROR


# ------------------------------------------------------------------ forget
def test_forget_deletes_the_session_and_is_idempotent(didit: FakeDidit,
                                                      verifier: DiditIdentityVerifier) -> None:
    opened = verifier.open_session(new_user(), CALLBACK)
    didit.decide(opened.session_id, "Approved")

    verifier.forget(opened.session_id)
    sent = didit.requests[-1]
    assert (sent.method, sent.path, sent.status) == (
        "DELETE", f"/v3/session/{opened.session_id}/delete/", 204)
    assert didit.session(opened.session_id).deleted
    with pytest.raises(NotFound):
        verifier.decision(opened.session_id)

    verifier.forget(opened.session_id)  # Didit answers 404 now: already forgotten
    assert didit.requests[-1].status == 404
    verifier.forget(str(uuid.uuid4()))  # never known: nothing to forget


def test_forget_refused_while_didit_must_keep_the_session(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    opened = verifier.open_session(new_user(), CALLBACK)
    didit.malform_next(status=409, content_type="application/json",
                       body=json.dumps({"detail": "Session is part of a filed report.",
                                        "code": "in_filed_report"}))

    with pytest.raises(DeliveryFailed, match="in_filed_report"):
        verifier.forget(opened.session_id)
    assert not didit.session(opened.session_id).deleted


# ------------------------------------------------------------------ failures
CALLS = {
    "open_session": lambda v, sid: v.open_session(new_user(), CALLBACK),
    "decision": lambda v, sid: v.decision(sid),
    "forget": lambda v, sid: v.forget(sid),
}


@pytest.fixture
def session_id(didit: FakeDidit, verifier: DiditIdentityVerifier) -> str:
    opened = verifier.open_session(new_user(), CALLBACK)
    didit.clear_log()
    return opened.session_id


@pytest.mark.parametrize("call", CALLS)
def test_a_refused_key_is_an_error_line_without_the_key(
        didit: FakeDidit, session_id: str, call: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ADAPTER_LOG)
    wrong = DiditIdentityVerifier("not-the-key-0123456789", didit.workflow_id,
                                  base_url=didit.url)

    with pytest.raises(DeliveryFailed, match="DIDIT_API_KEY") as raised:
        CALLS[call](wrong, session_id)
    assert didit.requests[-1].status == 401
    assert adapter_levels(caplog) == [logging.ERROR]
    assert "not-the-key" not in caplog.text and "not-the-key" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__context__ is None


@pytest.mark.parametrize("call", CALLS)
def test_a_forbidden_account_is_an_error_line_with_didits_code(
        didit: FakeDidit, verifier: DiditIdentityVerifier, session_id: str, call: str,
        caplog: pytest.LogCaptureFixture) -> None:
    didit.malform_next(status=403, content_type="application/json",
                       body=json.dumps({"detail": "No credits left.",
                                        "code": "contract_billing_suspended"}))

    with pytest.raises(DeliveryFailed, match="contract_billing_suspended"):
        CALLS[call](verifier, session_id)
    assert adapter_levels(caplog) == [logging.ERROR]
    assert DEFAULT_API_KEY not in caplog.text


def test_a_missing_key_is_what_the_fake_answers_403_to(didit: FakeDidit) -> None:
    import requests

    answer = requests.post(f"{didit.url}/v3/session/", json={}, timeout=5)
    assert (answer.status_code, answer.json()) == (
        403, {"detail": "Authentication credentials were not provided."})


@pytest.mark.parametrize("call", CALLS)
def test_rate_limiting_passes_retry_after_on(didit: FakeDidit,
                                             verifier: DiditIdentityVerifier,
                                             session_id: str, call: str) -> None:
    didit.fail_next(status=429, retry_after=17)

    with pytest.raises(DeliveryFailed) as raised:
        CALLS[call](verifier, session_id)
    assert raised.value.retry_after == 17


def test_rate_limiting_without_a_usable_retry_after(didit: FakeDidit,
                                                    verifier: DiditIdentityVerifier) -> None:
    didit.fail_next(status=429)
    with pytest.raises(DeliveryFailed) as raised:
        verifier.open_session(new_user(), CALLBACK)
    assert raised.value.retry_after is None


@pytest.mark.parametrize(("status", "body", "retry_after"), [
    (500, None, None), (502, "<html>Bad gateway</html>", None), (503, "", 30)],
    ids=["500-json", "502-html", "503-empty-retry-after"])
@pytest.mark.parametrize("call", CALLS)
def test_server_errors_are_delivery_failures(
        didit: FakeDidit, verifier: DiditIdentityVerifier, session_id: str, call: str,
        status: int, body: str | None, retry_after: int | None,
        caplog: pytest.LogCaptureFixture) -> None:
    didit.fail_next(status=status, body=body, retry_after=retry_after)

    with pytest.raises(DeliveryFailed) as raised:
        CALLS[call](verifier, session_id)
    assert raised.value.retry_after == retry_after
    assert adapter_levels(caplog) == [logging.WARNING]


def test_a_bad_request_names_the_field(didit: FakeDidit, verifier: DiditIdentityVerifier,
                                       caplog: pytest.LogCaptureFixture) -> None:
    didit.malform_next(status=400, content_type="application/json",
                       body=json.dumps({"callback": ["Enter a valid URL."]}))

    with pytest.raises(DeliveryFailed, match="invalid callback"):
        verifier.open_session(new_user(), CALLBACK)
    assert adapter_levels(caplog) == [logging.ERROR]


def test_a_bad_request_without_a_field_quotes_didit_without_the_key(
        didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    didit.malform_next(status=400, content_type="application/json", body=json.dumps(
        {"detail": f"vendor_data too long (key {DEFAULT_API_KEY})"}))

    with pytest.raises(DeliveryFailed, match="vendor_data too long") as raised:
        verifier.open_session(new_user(), CALLBACK)
    assert DEFAULT_API_KEY not in str(raised.value)


def test_a_redirect_is_not_followed(didit: FakeDidit, verifier: DiditIdentityVerifier) -> None:
    didit.malform_next(status=307, body="", content_type="text/plain")

    with pytest.raises(DeliveryFailed, match="HTTP 307"):
        verifier.open_session(new_user(), CALLBACK)
    assert len(didit.requests) == 1


def test_a_timeout_is_a_delivery_failure(didit: FakeDidit,
                                         caplog: pytest.LogCaptureFixture) -> None:
    impatient = DiditIdentityVerifier(DEFAULT_API_KEY, didit.workflow_id, base_url=didit.url,
                                      connect_timeout=1, read_timeout=0.3)
    didit.delay_next(1, 2)

    with pytest.raises(DeliveryFailed, match="in time") as raised:
        impatient.open_session(new_user(), CALLBACK)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert adapter_levels(caplog) == [logging.WARNING]


def test_an_unreachable_didit_is_a_delivery_failure(didit: FakeDidit) -> None:
    gone = DiditIdentityVerifier(DEFAULT_API_KEY, didit.workflow_id,
                                 base_url=f"http://127.0.0.1:{closed_port()}")
    for call in CALLS.values():
        with pytest.raises(DeliveryFailed, match="could not be reached"):
            call(gone, str(uuid.uuid4()))


def test_a_decision_that_is_not_json(didit: FakeDidit, verifier: DiditIdentityVerifier,
                                     session_id: str) -> None:
    didit.malform_next(body="<html>Maintenance</html>")
    with pytest.raises(DeliveryFailed, match="cannot read"):
        verifier.decision(session_id)


# ------------------------------------------------------------------ settings
@pytest.mark.parametrize(("key", "workflow", "base"), [
    ("", "3f9b1c5e-8d2a-4e7f-9b6c-1a2b3c4d5e6f", "https://verification.didit.me"),
    ("k", "not-a-uuid", "https://verification.didit.me"),
    ("k", "3f9b1c5e-8d2a-4e7f-9b6c-1a2b3c4d5e6f", "http://verification.didit.me"),
    ("k", "3f9b1c5e-8d2a-4e7f-9b6c-1a2b3c4d5e6f", "ftp://127.0.0.1")])
def test_settings_that_cannot_work_are_refused_at_start(key: str, workflow: str,
                                                        base: str) -> None:
    with pytest.raises(ValueError):
        DiditIdentityVerifier(key, workflow, base_url=base)


def test_the_defaults_are_didits_host_and_explicit_timeouts() -> None:
    verifier = DiditIdentityVerifier("the-api-key", "3F9B1C5E-8D2A-4E7F-9B6C-1A2B3C4D5E6F")
    assert verifier.base_url == "https://verification.didit.me"
    assert verifier.workflow_id == "3f9b1c5e-8d2a-4e7f-9b6c-1a2b3c4d5e6f"
    assert (verifier.provider, verifier.hosted) == ("didit", True)
    assert "the-api-key" not in repr(vars(verifier)["_session"].auth)
