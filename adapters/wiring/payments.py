"""The payments area's wiring: Stripe and PayPal when their keys are set, otherwise the
offline sandbox gateway; their webhook providers on the shared inbox."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from injector import Injector, provider, singleton
from sqlalchemy import Engine

from adapters.outbound.payments.exchange_rates import ConfiguredExchangeRates, parse_rates
from adapters.outbound.payments.sandbox import (
    SandboxBank,
    SandboxPaymentGateway,
    SandboxWebhookAuthenticator,
    SandboxWebhookInterpreter,
)
from adapters.outbound.persistence.payments import SqlPaymentsUnitOfWork
from adapters.settings import Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendors_or_default
from application.payments.config import PaymentPolicy
from application.payments.handle_payment_event import HandlePaymentEvent, PaymentEventCommand
from application.payments.ports import (
    ExchangeRates,
    PaymentGateway,
    PaymentsUnitOfWork,
    Provider,
    WebhookInterpreter,
)
from application.payments.providers import PaymentGateways
from application.payments.send_payment_emails import SendPaymentReceipt, SendRefundNotice
from application.payments.settlement import Settlement
from application.shared.audit import Auditor
from application.shared.ports import Clock, WebhookAuthenticator, WebhookEvent
from application.shared.receive_webhook import ReceiveWebhook, ReceiveWebhookCommand
from application.shared.webhooks import WebhookProvider
from domain.payments.credit_packs import CreditPack
from domain.payments.events import PaymentRefunded, PaymentSucceeded
from domain.shared.errors import InvalidValue
from domain.shared.money import Money

log = logging.getLogger(__name__)

# ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR, comma-separated: what `eduport demo` and an
# installation that sets nothing sell (plus costs 25.00 USD and grants 27.50 USD of credits).
DEFAULT_CREDIT_PACKS = "starter:USD:1000:1000,plus:USD:2500:2750,pro:USD:5000:6000"
MAX_CREDIT_PACKS = 20


@dataclass(frozen=True)
class StripeSettings:
    secret: str | None = None  # STRIPE_SECRET
    webhook_secret: str | None = None
    webhook_tolerance: int = 300
    api_base: str = "https://api.stripe.com"
    checkout_expires_minutes: int = 60
    timeout_seconds: int = 10


@dataclass(frozen=True)
class PayPalSettings:
    mode: str = "sandbox"
    sandbox_client_id: str | None = None
    sandbox_secret: str | None = None
    live_client_id: str | None = None
    live_secret: str | None = None
    webhook_id: str | None = None
    api_base: str | None = None
    currency: str = "USD"  # what PayPal charges when it cannot take the course currency


@dataclass(frozen=True)
class PaymentsSettings:
    stripe: StripeSettings = field(default_factory=StripeSettings)
    paypal: PayPalSettings = field(default_factory=PayPalSettings)
    exchange_rates: str = ""  # "EGP:USD=0.0205,EUR:USD=1.08"
    exchange_rates_as_of: str = ""  # ISO 8601 time the rates were taken
    sandbox_webhook_secret: str = ""
    credit_packs: tuple[CreditPack, ...] = ()

    @classmethod
    def read(cls, reader: SettingsReader) -> PaymentsSettings:
        web = ("http", "https")
        return cls(
            stripe=StripeSettings(
                secret=reader.text("STRIPE_SECRET"),
                webhook_secret=reader.text("STRIPE_WEBHOOK_SECRET"),
                webhook_tolerance=reader.integer("STRIPE_WEBHOOK_TOLERANCE", 300, 1),
                api_base=reader.url("STRIPE_API_BASE", "https://api.stripe.com", web) or "",
                checkout_expires_minutes=reader.integer("STRIPE_CHECKOUT_EXPIRES_MINUTES", 60,
                                                        30),
                timeout_seconds=reader.integer("STRIPE_TIMEOUT_SECONDS", 10, 1)),
            paypal=PayPalSettings(
                mode=reader.choice("PAYPAL_MODE", "sandbox", ("sandbox", "live")),
                sandbox_client_id=reader.text("PAYPAL_SANDBOX_CLIENT_ID"),
                sandbox_secret=reader.text("PAYPAL_SANDBOX_SECRET"),
                live_client_id=reader.text("PAYPAL_LIVE_CLIENT_ID"),
                live_secret=reader.text("PAYPAL_LIVE_SECRET"),
                webhook_id=reader.text("PAYPAL_WEBHOOK_ID"),
                api_base=reader.url("PAYPAL_API_BASE", None, web),
                currency=reader.required("PAYPAL_CURRENCY", "USD")),
            exchange_rates=_exchange_rates(reader),
            exchange_rates_as_of=_rates_as_of(reader),
            sandbox_webhook_secret=reader.required("SANDBOX_WEBHOOK_SECRET", ""),
            credit_packs=_credit_packs(reader))


def _exchange_rates(reader: SettingsReader) -> str:
    spec = reader.required("EXCHANGE_RATES", "")
    try:
        parse_rates(spec)
    except ValueError as error:
        reader.problems.append(f"EXCHANGE_RATES: {error}")
    return spec


def _credit_packs(reader: SettingsReader) -> tuple[CreditPack, ...]:
    spec = reader.required("CREDIT_PACKS", DEFAULT_CREDIT_PACKS)
    try:
        return parse_credit_packs(spec)
    except ValueError as error:
        reader.problems.append(f"CREDIT_PACKS: {error}")
        return ()


def parse_credit_packs(spec: str) -> tuple[CreditPack, ...]:
    """``ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR,...`` (amounts in integer minor units of the
    currency, credits possibly more than the price), or ``none`` to sell no pack; a
    ``ValueError`` names the entry that is not valid."""
    if spec.strip().lower() == "none":
        return ()
    packs: list[CreditPack] = []
    for raw in spec.split(","):
        entry = raw.strip()
        parts = [part.strip() for part in entry.split(":")]
        if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts[2:]):
            raise ValueError(f"credit pack {entry!r} is not of the form "
                             "ID:CURRENCY:PRICE_MINOR:CREDITS_MINOR (whole minor units), "
                             "e.g. plus:USD:2500:2750")
        pack_id, currency, price, credits = parts
        try:
            pack = CreditPack(pack_id, Money(int(price), currency),
                              Money(int(credits), currency))
        except InvalidValue as error:
            raise ValueError(error.message) from None
        if any(known.id == pack.id for known in packs):
            raise ValueError(f"credit pack {pack.id!r} is listed twice")
        packs.append(pack)
    if len(packs) > MAX_CREDIT_PACKS:
        raise ValueError(f"at most {MAX_CREDIT_PACKS} credit packs are sold")
    return tuple(packs)


def _rates_as_of(reader: SettingsReader) -> str:
    value = reader.required("EXCHANGE_RATES_AS_OF", "")
    if value:
        try:
            if datetime.fromisoformat(value).tzinfo is None:
                raise ValueError
        except ValueError:
            reader.problems.append("EXCHANGE_RATES_AS_OF must be an ISO 8601 time with a "
                                   f"zone, e.g. 2026-11-23T00:00:00Z, got {value!r}")
    return value


@dataclass(frozen=True)
class PayPalApi:
    """The one PayPal client (and its cached OAuth token) shared by gateway and webhooks."""

    api: Any


def paypal_credentials(settings: Settings) -> tuple[str, str] | None:
    paypal = settings.section(PaymentsSettings).paypal
    pair = ((paypal.live_client_id, paypal.live_secret) if paypal.mode == "live"
            else (paypal.sandbox_client_id, paypal.sandbox_secret))
    return (pair[0], pair[1]) if pair[0] and pair[1] else None


def sandbox_secret(settings: Settings) -> str:
    # Stable across processes without another setting: derived from the JWT secret.
    return settings.section(PaymentsSettings).sandbox_webhook_secret or hmac.new(
        settings.jwt_secret.encode(), b"eduport sandbox webhooks", hashlib.sha256).hexdigest()


class PaymentsModule(AreaModule):
    sections = (PaymentsSettings,)
    unit_of_work = (PaymentsUnitOfWork, SqlPaymentsUnitOfWork)
    handlers = {
        PaymentSucceeded: (("payment_receipt", SendPaymentReceipt),),
        PaymentRefunded: (("refund_notice", SendRefundNotice),),
    }

    webhook_names = tuple(Provider)

    def webhook_routes(self, settings: Settings) -> Sequence[str]:
        # Production publishes no sandbox route: nothing there may settle a payment.
        return [name for name in self.webhook_names
                if not (settings.env == "production" and name == Provider.SANDBOX)]

    @singleton
    @provider
    def section(self, settings: Settings) -> PaymentsSettings:
        return settings.section(PaymentsSettings)

    @singleton
    @provider
    def gateways(self, settings: Settings, section: PaymentsSettings,
                 injector: Injector) -> PaymentGateways:
        stripe_settings = section.stripe

        def stripe() -> PaymentGateway:
            from adapters.outbound.payments.stripe import StripePaymentGateway, build_stripe_client

            return StripePaymentGateway(build_stripe_client(
                stripe_settings.secret, stripe_settings.api_base,
                timeout_seconds=stripe_settings.timeout_seconds), injector.get(Clock))

        def paypal() -> PaymentGateway:
            from adapters.outbound.payments.paypal import PayPalPaymentGateway

            return PayPalPaymentGateway(injector.get(PayPalApi).api)

        vendors: dict[str, Callable[[], PaymentGateway] | None] = {
            Provider.STRIPE: stripe if stripe_settings.secret else None,
            Provider.PAYPAL: paypal if paypal_credentials(settings) else None}
        if settings.env == "production":
            # The sandbox sells for free: production never binds it, whatever is missing.
            chosen = {name: build() for name, build in vendors.items() if build is not None}
            if not chosen:
                log.warning("no payment provider is configured (STRIPE_SECRET, or PayPal's "
                            "client id and secret): paid checkout answers 503 until one is")
            return PaymentGateways(chosen)
        return PaymentGateways(vendors_or_default(
            vendors, (Provider.SANDBOX, lambda: injector.get(SandboxPaymentGateway))))

    @singleton
    @provider
    def paypal_api(self, settings: Settings, section: PaymentsSettings) -> PayPalApi:
        from adapters.outbound.payments.paypal import build_paypal_api

        credentials = paypal_credentials(settings)
        if credentials is None:
            raise RuntimeError("PayPal is not configured")
        return PayPalApi(build_paypal_api(section.paypal.mode, *credentials,
                                          api_base=section.paypal.api_base))

    @singleton
    @provider
    def sandbox(self, settings: Settings, engine: Engine, clock: Clock,
                injector: Injector) -> SandboxPaymentGateway:
        def deliver(body: bytes, headers: dict[str, str]) -> None:
            # Through the same inbox as any provider: authenticated, stored once, queued.
            injector.get(ReceiveWebhook)(ReceiveWebhookCommand(Provider.SANDBOX, headers, body))

        return SandboxPaymentGateway(engine, clock, sandbox_secret(settings), deliver)

    @singleton
    @provider
    def sandbox_bank(self, gateways: PaymentGateways) -> SandboxBank:
        sandbox = gateways.by_provider.get(Provider.SANDBOX)
        return SandboxBank(sandbox if isinstance(sandbox, SandboxPaymentGateway) else None)

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        settings, clock = injector.get(Settings), injector.get(Clock)
        section, gateways = injector.get(PaymentsSettings), injector.get(PaymentGateways)
        found: list[tuple[str, WebhookAuthenticator, WebhookInterpreter]] = []
        if section.stripe.webhook_secret:
            from adapters.outbound.payments.stripe import (
                StripeWebhookAuthenticator,
                StripeWebhookInterpreter,
            )

            found.append((Provider.STRIPE, StripeWebhookAuthenticator(
                section.stripe.webhook_secret, section.stripe.webhook_tolerance, clock),
                StripeWebhookInterpreter()))
        if Provider.PAYPAL in gateways.by_provider and section.paypal.webhook_id:
            from adapters.outbound.payments.paypal import (
                PayPalWebhookAuthenticator,
                PayPalWebhookInterpreter,
            )

            found.append((Provider.PAYPAL, PayPalWebhookAuthenticator(
                injector.get(PayPalApi).api, section.paypal.webhook_id, clock),
                PayPalWebhookInterpreter()))
        if Provider.SANDBOX in gateways.by_provider:
            found.append((Provider.SANDBOX,
                          SandboxWebhookAuthenticator(sandbox_secret(settings), clock),
                          SandboxWebhookInterpreter()))
        return [WebhookProvider(name, authenticator, _payment_handler(injector, name, reader))
                for name, authenticator, reader in found]

    @singleton
    @provider
    def settlement(self, clock: Clock, auditor: Auditor) -> Settlement:
        return Settlement(clock, auditor)

    @singleton
    @provider
    def policy(self, section: PaymentsSettings) -> PaymentPolicy:
        return PaymentPolicy(
            checkout_ttl=timedelta(minutes=section.stripe.checkout_expires_minutes),
            fallback_currency=((Provider.PAYPAL, section.paypal.currency),),
            credit_packs=section.credit_packs)

    @singleton
    @provider
    def exchange_rates(self, section: PaymentsSettings, clock: Clock) -> ExchangeRates:
        as_of = (datetime.fromisoformat(section.exchange_rates_as_of)
                 if section.exchange_rates_as_of else clock.now())
        return ConfiguredExchangeRates(section.exchange_rates, as_of)


def _payment_handler(injector: Injector, provider_name: str,
                     interpreter: WebhookInterpreter) -> Callable[[WebhookEvent], str]:
    def handle(event: WebhookEvent) -> str:
        notice = interpreter.interpret(event)
        return injector.get(HandlePaymentEvent)(PaymentEventCommand(provider_name, notice))

    return handle
