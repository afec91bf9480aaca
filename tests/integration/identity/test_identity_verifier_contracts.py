"""The IdentityVerifier contract, run against the fake the unit tests use, the Didit adapter
(against the local fake Didit) and the embedded manual review where the behaviour is shared:
if the fake drifts from Didit, these fail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from adapters.outbound.identity.didit import DiditIdentityVerifier
from adapters.outbound.identity.manual import ManualIdentityVerifier
from application.identity.ports import IdentityVerifier, VerifierDecision
from application.shared.errors import DeliveryFailed
from domain.identity.statuses import VerificationStatus
from domain.shared.errors import NotFound
from tests.contracts import Contract
from tests.unit.identity.fakes import FakeIdentityVerifier
from tests.vendor_servers.didit_server import DEFAULT_API_KEY, FakeDidit

VERIFIERS = Contract(IdentityVerifier, {"fake": FakeIdentityVerifier,
                                        "didit": DiditIdentityVerifier,
                                        "manual": ManualIdentityVerifier})
HOSTED = [name for name in VERIFIERS.implementations if name != "manual"]
CALLBACK = "https://app.example.test/identity/verification"
S = VerificationStatus

# decide(session_id, status, risk_code or None) as the person and the verifier's checks do
Decide = Callable[[str, VerificationStatus, str | None], None]


@dataclass
class Subject:
    verifier: Any
    decide: Decide | None  # None: nobody outside eduport decides (the manual review)
    busy: Callable[[int], None] | None  # the next call is rate limited, Retry-After seconds


def _fake() -> Subject:
    fake = FakeIdentityVerifier()

    def decide(session_id: str, status: VerificationStatus, risk: str | None) -> None:
        fake.decide(session_id, status, document_type="Passport", issuing_country="ESP",
                    decline_reason=risk)

    def busy(seconds: int) -> None:
        fake.failures.append(DeliveryFailed("rate limited", seconds))

    return Subject(fake, decide, busy)


def _didit(server: FakeDidit) -> Subject:
    def decide(session_id: str, status: VerificationStatus, risk: str | None) -> None:
        server.decide(session_id, status.value, document_type="Passport",
                      issuing_state="ESP", risks=[risk] if risk else [])

    return Subject(DiditIdentityVerifier(DEFAULT_API_KEY, server.workflow_id,
                                         base_url=server.url, read_timeout=5),
                   decide, lambda seconds: server.fail_next(status=429, retry_after=seconds))


@pytest.fixture(params=VERIFIERS.params())
def subject(request: pytest.FixtureRequest) -> Subject:
    return _subject(request)


@pytest.fixture(params=HOSTED)
def hosted(request: pytest.FixtureRequest) -> Subject:
    return _subject(request)


def _subject(request: pytest.FixtureRequest) -> Subject:
    name = request.param
    if name == "didit":
        built = _didit(request.getfixturevalue("fresh_didit"))
    elif name == "fake":
        built = _fake()
    else:
        built = Subject(ManualIdentityVerifier(), None, None)
    VERIFIERS.build(name, lambda: built.verifier)
    return built


def user() -> str:
    return f"user-{uuid.uuid4()}"


def test_identity_verifier_contract_opens_a_session_not_started(subject: Subject) -> None:
    verifier = subject.verifier
    assert isinstance(verifier.provider, str) and verifier.provider
    opened = verifier.open_session(user(), CALLBACK)

    assert isinstance(opened.session_id, str) and opened.session_id
    assert opened.status is S.NOT_STARTED
    if verifier.hosted:
        assert opened.url is not None and urlsplit(opened.url).scheme in ("http", "https")
    else:
        assert opened.url is None  # an admin reviews: nowhere to send the person


def test_identity_verifier_contract_each_user_has_a_session_of_their_own(
        subject: Subject) -> None:
    first = subject.verifier.open_session(user(), CALLBACK)
    second = subject.verifier.open_session(user(), CALLBACK)
    assert first.session_id != second.session_id


def test_identity_verifier_contract_an_unfinished_session_comes_back(hosted: Subject) -> None:
    person = user()
    first = hosted.verifier.open_session(person, CALLBACK)
    again = hosted.verifier.open_session(person, CALLBACK)
    assert again == first


def test_identity_verifier_contract_a_decided_session_does_not_come_back(
        hosted: Subject) -> None:
    assert hosted.decide is not None
    person = user()
    first = hosted.verifier.open_session(person, CALLBACK)
    hosted.decide(first.session_id, S.DECLINED, "DOCUMENT_EXPIRED")
    assert hosted.verifier.open_session(person, CALLBACK).session_id != first.session_id


def test_identity_verifier_contract_an_open_session_has_nothing_decided(
        hosted: Subject) -> None:
    person = user()
    opened = hosted.verifier.open_session(person, CALLBACK)
    assert hosted.verifier.decision(opened.session_id) == VerifierDecision(
        opened.session_id, person, S.NOT_STARTED)


@pytest.mark.parametrize(("status", "risk", "reason"), [
    (S.APPROVED, None, None), (S.DECLINED, "DOCUMENT_EXPIRED", "DOCUMENT_EXPIRED"),
    (S.APPROVED, "DOCUMENT_EXPIRED", None)],
    ids=["approved", "declined", "approved-despite-a-warning"])
def test_identity_verifier_contract_a_decision_keeps_the_document_and_the_reason(
        hosted: Subject, status: VerificationStatus, risk: str | None,
        reason: str | None) -> None:
    assert hosted.decide is not None
    person = user()
    opened = hosted.verifier.open_session(person, CALLBACK)
    hosted.decide(opened.session_id, status, risk)

    assert hosted.verifier.decision(opened.session_id) == VerifierDecision(
        opened.session_id, person, status, decided_at=None, document_type="Passport",
        issuing_country="ESP", decline_reason=reason)


def test_identity_verifier_contract_an_unknown_session_is_not_found(subject: Subject) -> None:
    with pytest.raises(NotFound):
        subject.verifier.decision(str(uuid.uuid4()))


def test_identity_verifier_contract_forget_is_idempotent(subject: Subject) -> None:
    opened = subject.verifier.open_session(user(), CALLBACK)
    subject.verifier.forget(opened.session_id)
    subject.verifier.forget(opened.session_id)  # already gone: not an error
    subject.verifier.forget(str(uuid.uuid4()))  # never known: nothing to forget
    with pytest.raises(NotFound):
        subject.verifier.decision(opened.session_id)


def test_identity_verifier_contract_a_busy_verifier_says_when_to_retry(hosted: Subject) -> None:
    assert hosted.busy is not None
    hosted.busy(42)
    with pytest.raises(DeliveryFailed) as raised:
        hosted.verifier.open_session(user(), CALLBACK)
    assert raised.value.retry_after == 42
    hosted.verifier.open_session(user(), CALLBACK)  # and answers again afterwards
