"""Messaging's records: the delivery log, the in-app inbox, suppressions and preferences,
through the fake unit of work the unit tests use and the SQL one, the same checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.messaging import (
    SqlDeliveryLog,
    SqlInbox,
    SqlMessagingUnitOfWork,
    SqlPreferencesStore,
    SqlSuppressions,
)
from adapters.outbound.system import SystemClock, UuidGenerator
from application.messaging.ports import (
    DeliveryLog,
    Inbox,
    MessagingUnitOfWork,
    PreferencesStore,
    Suppressions,
)
from domain.messaging.model import (
    Delivery,
    DeliveryStatus,
    MessageKind,
    Notification,
    Preferences,
    Suppression,
    SuppressionReason,
)
from tests.contracts import Contract
from tests.unit.messaging.fakes import (
    FakeDeliveryLog,
    FakeInbox,
    FakeMessagingUnitOfWork,
    FakePreferencesStore,
    FakeSuppressions,
)
from tests.unit.shared.fakes import FakeDatabase, FakeTaskQueue

UNIT_OF_WORK = Contract(MessagingUnitOfWork, {"fake": FakeMessagingUnitOfWork,
                                              "sqlalchemy": SqlMessagingUnitOfWork})
DELIVERIES = Contract(DeliveryLog, {"fake": FakeDeliveryLog, "sqlalchemy": SqlDeliveryLog})
INBOX = Contract(Inbox, {"fake": FakeInbox, "sqlalchemy": SqlInbox})
SUPPRESSIONS = Contract(Suppressions, {"fake": FakeSuppressions,
                                       "sqlalchemy": SqlSuppressions})
PREFERENCES = Contract(PreferencesStore, {"fake": FakePreferencesStore,
                                          "sqlalchemy": SqlPreferencesStore})
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Records:
    """Units of work of one implementation over one database, and its repositories, each
    checked to be the implementation its Contract declares."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name, self.make = name, make

    def __call__(self) -> Any:
        return UNIT_OF_WORK.build(self.name, self.make)

    def deliveries(self, uow: Any) -> Any:
        return DELIVERIES.build(self.name, lambda: uow.deliveries)

    def inbox(self, uow: Any) -> Any:
        return INBOX.build(self.name, lambda: uow.inbox)

    def suppressions(self, uow: Any) -> Any:
        return SUPPRESSIONS.build(self.name, lambda: uow.suppressions)

    def preferences(self, uow: Any) -> Any:
        return PREFERENCES.build(self.name, lambda: uow.preferences)


@pytest.fixture(params=UNIT_OF_WORK.params())
def records(request: pytest.FixtureRequest) -> Records:
    if request.param == "fake":
        db = FakeDatabase()
        return Records("fake", lambda: FakeMessagingUnitOfWork(db, queue=FakeTaskQueue()))
    sessions = session_factory(request.getfixturevalue("contract_engine"))
    return Records("sqlalchemy", lambda: SqlMessagingUnitOfWork(
        sessions, SystemClock(), UuidGenerator(), FakeTaskQueue()))


def delivery(number: int, recipient: str = "ann@example.test", **fields: Any) -> Delivery:
    at = T0 + timedelta(minutes=number)
    return Delivery(f"d{number}", f"outbox:{number}:mail", MessageKind.WELCOME, recipient,
                    "en", at, at, "u1", **fields)


def notification(number: int, user: str = "u1") -> Notification:
    return Notification.create(f"n{number}-{user}", f"key:{number}:{user}", user,
                               MessageKind.RECEIPT, "Your receipt", {"payment_id": "p"},
                               T0 + timedelta(minutes=number))


def test_the_delivery_log_finds_by_key_by_provider_id_and_searches(records: Records) -> None:
    with records() as uow:
        log = records.deliveries(uow)
        for number in (1, 2, 3):
            log.add(delivery(number, "bob@example.test" if number == 2 else "ann@example.test"))
        uow.commit()
    with records() as uow:
        log = records.deliveries(uow)
        found = log.by_key("outbox:1:mail")
        assert found is not None and found.id == "d1" and log.by_key("missing") is None
        found.sent("mailgun", "m-1", T0)
        uow.commit()
    with records() as uow:
        log = records.deliveries(uow)
        sent = log.by_provider_id("mailgun", "m-1")
        assert sent is not None and (sent.status, sent.attempts) == (DeliveryStatus.SENT, 1)
        assert log.by_provider_id("sendgrid", "m-1") is None
        assert [d.id for d in log.search("ann@example.test", None, 10)] == ["d3", "d1"]
        assert [d.id for d in log.search(None, "sent", 10)] == ["d1"]
        assert [d.id for d in log.search(None, None, 2)] == ["d3", "d2"]
        assert log.get("d2") is not None and log.get("nope") is None


def test_the_inbox_pages_counts_unread_and_reads_all(records: Records) -> None:
    with records() as uow:
        inbox = records.inbox(uow)
        for number in (1, 2, 3):
            inbox.add(notification(number))
        inbox.add(notification(1, user="u2"))
        uow.commit()
    with records() as uow:
        inbox = records.inbox(uow)
        page, total = inbox.page("u1", 1, 2)
        assert [n.id for n in page] == ["n3-u1", "n2-u1"] and total == 3
        assert [n.id for n in inbox.page("u1", 2, 2)[0]] == ["n1-u1"]
        assert inbox.unread("u1") == 3 and inbox.by_key("key:2:u1") is not None
        first = inbox.get("n1-u1")
        assert first is not None and first.read(T0)
        uow.commit()
    with records() as uow:
        inbox = records.inbox(uow)
        assert inbox.unread("u1") == 2
        assert inbox.read_all("u1", T0) == 2
        uow.commit()
    with records() as uow:
        inbox = records.inbox(uow)
        assert inbox.unread("u1") == 0 and inbox.unread("u2") == 1


def test_an_address_is_suppressed_once(records: Records) -> None:
    with records() as uow:
        suppressions = records.suppressions(uow)
        kept = Suppression("ann@example.test", SuppressionReason.BOUNCED, "mailgun", T0)
        assert suppressions.add(kept) is True
        uow.commit()
    with records() as uow:
        suppressions = records.suppressions(uow)
        again = Suppression("ann@example.test", SuppressionReason.COMPLAINED, "sendgrid", T0)
        assert suppressions.add(again) is False
        found = suppressions.get("Ann@Example.test")
        assert found is not None and found.reason is SuppressionReason.BOUNCED
        assert suppressions.get("bob@example.test") is None


def test_preferences_are_saved_and_nothing_is_kept_without_commit(records: Records) -> None:
    with records() as uow:
        preferences = records.preferences(uow)
        assert preferences.get("u1") is None
        chosen = Preferences("u1")
        chosen.choose(MessageKind.RECEIPT, email=False)
        preferences.save(chosen)
        uow.commit()
    with records() as uow:
        records.preferences(uow).save(Preferences("u2", ["refund"]))  # no commit
        records.inbox(uow).add(notification(9))
    with records() as uow:
        found = records.preferences(uow).get("u1")
        assert found is not None and not found.emails(MessageKind.RECEIPT)
        assert found.emails(MessageKind.PASSWORD_RESET)
        assert records.preferences(uow).get("u2") is None
        assert records.inbox(uow).by_key("key:9:u1") is None
