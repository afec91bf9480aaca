"""The shared kernel's ports' contracts, run against the fake and every real adapter."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.outbound.cache import MemoryCache, RedisCache
from adapters.outbound.persistence.database import build_engine, session_factory
from adapters.outbound.persistence.health import DatabaseHealth, RedisHealth
from adapters.outbound.persistence.shared import SqlAuditLog, SqlOutbox, SqlWebhookInbox
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.queue.inline import InlineTaskQueue
from adapters.outbound.queue.rq_queue import RqTaskQueue
from adapters.outbound.system import SystemClock, UuidGenerator
from application.shared.errors import DeliveryFailed
from application.shared.ports import (
    AuditLog,
    Cache,
    Clock,
    HealthCheck,
    IdGenerator,
    InboxDelivery,
    KernelUnitOfWork,
    Outbox,
    OutboxMessage,
    TaskQueue,
    WebhookInbox,
)
from domain.shared.audit import AuditFilter, AuditRecord
from tests.contracts import Contract
from tests.unit.shared.fakes import (
    FakeAuditLog,
    FakeClock,
    FakeDatabase,
    FakeIdGenerator,
    FakeKernelUnitOfWork,
    FakeOutbox,
    FakeTaskQueue,
    FakeWebhookInbox,
)
from tests.vendor_servers.base import closed_port

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def new_id() -> str:
    return str(uuid.uuid4())


def unreachable_redis() -> Redis:
    """A client of a Redis that is not there, told not to retry (it would back off for
    seconds before giving up)."""
    return Redis(host="127.0.0.1", port=closed_port(), retry=Retry(NoBackoff(), 0),
                 socket_timeout=2, socket_connect_timeout=2)


# --- Cache -----------------------------------------------------------------------------------


CACHE = Contract(Cache, {"memory": MemoryCache, "redis": RedisCache},
                 marks={"redis": pytest.mark.redis})


@pytest.fixture(params=CACHE.params())
def cache(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return CACHE.build("memory", MemoryCache)
    client = Redis.from_url(request.getfixturevalue("redis_url"))
    return CACHE.build("redis", lambda: RedisCache(client, prefix=f"test:{uuid.uuid4().hex}:"))


def test_cache_contract(cache: Any) -> None:
    assert cache.get("missing") is None
    cache.set("page", b"bytes", ttl_seconds=60)
    assert cache.get("page") == b"bytes"
    assert [cache.incr("version") for _ in range(3)] == [1, 2, 3]
    assert cache.get("version") == b"3"


# --- Clock and IdGenerator -------------------------------------------------------------------


CLOCK = Contract(Clock, {"fake": FakeClock, "system": SystemClock})
ID_GENERATOR = Contract(IdGenerator, {"fake": FakeIdGenerator, "uuid": UuidGenerator})


@pytest.mark.parametrize("name", CLOCK.params())
def test_clock_contract_now_is_aware_utc(name: str) -> None:
    now = CLOCK.build(name, CLOCK.implementations[name]).now()
    assert isinstance(now, datetime) and now.utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", ID_GENERATOR.params())
def test_id_generator_contract_unique_short_url_safe(name: str) -> None:
    ids = ID_GENERATOR.build(name, ID_GENERATOR.implementations[name])
    made = [ids.new_id() for _ in range(1000)]
    assert len(set(made)) == len(made)
    assert all(len(i) <= 36 and re.fullmatch(r"[A-Za-z0-9._~-]+", i) for i in made), made[:3]


# --- HealthCheck -----------------------------------------------------------------------------


HEALTH_CHECK = Contract(HealthCheck, {"database": DatabaseHealth, "redis": RedisHealth},
                        marks={"redis": pytest.mark.redis})


@pytest.fixture(params=HEALTH_CHECK.params())
def health(request: pytest.FixtureRequest) -> Iterator[Callable[[bool], Any]]:
    """A check of a service that is up, or of one on a local port nothing listens on."""
    engines = []

    def make(up: bool) -> Any:
        if request.param == "database":
            if up:
                return DatabaseHealth(request.getfixturevalue("contract_engine"))
            engines.append(build_engine(
                f"postgresql://eduport:eduport@127.0.0.1:{closed_port()}/eduport"))
            return DatabaseHealth(engines[-1])
        if up:
            return RedisHealth(Redis.from_url(request.getfixturevalue("redis_url")))
        return RedisHealth(unreachable_redis())

    yield lambda up: HEALTH_CHECK.build(request.param, lambda: make(up))
    for engine in engines:
        engine.dispose()


def test_health_check_contract_returns_when_up(health: Callable[[bool], Any]) -> None:
    check = health(True)
    assert isinstance(check.name, str) and check.name
    assert check.check() is None


def test_health_check_contract_raises_when_unreachable(health: Callable[[bool], Any]) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the port promises "any exception"
        health(False).check()


# --- TaskQueue -------------------------------------------------------------------------------


TASK_QUEUE = Contract(TaskQueue, {"fake": FakeTaskQueue, "inline": InlineTaskQueue,
                                  "rq": RqTaskQueue}, marks={"rq": pytest.mark.redis})
JOBS_MODULE = "adapters.inbound.worker.jobs"  # where RQ's worker finds each job by name
Scheduled = list[tuple[str, tuple[str, ...]]]


@pytest.fixture(params=TASK_QUEUE.params())
def task_queue(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Callable[[], Scheduled]]]:
    """A queue, and what it was given to do so far: (job, args) in order, each as the
    implementation shows it (recorded, run, or waiting in RQ's Redis queue)."""
    if request.param == "fake":
        fake = TASK_QUEUE.build("fake", FakeTaskQueue)
        yield fake, lambda: list(fake.jobs)
    elif request.param == "inline":
        ran: Scheduled = []
        yield TASK_QUEUE.build("inline", lambda: InlineTaskQueue(
            lambda job, *args: ran.append((job, args)))), lambda: list(ran)
    else:
        from rq import Queue

        client, name = Redis.from_url(request.getfixturevalue("redis_url")), \
            f"contract-{uuid.uuid4().hex[:8]}"
        waiting = Queue(name, connection=client)
        yield TASK_QUEUE.build("rq", lambda: RqTaskQueue(client, name)), lambda: [
            (job.func_name.removeprefix(f"{JOBS_MODULE}."), tuple(job.args))
            for job in waiting.get_jobs()]
        waiting.delete(delete_jobs=True)


def test_task_queue_contract_schedules_the_named_job_with_its_arguments(
        task_queue: tuple[Any, Callable[[], Scheduled]]) -> None:
    queue, scheduled = task_queue
    queue.enqueue("process_outbox_message", "message-1")
    queue.enqueue("process_webhook_event", "delivery-1")
    queue.enqueue("sweep_payments")
    assert scheduled() == [("process_outbox_message", ("message-1",)),
                           ("process_webhook_event", ("delivery-1",)), ("sweep_payments", ())]


def test_task_queue_contract_an_unreachable_rq_redis_is_delivery_failed() -> None:
    # The in-process queues have nothing to reach; RQ's Redis is on a port nothing listens on.
    queue = TASK_QUEUE.build("rq", lambda: RqTaskQueue(unreachable_redis(), "contract"))
    with pytest.raises(DeliveryFailed):
        queue.enqueue("process_outbox_message", "message-1")


# --- KernelUnitOfWork: the outbox, the webhook inbox, and the audit log ------------------------


KERNEL_UNIT_OF_WORK = Contract(KernelUnitOfWork, {"fake": FakeKernelUnitOfWork,
                                                  "sqlalchemy": SqlKernelUnitOfWork})
# Built from the unit of work inside its ``with`` block, under the same param ids.
OUTBOX = Contract(Outbox, {"fake": FakeOutbox, "sqlalchemy": SqlOutbox})
WEBHOOK_INBOX = Contract(WebhookInbox, {"fake": FakeWebhookInbox,
                                        "sqlalchemy": SqlWebhookInbox})
AUDIT_LOG = Contract(AuditLog, {"fake": FakeAuditLog, "sqlalchemy": SqlAuditLog})


@dataclass
class Kernel:
    """Units of work on one database; each record store is checked to be the one its
    contract declares for the param."""

    name: str
    make: Callable[[], Any]
    audit_of: Callable[[Any], Any]  # the audit log in a unit of work's transaction

    def unit_of_work(self) -> Any:
        return KERNEL_UNIT_OF_WORK.build(self.name, self.make)

    def outbox(self, uow: Any) -> Any:
        return OUTBOX.build(self.name, lambda: uow.outbox)

    def inbox(self, uow: Any) -> Any:
        return WEBHOOK_INBOX.build(self.name, lambda: uow.webhooks)

    def audit(self, uow: Any) -> Any:
        return AUDIT_LOG.build(self.name, lambda: self.audit_of(uow))


@pytest.fixture(params=KERNEL_UNIT_OF_WORK.params())
def kernel(request: pytest.FixtureRequest) -> Kernel:
    clock, queue = FakeClock(NOW), FakeTaskQueue()
    if request.param == "fake":
        db, ids = FakeDatabase(), FakeIdGenerator()
        return Kernel("fake", lambda: FakeKernelUnitOfWork(db, clock, ids, queue), FakeAuditLog)
    sessions = session_factory(request.getfixturevalue("contract_engine"))
    return Kernel("sqlalchemy", lambda: SqlKernelUnitOfWork(sessions, clock, UuidGenerator(),
                                                            queue),
                  lambda uow: SqlAuditLog(uow.session))


def audit_record(minutes: int, actor: str = "admin-1",
                 action: str = "course.published") -> AuditRecord:
    return AuditRecord(new_id(), actor, action, "course", f"course-{minutes}",
                       NOW + timedelta(minutes=minutes), {"minutes": minutes},
                       actor_role="platform_admin", client_ip="203.0.113.7",
                       user_agent="Mozilla/5.0 (test)")


def test_audit_log_contract_filters_by_actor_action_subject_and_time(kernel: Kernel) -> None:
    records = [audit_record(0), audit_record(1, actor="admin-2"),
               audit_record(2, action="user.role_changed"), audit_record(3)]
    with kernel.unit_of_work() as uow:
        for record in records:
            kernel.audit(uow).append(record)
        uow.commit()
    with kernel.unit_of_work() as uow:
        log = kernel.audit(uow)
        assert log.list(10, AuditFilter(actor_id="admin-2")) == [records[1]]
        assert log.list(10, AuditFilter(action="user.role_changed")) == [records[2]]
        assert log.list(10, AuditFilter(object_type="course", object_id="course-3")) == [
            records[3]]
        assert log.list(10, AuditFilter(since=records[1].occurred_at,
                                        before=records[3].occurred_at)) == [records[2],
                                                                             records[1]]
        assert log.list(10, AuditFilter(actor_id="admin-1", action="course.published")) == [
            records[3], records[0]]
        assert log.list(10)[0].client_ip == "203.0.113.7"


def test_audit_log_contract_newest_first_with_limit_and_before(kernel: Kernel) -> None:
    records = {minutes: audit_record(minutes) for minutes in (2, 0, 3, 1)}
    with kernel.unit_of_work() as uow:
        log = kernel.audit(uow)
        for record in records.values():
            log.append(record)
        uow.commit()
    with kernel.unit_of_work() as uow:  # appended in a transaction that never commits
        kernel.audit(uow).append(audit_record(9))
    with kernel.unit_of_work() as uow:
        log = kernel.audit(uow)
        assert log.list(10) == [records[m] for m in (3, 2, 1, 0)]
        assert log.list(2) == [records[3], records[2]]
        before = AuditFilter(before=records[2].occurred_at)
        assert log.list(10, before) == [records[1], records[0]]
        assert log.list(1, before) == [records[1]]


class Leased:
    """Outbox messages or webhook deliveries (``LeasedRecords``) of one kernel: storing them,
    and running one committed transaction over them."""

    def __init__(self, kernel: Kernel, kind: str) -> None:
        self.kernel, self.kind = kernel, kind

    def records(self, uow: Any) -> Any:
        return self.kernel.outbox(uow) if self.kind == "outbox" else self.kernel.inbox(uow)

    def run(self, action: Callable[[Any], Any]) -> Any:
        with self.kernel.unit_of_work() as uow:
            result = action(self.records(uow))
            uow.commit()
        return result

    def store(self, *minutes: int) -> list[str]:
        """New records from that many minutes after NOW (negative: before), committed."""
        return self.run(lambda records: [self.add(records, NOW + timedelta(minutes=m))
                                         for m in minutes])

    def add(self, records: Any, at: datetime) -> str:
        if self.kind == "outbox":
            message = OutboxMessage(new_id(), "CourseEnrolled", {"course_id": "course-1"}, at)
            records.add(message)
            return message.id
        delivery = InboxDelivery(new_id(), "stripe", f"evt_{uuid.uuid4().hex}",
                                 "payment_intent.succeeded", {"object": "event"}, at)
        assert records.add(delivery)
        return delivery.id

    def claim(self, record_id: str, minutes: float = 0) -> Any:
        return self.run(lambda r: r.claim(record_id, NOW + timedelta(minutes=minutes), LEASE))

    def processed(self, record_id: str, minutes: float = 0) -> None:
        assert self.claim(record_id, minutes) is not None
        self.run(lambda r: r.mark_processed(record_id, NOW + timedelta(minutes=minutes), "done"))


@pytest.fixture(params=["outbox", "inbox"])
def leased(request: pytest.FixtureRequest, kernel: Kernel) -> Leased:
    return Leased(kernel, request.param)


def test_leased_records_contract_a_claim_takes_a_lease(leased: Leased) -> None:
    (record_id,) = leased.store(-60)
    claimed = leased.claim(record_id)
    assert claimed is not None and claimed.id == record_id
    assert leased.claim(record_id, minutes=1) is None  # leased elsewhere
    assert leased.claim(record_id, minutes=6) is not None  # the lease ran out
    assert leased.claim(new_id()) is None  # unknown


def test_leased_records_contract_the_lease_holds_once_its_transaction_commits(
        leased: Leased) -> None:
    (record_id,) = leased.store(-60)
    with leased.kernel.unit_of_work() as uow:
        records = leased.records(uow)
        assert records.claim(record_id, NOW, LEASE) is not None
        assert records.claim(record_id, NOW, LEASE) is None  # this transaction holds it
    assert leased.claim(record_id) is not None  # rolled back: the lease never held


def test_leased_records_contract_release_gives_the_lease_up_until_the_retry(
        leased: Leased) -> None:
    (record_id,) = leased.store(-60)
    assert leased.claim(record_id).attempts == 1
    leased.run(lambda r: r.release(record_id, "RuntimeError: the mail server is down", NOW,
                                   NOW + timedelta(minutes=1)))
    assert leased.claim(record_id, minutes=0.5) is None  # not due yet
    assert leased.claim(record_id, minutes=1).attempts == 2


def test_leased_records_contract_a_given_up_record_waits_for_an_operator(
        leased: Leased) -> None:
    (record_id,) = leased.store(-60)
    assert leased.claim(record_id) is not None
    leased.run(lambda r: r.release(record_id, "RuntimeError: still down", NOW, None))
    assert leased.claim(record_id, minutes=60 * 24) is None
    later = NOW + timedelta(days=1)
    assert leased.run(lambda r: r.due(later, later, 10)) == []


def test_leased_records_contract_a_processed_record_is_never_claimed_again(
        leased: Leased) -> None:
    (record_id,) = leased.store(-60)
    leased.processed(record_id)
    assert leased.claim(record_id, minutes=60 * 24) is None


def test_leased_records_contract_due_are_those_nobody_works_on_and_retries_due(
        leased: Leased) -> None:
    # the second is from after ``before`` (-30): not due yet
    never_tried, _, working, abandoned, done, retry_due, retry_later, given_up = \
        leased.store(-60, -10, -60, -58, -60, -55, -60, -60)
    assert leased.claim(working, minutes=-1) is not None  # its lease runs until +4
    assert leased.claim(abandoned, minutes=-20) is not None  # its lease ran out at -15
    leased.processed(done, minutes=-30)
    for record_id, retry_at in ((retry_due, NOW), (retry_later, NOW + timedelta(seconds=1)),
                                (given_up, None)):
        assert leased.claim(record_id, minutes=-10) is not None
        leased.run(lambda r, i=record_id, at=retry_at: r.release(
            i, "boom", NOW - timedelta(minutes=10), at))
    before = NOW - timedelta(minutes=30)
    assert leased.run(lambda r: r.due(before, NOW, 10)) == [never_tried, abandoned, retry_due]
    assert leased.run(lambda r: r.due(before, NOW, 1)) == [never_tried]  # the oldest


def test_leased_records_contract_purge_deletes_processed_oldest_first(leased: Leased) -> None:
    oldest, middle, newest, waiting, failed = leased.store(-600, -600, -600, -600, -600)
    for record_id, minutes in ((oldest, -300), (middle, -200), (newest, -100)):
        leased.processed(record_id, minutes)
    assert leased.claim(failed, minutes=-50) is not None
    leased.run(lambda r: r.release(failed, "boom", NOW, NOW))

    assert leased.run(lambda r: r.purge_processed(NOW, 1)) == 1
    # the oldest went first: of those processed before -150, one is left
    assert leased.run(lambda r: r.purge_processed(NOW - timedelta(minutes=150), 10)) == 1
    assert leased.run(lambda r: r.purge_processed(NOW, 10)) == 1
    assert leased.run(lambda r: r.purge_processed(NOW, 10)) == 0
    for kept in (waiting, failed):  # unprocessed and failed ones stay
        assert leased.claim(kept) is not None


def test_kernel_unit_of_work_contract_rolls_back_without_commit(kernel: Kernel) -> None:
    outbox, inbox = Leased(kernel, "outbox"), Leased(kernel, "inbox")
    with kernel.unit_of_work() as uow:  # left without commit
        dropped = [outbox.add(outbox.records(uow), NOW), inbox.add(inbox.records(uow), NOW)]
    with kernel.unit_of_work() as uow:  # rolled back, then a commit of nothing
        undone = [outbox.add(outbox.records(uow), NOW), inbox.add(inbox.records(uow), NOW)]
        uow.rollback()
        uow.commit()
    for message_id, delivery_id in (dropped, undone):
        assert outbox.claim(message_id) is None
        assert inbox.claim(delivery_id) is None
        assert inbox.run(lambda r, d=delivery_id: r.get(d)) is None


# --- Outbox ----------------------------------------------------------------------------------


def test_outbox_contract_a_claim_returns_the_message_and_the_handlers_done(
        kernel: Kernel) -> None:
    outbox = Leased(kernel, "outbox")
    (message_id,) = outbox.store(-60)
    first = outbox.claim(message_id)
    assert (first.event_type, first.payload, first.occurred_at, first.handled_by) == (
        "CourseEnrolled", {"course_id": "course-1"}, NOW - timedelta(minutes=60), frozenset())
    outbox.run(lambda r: r.mark_handled(message_id, "send_receipt"))
    outbox.run(lambda r: r.release(message_id, "RuntimeError: grant_access failed", NOW,
                                   NOW + timedelta(minutes=1)))
    assert outbox.claim(message_id, minutes=1).handled_by == {"send_receipt"}  # a retry skips it


# --- WebhookInbox ----------------------------------------------------------------------------


def delivery(provider: str, event_id: str) -> InboxDelivery:
    return InboxDelivery(new_id(), provider, event_id, "payment_intent.succeeded",
                         {"id": event_id, "data": {"object": {"id": "pi_1"}}}, NOW)


def test_webhook_inbox_contract_stores_each_event_once(kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    first, again, elsewhere = delivery("stripe", "evt_1"), delivery("stripe", "evt_1"), \
        delivery("paypal", "evt_1")
    assert inbox.run(lambda r: r.add(first)) is True
    assert inbox.run(lambda r: r.add(again)) is False  # the provider sent it again
    assert inbox.run(lambda r: r.add(elsewhere)) is True  # another provider's event
    twice = delivery("stripe", "evt_2"), delivery("stripe", "evt_2")
    assert inbox.run(lambda r: [r.add(d) for d in twice]) == [True, False]  # one transaction
    stored = inbox.run(lambda r: [r.get(d.id) for d in (first, again, elsewhere, *twice)])
    assert stored == [first, None, elsewhere, twice[0], None]


def test_webhook_inbox_contract_records_attempts_errors_and_outcomes(kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    (delivery_id,) = inbox.store(-60)
    assert inbox.claim(delivery_id).attempts == 1
    retry_at = NOW + timedelta(minutes=1)
    inbox.run(lambda r: r.release(delivery_id, "RuntimeError: the provider is down", NOW,
                                  retry_at))
    failed = inbox.run(lambda r: r.get(delivery_id))
    assert (failed.attempts, failed.last_error, failed.processed_at, failed.retry_at,
            failed.gave_up_at) == (1, "RuntimeError: the provider is down", None, retry_at, None)
    assert inbox.run(lambda r: r.failed(10)) == [delivery_id]
    assert inbox.run(lambda r: r.due(NOW, NOW, 10)) == []  # its retry is ahead
    assert inbox.run(lambda r: r.due(NOW, retry_at, 10)) == [delivery_id]

    assert inbox.claim(delivery_id, minutes=1).attempts == 2
    inbox.run(lambda r: r.mark_processed(delivery_id, NOW + timedelta(minutes=2), "paid"))
    done = inbox.run(lambda r: r.get(delivery_id))
    assert (done.processed_at, done.outcome) == (NOW + timedelta(minutes=2), "paid")
    assert inbox.run(lambda r: r.failed(10)) == []


def test_webhook_inbox_contract_failed_lists_up_to_limit(kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    ids = inbox.store(-60, -50, -40)
    for delivery_id in ids[:2]:
        assert inbox.claim(delivery_id) is not None
        inbox.run(lambda r, d=delivery_id: r.release(d, "boom", NOW, None))
    assert sorted(inbox.run(lambda r: r.failed(10))) == sorted(ids[:2])
    (one,) = inbox.run(lambda r: r.failed(1))
    assert one in ids[:2]


def test_webhook_inbox_contract_reopen_makes_a_delivery_processable_again(
        kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    processed, given_up = inbox.store(-60, -60)
    inbox.processed(processed)
    assert inbox.claim(given_up) is not None
    inbox.run(lambda r: r.release(given_up, "boom", NOW, None))
    for delivery_id in (processed, given_up):
        assert inbox.run(lambda r, d=delivery_id: r.reopen(d)) is True
        reopened = inbox.run(lambda r, d=delivery_id: r.get(d))
        assert (reopened.processed_at, reopened.gave_up_at, reopened.retry_at) == (
            None, None, None)
        assert inbox.claim(delivery_id, minutes=1) is not None
    assert inbox.run(lambda r: r.reopen(new_id())) is False


def test_webhook_inbox_contract_purge_deletes_the_oldest_processed(kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    oldest, newest = inbox.store(-600, -600)
    inbox.processed(newest, -100)
    inbox.processed(oldest, -300)
    assert inbox.run(lambda r: r.purge_processed(NOW, 1)) == 1
    assert inbox.run(lambda r: [r.get(oldest), r.get(newest) is not None]) == [None, True]


def test_webhook_inbox_contract_lists_newest_first_by_status_and_provider(
        kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")

    def arrived(provider: str, minutes: int) -> str:
        at = NOW + timedelta(minutes=minutes)
        stored = InboxDelivery(new_id(), provider, f"evt_{uuid.uuid4().hex}",
                               "payment_intent.succeeded", {"id": "evt"}, at)
        assert inbox.run(lambda r: r.add(stored))
        return stored.id

    paypal, untried, working, waiting, given_up, processed = (
        arrived("paypal", -5), *(arrived("stripe", m) for m in (-10, -20, -30, -40, -50)))
    assert inbox.claim(working, minutes=-1) is not None  # being worked on: no failure yet
    for delivery_id, retry_at in ((waiting, NOW + timedelta(minutes=1)), (given_up, None)):
        assert inbox.claim(delivery_id) is not None
        inbox.run(lambda r, d=delivery_id, at=retry_at: r.release(d, "boom", NOW, at))
    inbox.processed(processed)

    def listed(status: str | None, provider: str | None = None, limit: int = 10) -> list[str]:
        return [d.id for d in inbox.run(lambda r: r.list(status, provider, limit))]

    assert listed(None) == [paypal, untried, working, waiting, given_up, processed]
    assert listed(None, limit=2) == [paypal, untried]
    assert listed("pending") == [paypal, untried, working]
    assert listed("failed") == [waiting, given_up]  # waiting for the retry, or given up
    assert listed("given_up") == [given_up]
    assert listed("processed") == [processed]
    assert listed(None, "paypal") == [paypal]
    assert listed("pending", "stripe") == [untried, working]
    assert listed("failed", "paypal") == []
    assert listed(None, "mailgun") == []
    # each as get() reads it: attempts, errors, retries and outcomes
    everything = inbox.run(lambda r: r.list(None, None, 10))
    assert everything == inbox.run(lambda r: [r.get(d.id) for d in everything])
    seen = {d.id: d for d in everything}
    assert (seen[waiting].last_error, seen[waiting].retry_at, seen[waiting].gave_up_at,
            seen[waiting].attempts) == ("boom", NOW + timedelta(minutes=1), None, 1)
    assert (seen[given_up].retry_at, seen[given_up].gave_up_at) == (None, NOW)
    assert (seen[processed].outcome, seen[processed].processed_at) == ("done", NOW)

    assert inbox.run(lambda r: r.reopen(given_up)) is True  # replayed: not given up any more,
    assert listed("given_up") == []  # but its last attempt failed until one succeeds
    assert listed("failed") == [waiting, given_up]
    with pytest.raises(ValueError):
        inbox.run(lambda r: r.list("lost", None, 10))


def test_webhook_inbox_contract_list_breaks_ties_by_id(kernel: Kernel) -> None:
    inbox = Leased(kernel, "inbox")
    ids = inbox.store(0, 0, 0, -1)
    assert [d.id for d in inbox.run(lambda r: r.list(None, None, 10))] == [
        *sorted(ids[:3]), ids[3]]
