"""The accounts ports' contracts, run against the fake and every real adapter."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.system import SystemClock, UuidGenerator
from application.accounts.ports import AccountsUnitOfWork
from tests.contracts import Contract
from tests.unit.accounts.fakes import FakeAccountsUnitOfWork
from tests.unit.shared.fakes import FakeDatabase, FakeTaskQueue

# --- UnitOfWork ------------------------------------------------------------------------------


ACCOUNTS_UNIT_OF_WORK = Contract(AccountsUnitOfWork, {
    "fake": FakeAccountsUnitOfWork, "sqlalchemy": SqlAccountsUnitOfWork})


@pytest.fixture(params=ACCOUNTS_UNIT_OF_WORK.params())
def unit_of_work(request: pytest.FixtureRequest) -> Callable[[], Any]:
    if request.param == "fake":
        db = FakeDatabase()
        return lambda: ACCOUNTS_UNIT_OF_WORK.build(
            "fake", lambda: FakeAccountsUnitOfWork(db, queue=FakeTaskQueue()))
    sessions = session_factory(request.getfixturevalue("contract_engine"))
    return lambda: ACCOUNTS_UNIT_OF_WORK.build("sqlalchemy", lambda: SqlAccountsUnitOfWork(
        sessions, SystemClock(), UuidGenerator(), FakeTaskQueue()))


def test_unit_of_work_contract(unit_of_work: Callable[[], Any]) -> None:
    from domain.accounts.model import EmailAddress, User
    from domain.shared.roles import Role

    def user(email: str) -> User:
        return User.register(str(uuid.uuid4()), EmailAddress.parse(email), "A", Role.STUDENT,
                             "h", datetime.now(UTC))

    with unit_of_work() as uow:
        uow.users.add(user("kept@example.test"))
        uow.commit()
    with unit_of_work() as uow:
        uow.users.add(user("dropped@example.test"))  # no commit: rolled back
    with unit_of_work() as uow:
        assert uow.users.get_by_email("kept@example.test") is not None
        assert uow.users.get_by_email("dropped@example.test") is None
        kept = uow.users.get_by_email("kept@example.test")
        assert kept is not None and kept.role is Role.STUDENT
