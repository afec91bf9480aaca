"""The composition root: Settings -> injector modules -> the app, the worker and the CLI.

Only this module knows every adapter. Nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import inspect
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, get_type_hints

from flask import Flask
from injector import Binder, Injector, Module, provider, singleton
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import application.use_cases
from adapters.inbound.worker.jobs import run_job
from adapters.logging import configure_logging
from adapters.outbound.cache import MemoryCache, RedisCache
from adapters.outbound.mail.file_mailer import FileMailer
from adapters.outbound.payments.exchange_rates import ConfiguredExchangeRates
from adapters.outbound.payments.sandbox import (
    SandboxPaymentGateway,
    SandboxWebhookAuthenticator,
    SandboxWebhookInterpreter,
)
from adapters.outbound.persistence.database import build_engine, read_only, session_factory
from adapters.outbound.persistence.health import DatabaseHealth, RedisHealth
from adapters.outbound.persistence.idempotency import SqlIdempotencyStore
from adapters.outbound.persistence.orm import start_mappers
from adapters.outbound.persistence.queries import SqlCatalogQueries
from adapters.outbound.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.outbound.queue.inline import InlineTaskQueue
from adapters.outbound.queue.rq_queue import RqTaskQueue
from adapters.outbound.security.passwords import Argon2PasswordHasher
from adapters.outbound.security.tokens import JwtAccessTokens, JwtOneTimeTokens
from adapters.outbound.system import SystemClock, UuidGenerator
from adapters.settings import Settings
from application.audit import Auditor
from application.config import AccountPolicy, Links, OutboxPolicy, PaymentPolicy, RetentionPolicy
from application.health import Readiness
from application.ports import (
    AccessTokens,
    Cache,
    CatalogQueries,
    Clock,
    ExchangeRates,
    HealthCheck,
    IdempotencyStore,
    IdGenerator,
    Mailer,
    OneTimeTokens,
    PasswordHasher,
    PaymentGateway,
    TaskQueue,
    UnitOfWork,
    WebhookAuthenticator,
    WebhookInterpreter,
)
from application.providers import PaymentGateways, WebhookEndpoints
from application.settlement import Settlement
from application.use_cases.process_outbox_message import EventHandler, EventHandlers
from application.use_cases.receive_webhook import ReceiveWebhook, ReceiveWebhookCommand
from application.use_cases.send_account_emails import (
    SendPasswordResetEmail,
    SendVerificationEmail,
    SendWelcomeEmail,
)
from application.use_cases.send_payment_emails import SendPaymentReceipt, SendRefundNotice

log = logging.getLogger("eduport.bootstrap")
T = TypeVar("T")


class CoreModule(Module):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def configure(self, binder: Binder) -> None:
        binder.bind(Settings, to=self.settings)

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
    def account_policy(self) -> AccountPolicy:
        return AccountPolicy(refresh_token_ttl=timedelta(days=self.settings.refresh_token_ttl_days))

    @singleton
    @provider
    def outbox_policy(self) -> OutboxPolicy:
        return OutboxPolicy(relay_grace=timedelta(seconds=self.settings.outbox_relay_grace_seconds))

    @singleton
    @provider
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(outbox=timedelta(days=self.settings.outbox_retention_days),
                               webhooks=timedelta(days=self.settings.webhook_retention_days))

    @singleton
    @provider
    def links(self) -> Links:
        return Links(frontend_url=self.settings.frontend_url)

    @singleton
    @provider
    def auditor(self, clock: Clock, ids: IdGenerator) -> Auditor:
        return Auditor(clock, ids)


class SecurityModule(Module):
    @singleton
    @provider
    def password_hasher(self, settings: Settings) -> PasswordHasher:
        return Argon2PasswordHasher(settings.password_hash_time_cost,
                                    settings.password_hash_memory_kib)

    @singleton
    @provider
    def access_tokens(self, settings: Settings, clock: Clock) -> AccessTokens:
        return JwtAccessTokens(settings.jwt_secret, settings.access_token_ttl_seconds, clock)

    @singleton
    @provider
    def one_time_tokens(self, settings: Settings, clock: Clock) -> OneTimeTokens:
        return JwtOneTimeTokens(settings.jwt_secret, clock)


class PersistenceModule(Module):
    @singleton
    @provider
    def engine(self, settings: Settings) -> Engine:
        start_mappers()
        return build_engine(settings.database_url)

    @singleton
    @provider
    def sessions(self, engine: Engine) -> sessionmaker[Session]:
        return session_factory(engine)

    @provider
    def unit_of_work(self, sessions: sessionmaker[Session], clock: Clock, ids: IdGenerator,
                     queue: TaskQueue) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(sessions, clock, ids, queue)

    @singleton
    @provider
    def catalog_queries(self, engine: Engine) -> CatalogQueries:
        return SqlCatalogQueries(read_only(engine))


@dataclass(frozen=True)
class RedisConnection:
    """The Redis client, or None on the embedded default."""

    client: Redis | None


class QueueModule(Module):
    """RQ on Redis when REDIS_URL is set; otherwise jobs run inline, in process."""

    @singleton
    @provider
    def redis(self, settings: Settings) -> RedisConnection:
        if settings.redis_url is None:
            return RedisConnection(None)
        return RedisConnection(Redis.from_url(settings.redis_url, socket_connect_timeout=5,
                                              socket_timeout=10))

    @singleton
    @provider
    def task_queue(self, settings: Settings, redis: RedisConnection,
                   injector: Injector) -> TaskQueue:
        if redis.client is not None:
            return RqTaskQueue(redis.client, settings.queue_name)
        return InlineTaskQueue(lambda job, *args: run_job(injector, job, *args))


class CacheModule(Module):
    @singleton
    @provider
    def cache(self, redis: RedisConnection) -> Cache:
        return RedisCache(redis.client) if redis.client is not None else MemoryCache()


class MailModule(Module):
    @singleton
    @provider
    def mailer(self, settings: Settings) -> Mailer:
        return FileMailer(settings.mail.outbox_dir, settings.mail.mail_from)


class HealthModule(Module):
    @singleton
    @provider
    def readiness(self, engine: Engine, redis: RedisConnection) -> Readiness:
        checks: list[HealthCheck] = [DatabaseHealth(read_only(engine))]
        if redis.client is not None:
            checks.append(RedisHealth(redis.client))
        return Readiness(checks)


class EventHandlersModule(Module):
    @singleton
    @provider
    def handlers(self, injector: Injector) -> EventHandlers:
        def handler(name: str, cls: type[Any]) -> EventHandler:
            # Resolved per run so that each handler gets a fresh unit of work.
            return EventHandler(name, lambda event, key: injector.get(cls)(event, key))

        welcome = handler("welcome_email", SendWelcomeEmail)
        verification = handler("verification_email", SendVerificationEmail)
        reset = handler("password_reset_email", SendPasswordResetEmail)
        return EventHandlers({
            "UserRegistered": (welcome, verification),
            "EmailVerificationRequested": (verification,),
            "PasswordResetRequested": (reset,),
            "PaymentSucceeded": (handler("payment_receipt", SendPaymentReceipt),),
            "PaymentRefunded": (handler("refund_notice", SendRefundNotice),),
        })


class PaymentsModule(Module):
    """Stripe and PayPal when their keys are set; otherwise the offline sandbox gateway."""

    @singleton
    @provider
    def gateways(self, settings: Settings, injector: Injector) -> PaymentGateways:
        by_provider: dict[str, PaymentGateway] = {}
        if settings.stripe.secret:
            from adapters.outbound.payments.stripe import (
                StripePaymentGateway,
                build_stripe_client,
            )

            by_provider["stripe"] = StripePaymentGateway(build_stripe_client(
                settings.stripe.secret, settings.stripe.api_base,
                timeout_seconds=settings.stripe.timeout_seconds), injector.get(Clock))
        paypal = _paypal_credentials(settings)
        if paypal is not None:
            from adapters.outbound.payments.paypal import PayPalPaymentGateway

            by_provider["paypal"] = PayPalPaymentGateway(injector.get(PayPalApi).api)
        if not by_provider:
            sandbox = injector.get(SandboxPaymentGateway)
            return PaymentGateways({"sandbox": sandbox}, challenge=sandbox)
        return PaymentGateways(by_provider)

    @singleton
    @provider
    def paypal_api(self, settings: Settings) -> PayPalApi:
        from adapters.outbound.payments.paypal import build_paypal_api

        credentials = _paypal_credentials(settings)
        assert credentials is not None, "PayPal is not configured"
        return PayPalApi(build_paypal_api(settings.paypal.mode, *credentials,
                                          api_base=settings.paypal.api_base))

    @singleton
    @provider
    def sandbox(self, settings: Settings, engine: Engine, clock: Clock,
                injector: Injector) -> SandboxPaymentGateway:
        def deliver(body: bytes, headers: dict[str, str]) -> None:
            # Through the same inbox as any provider: authenticated, stored once, queued.
            injector.get(ReceiveWebhook)(ReceiveWebhookCommand("sandbox", headers, body))

        return SandboxPaymentGateway(engine, clock, _sandbox_secret(settings), deliver)

    @singleton
    @provider
    def webhook_endpoints(self, settings: Settings, gateways: PaymentGateways, clock: Clock,
                          injector: Injector) -> WebhookEndpoints:
        authenticators: dict[str, WebhookAuthenticator] = {}
        interpreters: dict[str, WebhookInterpreter] = {}
        if settings.stripe.webhook_secret:
            from adapters.outbound.payments.stripe import (
                StripeWebhookAuthenticator,
                StripeWebhookInterpreter,
            )

            authenticators["stripe"] = StripeWebhookAuthenticator(
                settings.stripe.webhook_secret, settings.stripe.webhook_tolerance, clock)
            interpreters["stripe"] = StripeWebhookInterpreter()
        if "paypal" in gateways.by_provider and settings.paypal.webhook_id:
            from adapters.outbound.payments.paypal import (
                PayPalWebhookAuthenticator,
                PayPalWebhookInterpreter,
            )

            authenticators["paypal"] = PayPalWebhookAuthenticator(
                injector.get(PayPalApi).api, settings.paypal.webhook_id, clock)
            interpreters["paypal"] = PayPalWebhookInterpreter()
        if "sandbox" in gateways.by_provider:
            authenticators["sandbox"] = SandboxWebhookAuthenticator(_sandbox_secret(settings),
                                                                    clock)
            interpreters["sandbox"] = SandboxWebhookInterpreter()
        return WebhookEndpoints(authenticators, interpreters)

    @singleton
    @provider
    def settlement(self, clock: Clock, ids: IdGenerator, auditor: Auditor) -> Settlement:
        return Settlement(clock, ids, auditor)

    @singleton
    @provider
    def policy(self, settings: Settings) -> PaymentPolicy:
        return PaymentPolicy(
            checkout_ttl=timedelta(minutes=settings.stripe.checkout_expires_minutes),
            fallback_currency=(("paypal", settings.paypal.currency),),
            webhook_lease=timedelta(seconds=settings.webhook_lease_seconds),
            relay_grace=timedelta(seconds=settings.outbox_relay_grace_seconds))

    @singleton
    @provider
    def exchange_rates(self, settings: Settings, clock: Clock) -> ExchangeRates:
        as_of = (datetime.fromisoformat(settings.exchange_rates_as_of)
                 if settings.exchange_rates_as_of else clock.now())
        return ConfiguredExchangeRates(settings.exchange_rates, as_of)

    @singleton
    @provider
    def idempotency(self, engine: Engine, clock: Clock) -> IdempotencyStore:
        return SqlIdempotencyStore(engine, clock)


@dataclass(frozen=True)
class PayPalApi:
    """The one PayPal client (and its cached OAuth token) shared by gateway and webhooks."""

    api: Any


def _paypal_credentials(settings: Settings) -> tuple[str, str] | None:
    paypal = settings.paypal
    pair = ((paypal.live_client_id, paypal.live_secret) if paypal.mode == "live"
            else (paypal.sandbox_client_id, paypal.sandbox_secret))
    return (pair[0], pair[1]) if pair[0] and pair[1] else None


def _sandbox_secret(settings: Settings) -> str:
    # Stable across processes without another setting: derived from the JWT secret.
    return settings.sandbox_webhook_secret or hmac.new(
        settings.jwt_secret.encode(), b"eduport sandbox webhooks", hashlib.sha256).hexdigest()


def use_case_classes() -> list[type[Any]]:
    """Every class with a ``__call__`` defined in a module of ``application.use_cases``."""
    found = []
    for info in pkgutil.iter_modules(application.use_cases.__path__):
        module = importlib.import_module(f"application.use_cases.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (cls.__module__ == module.__name__ and "__call__" in vars(cls)
                    and not cls.__name__.startswith("_")):
                found.append(cls)
    return found


def autowire(cls: type[T]) -> Callable[[Injector], T]:
    """Builds ``cls`` from its constructor's type hints; the core needs no injector imports."""
    hints = get_type_hints(cls.__init__)
    hints.pop("return", None)

    def build(injector: Injector) -> T:
        return cls(**{name: injector.get(kind) for name, kind in hints.items()})

    return build


