"""What the records contract suites of an area share: one implementation (the fake, SQLite
or PostgreSQL) of the area's units of work, with the accounts', catalog's and kernel's over
the same records for the users and courses the area's rows point at, and the outbox
messages its commits dispatched."""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.persistence.catalog import SqlCatalogUnitOfWork
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.system import UuidGenerator
from application.shared.process_outbox_message import PROCESS_OUTBOX_JOB
from domain.accounts.model import EmailAddress, User
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import Course
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.unit.accounts.fakes import FakeAccountsUnitOfWork
from tests.unit.catalog.fakes import FakeCatalogUnitOfWork
from tests.unit.shared.fakes import (
    FakeClock,
    FakeDatabase,
    FakeIdGenerator,
    FakeKernelUnitOfWork,
    FakeTaskQueue,
)

T0 = datetime(2026, 12, 1, 9, 0, 0, 250000, tzinfo=UTC)  # sub-second: kept exactly
FAKES = {"accounts": FakeAccountsUnitOfWork, "catalog": FakeCatalogUnitOfWork,
         "kernel": FakeKernelUnitOfWork}
SQL = {"accounts": SqlAccountsUnitOfWork, "catalog": SqlCatalogUnitOfWork,
       "kernel": SqlKernelUnitOfWork}
R = TypeVar("R", bound="AreaRecords")


class AreaRecords:
    """One implementation of an area's storage: ``self()`` opens a new unit of work of the
    area, checked against ``unit_of_work``; ``repository`` one of its repositories, checked
    against its Contract."""

    unit_of_work: Contract  # the area's unit-of-work Contract, set by each suite

    def __init__(self, param: str, make: Callable[[type[Any], FakeTaskQueue], Any],
                 kinds: Mapping[str, type[Any]]) -> None:
        self.param, self._make, self._kinds = param, make, kinds
        self.queue = FakeTaskQueue()

    def __call__(self) -> Any:
        return self.unit_of_work.build(self.param, lambda: self._make(self._kinds["area"],
                                                                      self.queue))

    def _other(self, kind: str) -> Any:
        return self._make(self._kinds[kind], FakeTaskQueue())

    def repository(self, uow: Any, contract: Contract) -> Any:
        """The repository the unit-of-work port declares of ``contract``'s port."""
        name = next(name for name, port
                    in typing.get_type_hints(self.unit_of_work.port).items()
                    if port is contract.port)
        return contract.build(self.param, lambda: getattr(uow, name))

    def dispatched_messages(self) -> list[Any]:
        """The outbox messages the area's commits dispatched, in the order they were."""
        assert {job for job, _ in self.queue.jobs} <= {PROCESS_OUTBOX_JOB}
        with self._other("kernel") as kernel:
            messages = [kernel.outbox.claim(message_id, datetime.now(UTC),
                                            timedelta(minutes=1))
                        for _, (message_id,) in self.queue.jobs]
        assert None not in messages  # each job names a message that is there
        return messages

    # --- setting up what the area's records point at ---

    def user(self, name: str, role: Role = Role.STUDENT) -> str:
        someone = User.register(str(uuid.uuid4()), EmailAddress.parse(
            f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.test"), name, role, "hashed", T0)
        with self._other("accounts") as uow:
            uow.users.add(someone)
            uow.commit()
        return someone.id

    def course(self, teacher_id: str, title: str = "Compilers") -> str:
        made = Course(str(uuid.uuid4()), teacher_id, title, f"c-{uuid.uuid4().hex[:8]}", "",
                      Money.zero("USD"), T0, T0)
        with self._other("catalog") as uow:
            uow.courses.add(made)
            uow.commit()
        return made.id

    def enroll(self, student_id: str, course_id: str, suspended: bool = False) -> None:
        enrollment = Enrollment(str(uuid.uuid4()), student_id, course_id, T0)
        if suspended:
            enrollment.suspend()
        with self._other("catalog") as uow:
            uow.enrollments.add(enrollment)
            uow.commit()


def fake_records(cls: type[R], fake: type[Any]) -> R:
    """One fake database and one id sequence for every unit of work: outbox ids never
    repeat."""
    db, ids = FakeDatabase(), FakeIdGenerator()
    return cls("fake", lambda kind, queue: kind(db, FakeClock(T0), ids, queue),
               {"area": fake, **FAKES})


def records_for(request: pytest.FixtureRequest, cls: type[R], fake: type[Any],
                sql: type[Any], param: str | None = None) -> R:
    """``cls`` over the fake (``fake_records``), or the SQL units of work on SQLite or
    PostgreSQL, as ``param`` (the test's by default) says."""
    param = param or request.param
    if param == "fake":
        return fake_records(cls, fake)
    engine = request.getfixturevalue("contract_engine" if param == "sqlite"
                                     else "postgres_engine")
    sessions = session_factory(engine)
    return cls(param, lambda kind, queue: kind(sessions, FakeClock(T0),
                                                       UuidGenerator(), queue),
               {"area": sql, **SQL})


