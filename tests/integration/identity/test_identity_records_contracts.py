"""The identity area's records through the fake unit of work and the SQL one on SQLite and
PostgreSQL, the same checks: verifications and teacher applications read back as stored,
in the ports' orders and filters; one record per verifier session and one application per
person; nothing kept without a commit; the published standing over them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.identity import (
    SqlIdentityUnitOfWork,
    SqlTeacherApplicationRepository,
    SqlVerificationRepository,
)
from application.identity.ports import (
    IdentityUnitOfWork,
    TeacherApplicationRepository,
    VerificationRepository,
)
from application.identity.standing import RecordedStanding
from domain.identity.statuses import OPEN
from domain.identity.statuses import VerificationStatus as S
from domain.identity.teachers import ApplicationStatus, TeacherApplication
from domain.identity.verification import IdentityVerification
from domain.shared.errors import Conflict
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.integration.area_records import T0, AreaRecords, records_for
from tests.unit.identity.fakes import (
    FakeIdentityUnitOfWork,
    FakeTeacherApplicationRepository,
    FakeVerificationRepository,
)

POSTGRES = pytest.mark.postgres
UNIT_OF_WORK = Contract(IdentityUnitOfWork, {"fake": FakeIdentityUnitOfWork,
                                             "sqlite": SqlIdentityUnitOfWork,
                                             "postgres": SqlIdentityUnitOfWork},
                        marks={"postgres": POSTGRES})
VERIFICATIONS = Contract(VerificationRepository, {
    "fake": FakeVerificationRepository, "sqlite": SqlVerificationRepository,
    "postgres": SqlVerificationRepository}, marks={"postgres": POSTGRES})
APPLICATIONS = Contract(TeacherApplicationRepository, {
    "fake": FakeTeacherApplicationRepository, "sqlite": SqlTeacherApplicationRepository,
    "postgres": SqlTeacherApplicationRepository}, marks={"postgres": POSTGRES})
assert VERIFICATIONS.implementations.keys() == APPLICATIONS.implementations.keys() == \
    UNIT_OF_WORK.implementations.keys()


class Identity(AreaRecords):
    unit_of_work = UNIT_OF_WORK

    def verifications(self, uow: Any) -> Any:
        return self.repository(uow, VERIFICATIONS)

    def applications(self, uow: Any) -> Any:
        return self.repository(uow, APPLICATIONS)


@pytest.fixture(params=UNIT_OF_WORK.params())
def identity(request: pytest.FixtureRequest) -> Identity:
    return records_for(request, Identity, FakeIdentityUnitOfWork, SqlIdentityUnitOfWork)


def opened(user_id: str, minutes: float, provider: str = "didit",
           status: S = S.NOT_STARTED) -> IdentityVerification:
    return IdentityVerification(str(uuid.uuid4()), user_id, provider, uuid.uuid4().hex,
                                T0 + timedelta(minutes=minutes),
                                url="https://verify.example.test/s", status=status)


def looks(v: IdentityVerification) -> tuple[Any, ...]:
    return (v.id, v.user_id, v.provider, v.session_id, v.created_at, v.url, v.status,
            v.status_at, v.decided_at, v.document_type, v.issuing_country, v.decline_reason,
            v.reviewer_id, v.next_poll_at, v.version)


def store(identity: Identity, *records: IdentityVerification | TeacherApplication) -> None:
    with identity() as uow:
        for record in records:
            if isinstance(record, IdentityVerification):
                identity.verifications(uow).add(record)
            else:
                identity.applications(uow).add(record)
        uow.commit()


def test_verifications_read_back_in_the_ports_orders(identity: Identity) -> None:
    ann, bob = identity.user("Ann"), identity.user("Bob")
    first, second = opened(ann, 0), opened(ann, 5, provider="manual")
    other = opened(bob, 1, status=S.IN_REVIEW)
    store(identity, first, second, other)
    with identity() as uow:
        found = identity.verifications(uow).by_session("didit", first.session_id)
        found.apply(S.APPROVED, T0 + timedelta(minutes=9), document_type="Passport",
                    issuing_country="EST")
        uow.commit()
    with identity() as uow:
        repo = identity.verifications(uow)
        assert looks(repo.get(first.id)) == looks(found)
        assert repo.latest(ann).id == second.id
        assert repo.latest("nobody") is None
        assert [v.id for v in repo.with_status(OPEN, None, 10)] == [other.id, second.id]
        assert [v.id for v in repo.with_status(OPEN, "manual", 10)] == [second.id]
        assert [v.id for v in repo.with_status(frozenset({S.APPROVED}), None, 10)] == [
            first.id]
        assert repo.by_session("manual", first.session_id) is None


def test_polls_are_due_for_open_sessions_old_enough_and_not_put_off(
        identity: Identity) -> None:
    ann = identity.user("Ann")
    old, young, later = opened(ann, 0), opened(ann, 50), opened(ann, 1)
    decided = opened(ann, 2, status=S.DECLINED)
    later.next_poll_at = T0 + timedelta(minutes=90)
    store(identity, old, young, later, decided)
    with identity() as uow:
        repo = identity.verifications(uow)
        due = repo.due_for_poll("didit", T0 + timedelta(minutes=30), T0 + timedelta(hours=1), 10)
        assert [v.id for v in due] == [old.id]
        due = repo.due_for_poll("didit", T0 + timedelta(minutes=30), T0 + timedelta(hours=2), 10)
        assert [v.id for v in due] == [old.id, later.id]
        assert repo.due_for_poll("manual", T0 + timedelta(hours=9), T0 + timedelta(hours=9),
                                 10) == []


def test_one_record_per_verifier_session(identity: Identity) -> None:
    ann = identity.user("Ann")
    first = opened(ann, 0)
    store(identity, first)
    twin = opened(ann, 1)
    twin.session_id = first.session_id
    with pytest.raises(Conflict):
        store(identity, twin)
    with identity() as uow:  # left without commit
        identity.verifications(uow).add(opened(ann, 3))
    with identity() as uow:
        assert identity.verifications(uow).latest(ann).id == first.id


def test_applications_one_per_person_by_status_and_the_published_standing(
        identity: Identity) -> None:
    tess, una = identity.user("Tess", Role.TEACHER), identity.user("Una", Role.TEACHER)
    waiting = TeacherApplication(str(uuid.uuid4()), tess, T0 + timedelta(minutes=1))
    earlier = TeacherApplication(str(uuid.uuid4()), una, T0)
    store(identity, waiting, earlier)
    with pytest.raises(Conflict):
        store(identity, TeacherApplication(str(uuid.uuid4()), tess, T0))
    with identity() as uow:
        repo = identity.applications(uow)
        assert [a.id for a in repo.with_status(ApplicationStatus.PENDING, 10)] == [
            earlier.id, waiting.id]
        repo.of_user(una).describe("Physics", "Taught for years.", T0)
        repo.of_user(una).approve("admin-1", T0 + timedelta(minutes=2))
        uow.commit()
    verified = opened(tess, 0, status=S.APPROVED)
    store(identity, verified)
    with identity() as uow:
        repo = identity.applications(uow)
        found = repo.get(earlier.id)
        assert (found.status, found.headline, found.bio, found.decided_by) == (
            ApplicationStatus.APPROVED, "Physics", "Taught for years.", "admin-1")
        assert [a.id for a in repo.with_status(ApplicationStatus.PENDING, 10)] == [waiting.id]
        standing = RecordedStanding(identity.verifications(uow), repo)
        assert standing.is_approved_teacher(una) and not standing.is_approved_teacher(tess)
        assert standing.is_verified(tess) and not standing.is_verified(una)