class UseCasesModule(Module):
    def configure(self, binder: Binder) -> None:
        for cls in use_case_classes():
            build = autowire(cls)
            binder.bind(cls, to=lambda build=build: build(binder.injector))


def production_modules(settings: Settings) -> list[Module]:
    return [CoreModule(settings), SecurityModule(), PersistenceModule(), QueueModule(),
            MailModule(), CacheModule(), HealthModule(), EventHandlersModule(), PaymentsModule(),
            UseCasesModule()]


def build_injector(settings: Settings, *overrides: Module) -> Injector:
    """The application's object graph; ``overrides`` (modules of fakes) win over defaults."""
    return Injector([*production_modules(settings), *overrides], auto_bind=False)


def describe_adapters(injector: Injector) -> dict[str, str]:
    ports: dict[str, type[Any]] = {"PasswordHasher": PasswordHasher, "AccessTokens": AccessTokens,
             "OneTimeTokens": OneTimeTokens, "Mailer": Mailer, "TaskQueue": TaskQueue,
             "UnitOfWork": UnitOfWork, "CatalogQueries": CatalogQueries, "Clock": Clock,
             "ExchangeRates": ExchangeRates, "IdempotencyStore": IdempotencyStore,
             "Cache": Cache}
    described = {name: type(injector.get(port)).__name__ for name, port in ports.items()}
    gateways = injector.get(PaymentGateways).by_provider
    described["PaymentGateway"] = ", ".join(f"{name}={type(g).__name__}"
                                            for name, g in gateways.items())
    described["Webhooks"] = ", ".join(sorted(injector.get(WebhookEndpoints).authenticators))
    return described


def create_app(injector: Injector | None = None, settings: Settings | None = None) -> Flask:
    from adapters.inbound.http.app import create_app as create_http_app
    from adapters.outbound.persistence.migrations_runner import ensure_migrated

    settings = settings or Settings.from_env()
    configure_logging(settings)
    injector = injector or build_injector(settings)
    ensure_migrated(injector.get(Engine))
    log.info("adapters", extra={"adapters": describe_adapters(injector)})
    return create_http_app(injector, settings)


def wsgi() -> Flask:
    """The WSGI entry point gunicorn loads: ``bootstrap:wsgi()``."""
    return create_app()


def main() -> None:
    from adapters.inbound.cli import build_cli

    build_cli(settings_factory=Settings.from_env, injector_factory=build_injector,
              app_factory=create_app, describe=describe_adapters)()
