"""The outbox: events stored with the change, each handler run once per message."""

from __future__ import annotations

from datetime import timedelta

from application.accounts.register_user import RegisterUser, RegisterUserCommand
from application.shared.errors import DeliveryFailed
from application.shared.process_outbox_message import (
    EventHandler,
    EventHandlers,
    ProcessOutboxMessage,
)
from application.shared.relay_outbox import RelayOutbox
from domain.accounts.events import UserRegistered
from domain.shared.events import Event
from tests.unit.conftest import World


class Journal:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail: set[str] = set()

    def handler(self, name: str) -> EventHandler:
        def run(event: Event, key: str) -> None:
            if name in self.fail:
                raise RuntimeError(f"{name} is down")
            self.calls.append((name, key))

        return EventHandler(name, run)


def registered(world: World) -> str:
    world.build(RegisterUser)(
        RegisterUserCommand("ann@example.test", "correct horse battery", "Ann", "student")
    )
    (message_id,) = world.db.outbox
    return message_id


def processor(world: World, journal: Journal) -> ProcessOutboxMessage:
    handlers = EventHandlers({UserRegistered: (journal.handler("a"), journal.handler("b"))})
    return world.build(ProcessOutboxMessage, handlers=handlers)


def test_events_are_committed_with_the_change_and_dispatched_after(world: World) -> None:
    message_id = registered(world)
    row = world.db.outbox[message_id]
    assert row["message"].payload["email"] == "ann@example.test"
    assert world.queue.jobs == [("process_outbox_message", (message_id,))]


def test_each_handler_runs_once_however_often_the_message_is_dispatched(world: World) -> None:
    journal, message_id = Journal(), registered(world)
    first = processor(world, journal)(message_id)
    again = processor(world, journal)(message_id)
    assert first.ran == ("a", "b") and again.skipped
    assert journal.calls == [("a", f"outbox:{message_id}:a"), ("b", f"outbox:{message_id}:b")]
    assert world.db.outbox[message_id]["processed_at"] == world.clock.now()


def test_a_failed_handler_is_retried_alone(world: World) -> None:
    journal, message_id = Journal(), registered(world)
    journal.fail.add("b")
    failed = processor(world, journal)(message_id)
    assert failed.ran == ("a",) and failed.error == "b: RuntimeError"
    row = world.db.outbox[message_id]
    assert row["processed_at"] is None and row["last_error"] == "b: RuntimeError"
    journal.fail.clear()
    retried = processor(world, journal)(message_id)
    assert retried.skipped  # not due yet: the first retry waits 10 s
    world.clock.advance(seconds=10)
    retried = processor(world, journal)(message_id)
    assert retried.ran == ("b",)
    assert [name for name, _ in journal.calls] == ["a", "b"]


def test_a_failing_handler_holds_back_no_other(world: World) -> None:
    journal, message_id = Journal(), registered(world)
    journal.fail.add("a")
    failed = processor(world, journal)(message_id)
    assert failed.ran == ("b",) and failed.error == "a: RuntimeError"
    journal.fail.clear()
    world.clock.advance(seconds=10)
    assert processor(world, journal)(message_id).ran == ("a",)  # b is not run again
    assert [name for name, _ in journal.calls] == ["b", "a"]


def test_failures_are_retried_on_the_backoff_schedule_then_given_up(world: World) -> None:
    journal, message_id = Journal(), registered(world)
    journal.fail.add("a")
    relay, process = world.build(RelayOutbox), processor(world, journal)
    process(message_id)
    waits = []
    for _ in range(10):
        world.queue.jobs.clear()
        waited = 0
        while not relay().redispatched and waited < 7200:
            world.clock.advance(seconds=1)
            waited += 1
        if waited >= 7200:
            break
        waits.append(waited)
        process(message_id)
    assert waits == [10, 30, 120, 600, 1800]  # RQ's schedule, without Redis too
    row = world.db.outbox[message_id]
    assert row["attempts"] == 6 and row["gave_up_at"] is not None
    assert process(message_id).skipped  # given up: an operator replays it


