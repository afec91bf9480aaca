"""The payments area's wiring: Stripe and PayPal when their keys are set, otherwise the
offline sandbox gateway; their webhook providers on the shared inbox."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from injector import Injector, provider, singleton
from sqlalchemy import Engine

from adapters.outbound.payments.exchange_rates import ConfiguredExchangeRates
from adapters.outbound.payments.sandbox import (
    SandboxBank,
    SandboxPaymentGateway,
    SandboxWebhookAuthenticator,
    SandboxWebhookInterpreter,
)
from adapters.outbound.persistence.payments import SqlPaymentsUnitOfWork
from adapters.settings import Settings
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
from domain.payments.events import PaymentRefunded, PaymentSucceeded


@dataclass(frozen=True)
class PayPalApi:
    """The one PayPal client (and its cached OAuth token) shared by gateway and webhooks."""

    api: Any


def paypal_credentials(settings: Settings) -> tuple[str, str] | None:
    paypal = settings.paypal
    pair = ((paypal.live_client_id, paypal.live_secret) if paypal.mode == "live"
            else (paypal.sandbox_client_id, paypal.sandbox_secret))
    return (pair[0], pair[1]) if pair[0] and pair[1] else None


def sandbox_secret(settings: Settings) -> str:
    # Stable across processes without another setting: derived from the JWT secret.
    return settings.sandbox_webhook_secret or hmac.new(
        settings.jwt_secret.encode(), b"eduport sandbox webhooks", hashlib.sha256).hexdigest()


class PaymentsModule(AreaModule):
    unit_of_work = (PaymentsUnitOfWork, SqlPaymentsUnitOfWork)
    handlers = {
        PaymentSucceeded: (("payment_receipt", SendPaymentReceipt),),
        PaymentRefunded: (("refund_notice", SendRefundNotice),),
    }

    webhook_names = tuple(Provider)


    @singleton
    @provider
    def gateways(self, settings: Settings, injector: Injector) -> PaymentGateways:
        def stripe() -> PaymentGateway:
            from adapters.outbound.payments.stripe import StripePaymentGateway, build_stripe_client

            return StripePaymentGateway(build_stripe_client(
                settings.stripe.secret, settings.stripe.api_base,
                timeout_seconds=settings.stripe.timeout_seconds), injector.get(Clock))

        def paypal() -> PaymentGateway:
            from adapters.outbound.payments.paypal import PayPalPaymentGateway

            return PayPalPaymentGateway(injector.get(PayPalApi).api)

        return PaymentGateways(vendors_or_default(
            {Provider.STRIPE: stripe if settings.stripe.secret else None,
             Provider.PAYPAL: paypal if paypal_credentials(settings) else None},
            (Provider.SANDBOX, lambda: injector.get(SandboxPaymentGateway))))

    @singleton
    @provider
    def paypal_api(self, settings: Settings) -> PayPalApi:
        from adapters.outbound.payments.paypal import build_paypal_api

        credentials = paypal_credentials(settings)
        if credentials is None:
            raise RuntimeError("PayPal is not configured")
        return PayPalApi(build_paypal_api(settings.paypal.mode, *credentials,
                                          api_base=settings.paypal.api_base))

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
        gateways = injector.get(PaymentGateways).by_provider
        found: list[tuple[str, WebhookAuthenticator, WebhookInterpreter]] = []
        if settings.stripe.webhook_secret:
            from adapters.outbound.payments.stripe import (
                StripeWebhookAuthenticator,
                StripeWebhookInterpreter,
            )

            found.append((Provider.STRIPE, StripeWebhookAuthenticator(
                settings.stripe.webhook_secret, settings.stripe.webhook_tolerance, clock),
                StripeWebhookInterpreter()))
        if Provider.PAYPAL in gateways and settings.paypal.webhook_id:
            from adapters.outbound.payments.paypal import (
                PayPalWebhookAuthenticator,
                PayPalWebhookInterpreter,
            )

            found.append((Provider.PAYPAL, PayPalWebhookAuthenticator(
                injector.get(PayPalApi).api, settings.paypal.webhook_id, clock),
                PayPalWebhookInterpreter()))
        if Provider.SANDBOX in gateways:
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
    def policy(self, settings: Settings) -> PaymentPolicy:
        return PaymentPolicy(
            checkout_ttl=timedelta(minutes=settings.stripe.checkout_expires_minutes),
            fallback_currency=((Provider.PAYPAL, settings.paypal.currency),))

    @singleton
    @provider
    def exchange_rates(self, settings: Settings, clock: Clock) -> ExchangeRates:
        as_of = (datetime.fromisoformat(settings.exchange_rates_as_of)
                 if settings.exchange_rates_as_of else clock.now())
        return ConfiguredExchangeRates(settings.exchange_rates, as_of)


def _payment_handler(injector: Injector, provider_name: str,
                     interpreter: WebhookInterpreter) -> Callable[[WebhookEvent], str]:
    def handle(event: WebhookEvent) -> str:
        notice = interpreter.interpret(event)
        return injector.get(HandlePaymentEvent)(PaymentEventCommand(provider_name, notice))

    return handle
