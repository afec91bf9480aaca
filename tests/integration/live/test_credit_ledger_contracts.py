"""The credits ledger through the fake and the SQL one on SQLite and PostgreSQL: entries and
balances read back, replays count once, nothing is kept without a commit, and no balance
ever goes below zero, two debits at once included (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from adapters.outbound.persistence.live import SqlCreditLedger
from application.live.ports import CreditLedger
from domain.live.credits import CreditBalance, CreditEntry, CreditEntryKind, InsufficientCredits
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from tests.contracts import Contract
from tests.integration.live.test_live_records_contracts import (
    POSTGRES,
    UNIT_OF_WORK,
    Live,
    at,
    live,
    live_for,
)
from tests.unit.live.fakes import FakeCreditLedger

__all__ = ["live"]  # the fixture this suite shares

LEDGER = Contract(CreditLedger, {"fake": FakeCreditLedger, "sqlite": SqlCreditLedger,
                                 "postgres": SqlCreditLedger}, marks={"postgres": POSTGRES})
assert LEDGER.implementations.keys() == UNIT_OF_WORK.implementations.keys()


def ledger(live: Live, uow: Any) -> Any:
    return LEDGER.build(live.param, lambda: uow.credits)


def entry(user_id: str, kind: CreditEntryKind, minor: int, key: str | None = None,
          minutes: float = 0, currency: str = "USD") -> CreditEntry:
    return CreditEntry(str(uuid.uuid4()), user_id, kind, Money(minor, currency),
                       key or uuid.uuid4().hex, f"{kind.value} in a test", at(minutes),
                       reference="consultation:c-1")


def post(live: Live, *entries: CreditEntry) -> list[bool]:
    with live() as uow:
        done = [ledger(live, uow).post(e) for e in entries]
        uow.commit()
    return done


def balances(live: Live, user_id: str) -> list[CreditBalance]:
    with live() as uow:
        found: list[CreditBalance] = ledger(live, uow).balances(user_id)
        return found


def test_credit_ledger_contract_entries_move_the_balance(live: Live) -> None:
    ann = live.user("Ann")
    K = CreditEntryKind
    top_up, hold, capture, release = (entry(ann, K.TOP_UP, 5000, minutes=0),
                                      entry(ann, K.HOLD, 1200, minutes=1),
                                      entry(ann, K.CAPTURE, 700, minutes=2),
                                      entry(ann, K.RELEASE, 500, minutes=3))
    assert post(live, top_up, hold) == [True, True]
    assert balances(live, ann) == [CreditBalance(ann, "USD", 3800, 1200)]
    assert post(live, capture, release, entry(ann, K.TOP_UP, 900, currency="EUR")) == [
        True, True, True]
    assert balances(live, ann) == [CreditBalance(ann, "EUR", 900, 0),
                                   CreditBalance(ann, "USD", 4300, 0)]
    with live() as uow:
        newest = ledger(live, uow).entries(ann, 3)
    assert [e.kind for e in newest][:2] == [K.RELEASE, K.CAPTURE]
    assert newest[0] == release
    assert balances(live, live.user("Bob")) == []


def test_credit_ledger_contract_a_replayed_key_counts_once(live: Live) -> None:
    ann = live.user("Ann")
    first = entry(ann, CreditEntryKind.TOP_UP, 1000, key="pack:p-1")
    again = entry(ann, CreditEntryKind.TOP_UP, 1000, key="pack:p-1")
    assert post(live, first) == [True]
    assert post(live, again) == [False]
    with live() as uow:  # in one transaction too
        credits = ledger(live, uow)
        twice = entry(ann, CreditEntryKind.TOP_UP, 50, key="k-2")
        assert [credits.post(twice), credits.post(twice)] == [True, False]
        uow.commit()
    assert balances(live, ann) == [CreditBalance(ann, "USD", 1050, 0)]


def test_credit_ledger_contract_never_below_zero_and_nothing_without_commit(
        live: Live) -> None:
    ann = live.user("Ann")
    post(live, entry(ann, CreditEntryKind.TOP_UP, 1000))
    for refused in (entry(ann, CreditEntryKind.HOLD, 1001),
                    entry(ann, CreditEntryKind.CAPTURE, 1),  # nothing is held
                    entry(ann, CreditEntryKind.ADJUSTMENT, -1001)):
        with live() as uow, pytest.raises(InsufficientCredits):
            ledger(live, uow).post(refused)
    with live() as uow:  # left without commit
        ledger(live, uow).post(entry(ann, CreditEntryKind.HOLD, 400))
    assert balances(live, ann) == [CreditBalance(ann, "USD", 1000, 0)]
    with live() as uow:
        assert len(ledger(live, uow).entries(ann, 10)) == 1


def test_credit_entries_refuse_what_no_ledger_should_hold() -> None:
    for kind, minor in ((CreditEntryKind.TOP_UP, 0), (CreditEntryKind.HOLD, -5),
                        (CreditEntryKind.TOP_UP, 10**10)):
        with pytest.raises(InvalidValue):
            entry("u-1", kind, minor)


@pytest.mark.parametrize("param", [pytest.param("postgres", marks=POSTGRES)])
def test_two_holds_at_once_never_overdraw(request: pytest.FixtureRequest, param: str) -> None:
    live = live_for(request, param)
    ann = live.user("Ann")
    post(live, entry(ann, CreditEntryKind.TOP_UP, 1000))
    start, outcomes = threading.Barrier(2), []

    def hold() -> None:
        with live() as uow:
            credits = ledger(live, uow)
            start.wait()
            try:
                credits.post(entry(ann, CreditEntryKind.HOLD, 700))
                uow.commit()
                outcomes.append("held")
            except InsufficientCredits:
                outcomes.append("refused")

    workers = [threading.Thread(target=hold) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(outcomes) == ["held", "refused"]
    assert balances(live, ann) == [CreditBalance(ann, "USD", 300, 700)]