def test_a_services_retry_after_is_honoured_when_longer_than_the_backoff(world: World) -> None:
    message_id = registered(world)

    def throttled(event: Event, key: str) -> None:
        raise DeliveryFailed("the mail service throttles us", retry_after=90)

    handlers = EventHandlers({UserRegistered: (EventHandler("mail", throttled),)})
    failed = world.build(ProcessOutboxMessage, handlers=handlers)(message_id)
    assert failed.error == "mail: DeliveryFailed: the mail service throttles us"
    assert world.db.outbox[message_id]["retry_at"] == world.clock.now() + timedelta(seconds=90)
    relay = world.build(RelayOutbox)
    world.clock.advance(seconds=89)
    assert relay().redispatched == ()
    world.clock.advance(seconds=1)
    assert relay().redispatched == (message_id,)


def test_a_retry_after_of_days_is_held_to_six_hours(world: World) -> None:
    message_id = registered(world)

    def throttled(event: Event, key: str) -> None:
        raise DeliveryFailed("slow down", retry_after=30 * 24 * 3600)

    handlers = EventHandlers({UserRegistered: (EventHandler("mail", throttled),)})
    world.build(ProcessOutboxMessage, handlers=handlers)(message_id)
    assert world.db.outbox[message_id]["retry_at"] == world.clock.now() + timedelta(hours=6)


def test_a_leased_message_is_not_taken_twice(world: World) -> None:
    message_id = registered(world)
    with world.uow() as uow:
        assert uow.outbox.claim(message_id, world.clock.now(), timedelta(minutes=5))
        assert uow.outbox.claim(message_id, world.clock.now(), timedelta(minutes=5)) is None
        uow.commit()  # the claimant holds the lease, then dies
    assert processor(world, Journal())(message_id).skipped  # leased: nobody else takes it
    world.clock.advance(minutes=6)  # the first claimant died; its lease ran out
    journal = Journal()
    assert processor(world, journal)(message_id).ran == ("a", "b")


def test_the_relay_redispatches_only_stranded_messages(world: World) -> None:
    message_id = registered(world)
    world.queue.jobs.clear()
    relay = world.build(RelayOutbox)
    assert relay().redispatched == ()  # still inside the grace period
    world.clock.advance(seconds=31)
    assert relay().redispatched == (message_id,)
    processor(world, Journal())(message_id)
    assert relay().redispatched == ()


def test_the_worker_has_a_job_for_every_scheduled_function() -> None:
    from adapters.inbound.worker import jobs
    from adapters.inbound.worker.schedule import register_schedule
    from adapters.settings import Settings

    class Recorder:
        def __init__(self) -> None:
            self.names: list[str] = []

        def register(self, func: object, queue: str, interval: int, name: str) -> None:
            self.names.append(name)

    recorder = Recorder()
    register_schedule(recorder, Settings())  # type: ignore[arg-type]
    assert sorted(recorder.names) == sorted(
        ["relay_outbox", "relay_webhooks", "sweep_payments", "purge_idempotency_keys",
         "purge_processed_records", "sweep_unused_uploads", "sweep_consultations",
         "poll_identity_verifications", "purge_data_exports", "compose_job_digests",
         "roll_local_subscriptions", "generate_invoices", "chase_overdue_invoices",
         "measure_storage_use"])
    assert set(recorder.names) <= set(jobs.USE_CASES)


def test_a_dispatch_arriving_while_the_handlers_run_is_skipped(world: World) -> None:
    message_id = registered(world)
    during: list[bool] = []

    def concurrent_dispatch(event: Event, key: str) -> None:
        # The relay fires while this handler runs: the committed lease turns it away.
        during.append(processor(world, Journal())(message_id).skipped)

    handlers = EventHandlers({UserRegistered: (EventHandler("slow", concurrent_dispatch),)})
    assert world.build(ProcessOutboxMessage, handlers=handlers)(message_id).ran == ("slow",)
    assert during == [True]
