"""The shared kernel's wiring: time, ids, the database, jobs, cache, health, the outbox's
event handlers, the webhook inbox's providers and the real-time channels' rules (gathered
from every area)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, get_type_hints

from injector import Binder, Injector, Module, provider, singleton
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from adapters.inbound.worker.jobs import run_job
from adapters.outbound.cache import MemoryCache, RedisCache
from adapters.outbound.persistence.database import build_engine, read_only, session_factory
from adapters.outbound.persistence.health import DatabaseHealth, RedisHealth
from adapters.outbound.persistence.idempotency import SqlIdempotencyStore
from adapters.outbound.persistence.orm import start_mappers
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.queue.inline import InlineTaskQueue
from adapters.outbound.queue.rq_queue import RqTaskQueue
from adapters.outbound.system import SystemClock, UuidGenerator
from adapters.settings import Settings
from adapters.wiring.area import AreaModule, bind_units_of_work
from adapters.wiring.choice import vendor_or_default
from application.messaging.channels import ChannelRules
from application.shared.audit import Auditor
from application.shared.config import LeasePolicy, Links, RetentionPolicy, VerificationPolicy
from application.shared.health import Readiness
from application.shared.leases import Leases
from application.shared.ports import (
    Cache,
    Clock,
    HealthCheck,
    IdempotencyStore,
    IdGenerator,
    InboxUnitOfWork,
    KernelUnitOfWork,
    OutboxUnitOfWork,
    TaskQueue,
)
from application.shared.process_outbox_message import EventHandler, EventHandlers
from application.shared.webhooks import WebhookProviders


@dataclass(frozen=True)
class RedisConnection:
    """The Redis client, or None on the embedded default."""

    client: Redis | None


class SharedModule(Module):
    """The kernel's bindings; it gathers the areas' event handlers, webhook providers and
    channel rules."""

    def __init__(self, settings: Settings, areas: Sequence[AreaModule]) -> None:
        self.settings, self.areas = settings, areas

    def configure(self, binder: Binder) -> None:
        binder.bind(Settings, to=self.settings)
        bind_units_of_work(binder, (KernelUnitOfWork, OutboxUnitOfWork, InboxUnitOfWork),
                           SqlKernelUnitOfWork)

    @singleton
    @provider
    def clock(self) -> Clock:
        return SystemClock()

    @singleton
    @provider
    def ids(self) -> IdGenerator:
        return UuidGenerator()

    @singleton
    @provider
    def lease_policy(self) -> LeasePolicy:
        return LeasePolicy(relay_grace=timedelta(seconds=self.settings.outbox_relay_grace_seconds),
                           webhook_lease=timedelta(seconds=self.settings.webhook_lease_seconds))

    @singleton
    @provider
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(outbox=timedelta(days=self.settings.outbox_retention_days),
                               webhooks=timedelta(days=self.settings.webhook_retention_days))

    @singleton
    @provider
    def verification_policy(self) -> VerificationPolicy:
        return VerificationPolicy(frozenset(self.settings.verified_email_roles))

    @singleton
    @provider
    def links(self) -> Links:
        return Links(frontend_url=self.settings.frontend_url)

    @singleton
    @provider
    def auditor(self, clock: Clock, ids: IdGenerator) -> Auditor:
        from adapters.inbound.http.origin import FlaskRequestOrigin

        return Auditor(clock, ids, FlaskRequestOrigin())

    @singleton
    @provider
    def leases(self, clock: Clock, policy: LeasePolicy) -> Leases:
        return Leases(clock, policy)

    @singleton
    @provider
    def engine(self) -> Engine:
        start_mappers()
        return build_engine(self.settings.database_url)

    @singleton
    @provider
    def sessions(self, engine: Engine) -> sessionmaker[Session]:
        return session_factory(engine)

    @singleton
    @provider
    def redis(self) -> RedisConnection:
        url = self.settings.redis_url
        return RedisConnection(None if url is None else Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=10))

    @singleton
    @provider
    def task_queue(self, redis: RedisConnection, injector: Injector) -> TaskQueue:
        client = redis.client
        return vendor_or_default(
            {"rq": (lambda: RqTaskQueue(client, self.settings.queue_name)) if client else None},
            ("inline", lambda: InlineTaskQueue(lambda job, *args: run_job(injector, job, *args))))

    @singleton
    @provider
    def cache(self, redis: RedisConnection) -> Cache:
        client = redis.client
        return vendor_or_default({"redis": (lambda: RedisCache(client)) if client else None},
                                 ("memory", MemoryCache))

    @singleton
    @provider
    def readiness(self, engine: Engine, redis: RedisConnection) -> Readiness:
        checks: list[HealthCheck] = [DatabaseHealth(read_only(engine))]
        if redis.client is not None:
            checks.append(RedisHealth(redis.client))
        return Readiness(checks)

    @singleton
    @provider
    def idempotency(self, engine: Engine, clock: Clock) -> IdempotencyStore:
        return SqlIdempotencyStore(engine, clock)

    @singleton
    @provider
    def event_handlers(self, injector: Injector) -> EventHandlers:
        def handler(name: str, cls: type[Any]) -> EventHandler:
            # Resolved per run so that each handler gets a fresh unit of work.
            return EventHandler(name, lambda event, key: injector.get(cls)(event, key))

        by_event: dict[Any, list[EventHandler]] = {}
        for area in self.areas:
            for event, reactions in area.handlers.items():
                by_event.setdefault(event, []).extend(handler(n, c) for n, c in reactions)
        return EventHandlers(by_event)

    @singleton
    @provider
    def webhook_providers(self, injector: Injector) -> WebhookProviders:
        return WebhookProviders({p.name: p for area in self.areas
                                 for p in area.webhook_providers(injector)})

    @singleton
    @provider
    def channel_rules(self, injector: Injector) -> ChannelRules:
        return ChannelRules(tuple(rule for area in self.areas
                                  for rule in area.channel_rules_for(injector)))


class UseCasesModule(Module):
    """Every use case, built from its constructor's type hints (the core imports no injector)."""

    def __init__(self, use_cases: Sequence[type[Any]]) -> None:
        self.use_cases = use_cases

    def configure(self, binder: Binder) -> None:
        for cls in self.use_cases:
            hints = get_type_hints(cls.__init__)
            hints.pop("return", None)

            def build(cls: type[Any] = cls, hints: dict[str, Any] = hints) -> Any:
                return cls(**{name: binder.injector.get(kind) for name, kind in hints.items()})

            binder.bind(cls, to=build)
