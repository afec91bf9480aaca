"""Identity's rules and use cases over fakes: a verification's status only moves forward
whatever order the verifier's news comes in, and keeps nothing but what is allowed; manual
reviews; polling a verifier that lost a webhook; teacher applications from sign-up to
approval, rejection, a changed profile and withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from application.accounts.published import TeacherRegistered
from application.identity.change_teacher_application import (
    ChangeTeacherApplication,
    ChangeTeacherApplicationCommand,
)
from application.identity.config import IdentityPolicy
from application.identity.decide_teacher_application import (
    DecideTeacherApplication,
    DecideTeacherApplicationCommand,
)
from application.identity.handle_verifier_event import HandleVerifierEvent
from application.identity.open_teacher_application import OpenTeacherApplication
from application.identity.poll_verifications import PollVerifications
from application.identity.published import IdentityRequirements
from application.identity.review_verification import (
    ReviewVerification,
    ReviewVerificationCommand,
)
from application.identity.verify_identity import VerifyIdentity, VerifyIdentityCommand
from application.identity.withdraw_teacher_application import (
    WithdrawTeacherApplication,
    WithdrawTeacherApplicationCommand,
)
from application.shared.ports import Principal, WebhookEvent
from domain.accounts.model import User
from domain.identity.statuses import VerificationStatus as S
from domain.identity.teachers import ApplicationStatus, TeacherApplication
from domain.identity.verification import IdentityVerification
from domain.shared.errors import Conflict, InvalidValue, PermissionDenied
from domain.shared.roles import Role
from tests.unit.conftest import World
from tests.unit.identity.fakes import FakeIdentityVerifier, identity_standing

TESS = Principal("teacher-1", Role.TEACHER)
ANN = Principal("student-1", Role.STUDENT)
ROOT = Principal("admin-1", Role.PLATFORM_ADMIN)


@pytest.fixture
def world() -> World:
    world = World()
    for who, name in ((TESS, "Tess Tutor"), (ANN, "Ann Lee"), (ROOT, "Root Admin")):
        world.db.users[who.user_id] = User(who.user_id, f"{who.user_id}@example.test", name,
                                           Role(who.role), "hashed", world.clock.now())
    return world


def verification(**changes: object) -> IdentityVerification:
    made = IdentityVerification("v-1", "student-1", "didit", "s-1", World().clock.now())
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def test_a_late_in_progress_never_overwrites_approved() -> None:
    v, t0 = verification(), World().clock.now()
    assert v.apply(S.IN_PROGRESS, t0 + timedelta(seconds=1))
    assert v.apply(S.APPROVED, t0 + timedelta(seconds=5), document_type="Passport",
                   issuing_country="EST", decline_reason="ignored for an approval")
    assert not v.apply(S.IN_PROGRESS, t0 + timedelta(seconds=9))  # later, but further back
    assert not v.apply(S.IN_REVIEW, t0 + timedelta(seconds=9))
    assert not v.apply(S.DECLINED, t0 + timedelta(seconds=2))  # a decision, but older news
    assert (v.status, v.document_type, v.issuing_country, v.decline_reason) == (
        S.APPROVED, "Passport", "EST", None)
    assert v.apply(S.DECLINED, t0 + timedelta(seconds=20), decline_reason="x" * 900)
    assert v.status is S.DECLINED and len(v.decline_reason or "") == 500
    assert [e.status for e in v.events] == ["Approved", "Declined"]  # type: ignore[attr-defined]


def test_manual_reviews_need_a_reason_to_decline_and_happen_once() -> None:
    v = verification(provider="manual")
    with pytest.raises(InvalidValue):
        v.review("admin-1", approved=False, reason="  ", now=World().clock.now())
    v.review("admin-1", approved=True, reason=None, now=World().clock.now())
    assert v.is_verified and v.reviewer_id == "admin-1"
    with pytest.raises(Conflict):
        v.review("admin-1", approved=False, reason="no", now=World().clock.now())
    with pytest.raises(Conflict):
        verification().review("admin-1", approved=True, reason=None, now=World().clock.now())


def test_verifying_opens_one_session_and_answers_it_again(world: World) -> None:
    verifier = FakeIdentityVerifier()
    verify = world.build(VerifyIdentity, verifier=verifier)
    first = verify(VerifyIdentityCommand(ANN))
    again = verify(VerifyIdentityCommand(ANN))
    assert first == again and first.status == "Not Started" and first.url
    assert len(world.db.identity_verifications) == 1


def test_deliveries_in_any_order_and_never_for_another_user(world: World) -> None:
    verifier = FakeIdentityVerifier()
    opened = world.build(VerifyIdentity, verifier=verifier)(VerifyIdentityCommand(ANN))
    [stored] = world.db.identity_verifications.values()
    handle = world.build(HandleVerifierEvent)
    t = int(world.clock.now().timestamp())

    def deliver(status: str, at: int, user: str = ANN.user_id, **decided: str) -> str:
        payload = {"session_id": stored.session_id, "status": status, "vendor_data": user,
                   "timestamp": at, **decided}
        outcome: str = handle(WebhookEvent("didit", f"e-{status}-{at}", "status.updated",
                                           payload))
        return outcome

    assert deliver("Approved", t + 10, document_type="Passport") == "Approved"
    assert deliver("In Progress", t + 20).startswith("ignored")
    assert deliver("Declined", t + 30, user="student-9").startswith("ignored")
    assert deliver("Not A Status", t + 40).startswith("ignored")
    seen = world.db.identity_verifications[opened.id]
    assert (seen.status, seen.document_type) == (S.APPROVED, "Passport")
    with world.uow() as uow:
        assert identity_standing(uow).is_verified(ANN.user_id)


def test_a_poll_settles_what_a_lost_webhook_left_open(world: World) -> None:
    verifier = FakeIdentityVerifier()
    world.build(VerifyIdentity, verifier=verifier)(VerifyIdentityCommand(ANN))
    [stored] = world.db.identity_verifications.values()
    poll = world.build(PollVerifications, verifier=verifier,
                       policy=IdentityPolicy(poll_after=timedelta(minutes=30)))
    assert poll() == 0  # too early: the webhook may still come
    verifier.decide(stored.session_id, S.DECLINED, decided_at=world.clock.now(),
                    document_type="Passport", issuing_country="EST",
                    decline_reason="the document had expired")
    world.clock.advance(minutes=31)
    assert poll() == 1
    seen = world.db.identity_verifications[stored.id]
    assert (seen.status, seen.decline_reason) == (S.DECLINED, "the document had expired")
    assert poll() == 0  # decided: nothing left to ask


def test_admins_review_manual_verifications_and_nobody_their_own(world: World) -> None:
    opened = world.build(VerifyIdentity)(VerifyIdentityCommand(ANN))  # the embedded default
    assert opened.provider == "manual" and opened.url is None
    review = world.build(ReviewVerification)
    with pytest.raises(PermissionDenied):
        review(ReviewVerificationCommand(TESS, opened.id, approved=True))
    declined = review(ReviewVerificationCommand(ROOT, opened.id, False, "blurred photo"))
    assert (declined.status, declined.decline_reason) == ("Declined", "blurred photo")
    mine = world.build(VerifyIdentity)(VerifyIdentityCommand(ROOT))
    with pytest.raises(PermissionDenied):
        review(ReviewVerificationCommand(ROOT, mine.id, approved=True))


def _apply(world: World) -> TeacherApplication:
    world.build(OpenTeacherApplication)(TeacherRegistered(user_id=TESS.user_id), "k-1")
    world.build(OpenTeacherApplication)(TeacherRegistered(user_id=TESS.user_id), "k-2")
    [application] = world.db.teacher_applications.values()
    return application  # type: ignore[no-any-return]


def test_a_teacher_is_approved_once_verified(world: World) -> None:
    application = _apply(world)
    assert application.status is ApplicationStatus.PENDING
    decide = world.build(DecideTeacherApplication)
    with pytest.raises(Conflict, match="identity"):
        decide(DecideTeacherApplicationCommand(ROOT, application.id, approved=True))
    opened = world.build(VerifyIdentity)(VerifyIdentityCommand(TESS))
    world.build(ReviewVerification)(ReviewVerificationCommand(ROOT, opened.id, True))
    approved = decide(DecideTeacherApplicationCommand(ROOT, application.id, approved=True))
    assert approved.status == "approved"
    with pytest.raises(Conflict):
        decide(DecideTeacherApplicationCommand(ROOT, application.id, approved=True))
    with world.uow() as uow:
        IdentityRequirements().ensure_may_publish(identity_standing(uow), TESS)
    assert [row["message"].event_type for row in world.db.outbox.values()].count(
        "TeacherApproved") == 1


def test_a_rejected_teacher_applies_again_only_with_a_changed_profile(world: World) -> None:
    application = _apply(world)
    change = world.build(ChangeTeacherApplication)
    change(ChangeTeacherApplicationCommand(TESS, "Maths tutor", "Ten years of algebra."))
    decide = world.build(DecideTeacherApplication,
                         policy=IdentityPolicy(teacher_requires_identity=False))
    with pytest.raises(InvalidValue):
        decide(DecideTeacherApplicationCommand(ROOT, application.id, False, reason=" "))
    rejected = decide(DecideTeacherApplicationCommand(ROOT, application.id, False,
                                                      reason="no subject experience shown"))
    assert (rejected.status, rejected.reason) == ("rejected", "no subject experience shown")
    with world.uow() as uow, pytest.raises(PermissionDenied, match="not approved"):
        IdentityRequirements().ensure_may_publish(identity_standing(uow), TESS)
    with pytest.raises(Conflict, match="change your profile"):
        change(ChangeTeacherApplicationCommand(TESS, "Maths tutor", "Ten years of algebra."))
    again = change(ChangeTeacherApplicationCommand(TESS, "Maths tutor",
                                                   "Ten years of algebra; a PhD."))
    assert (again.status, again.reason) == ("pending", "no subject experience shown")
    withdrawn = world.build(WithdrawTeacherApplication)(WithdrawTeacherApplicationCommand(TESS))
    assert withdrawn.status == "withdrawn"
    with pytest.raises(Conflict):
        decide(DecideTeacherApplicationCommand(ROOT, application.id, approved=True))
    with pytest.raises(PermissionDenied):
        change(ChangeTeacherApplicationCommand(ANN, "x", "y"))


def test_students_need_a_verified_identity_only_where_the_platform_asks(world: World) -> None:
    with world.uow() as uow:
        IdentityRequirements().ensure_verified(identity_standing(uow), ANN, "pay")
        with pytest.raises(PermissionDenied, match="POST /me/identity-verification"):
            replace(IdentityRequirements(), students_verified=True).ensure_verified(
                identity_standing(uow), ANN, "pay")
        replace(IdentityRequirements(), students_verified=True).ensure_verified(
            identity_standing(uow), TESS, "pay")  # teachers are not asked
