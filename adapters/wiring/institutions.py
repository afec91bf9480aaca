"""The institutions area's wiring: the billing provider's customers (Stripe when
``STRIPE_SECRET`` is set, the payments area's key; otherwise eduport bills institutions
itself), the plans, the reactions to institutions created, changed and deactivated, and
the ``institution-sync`` webhooks their portals sign, and the broadcasts sent to them
(Standard Webhooks both ways)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from injector import Injector, provider, singleton

from adapters.outbound.persistence.institutions import SqlInstitutionsUnitOfWork
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from adapters.wiring.payments import PaymentsSettings
from application.institutions.announce_alert import AnnounceAlert
from application.institutions.apply_synced_metric import ApplySyncedMetric
from application.institutions.config import InstitutionsPolicy
from application.institutions.create_billing_customer import CreateBillingCustomer
from application.institutions.deliver_broadcast import DeliverBroadcast
from application.institutions.handle_billing_event import HandleBillingEvent
from application.institutions.ports import (
    BillingCustomers,
    BillingSubscriptions,
    InstitutionsUnitOfWork,
    InstitutionWebhooks,
    InvoicePayments,
    Invoicing,
    SignedRequests,
    SigningSecrets,
    SubscriptionSource,
)
from application.institutions.record_institution_activity import RecordInstitutionActivity
from application.institutions.signing_secret_of import SigningSecretOf
from application.institutions.tell_admins_of_broadcast import TellAdminsOfBroadcast
from application.institutions.tell_institution_of_invoice import TellInstitutionOfInvoice
from application.institutions.tell_subscription_status import TellSubscriptionStatus
from application.institutions.warn_of_storage_quota import WarnOfStorageQuota
from application.institutions.welcome_institution import WelcomeInstitution
from application.shared.ports import Clock
from application.shared.webhooks import WebhookProvider
from domain.institutions.events import (
    AlertRaised,
    BroadcastDue,
    InstitutionCreated,
    InstitutionDeactivated,
    InstitutionUpdated,
    InvoiceGenerated,
    InvoiceOverdue,
    InvoicePaymentFailed,
    StorageQuotaExceeded,
    SubscriptionStatusChanged,
)
from domain.institutions.invoices import InvoicePrices

_PLAN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
STRIPE_BILLING = "stripe-billing"  # Stripe's second endpoint: subscriptions and invoices


@dataclass(frozen=True)
class InstitutionsSettings:
    plans: tuple[str, ...] = ("basic", "pro", "enterprise")
    prices: tuple[tuple[str, str], ...] = ()  # (plan, Stripe price id)
    invoice_currency: str = "USD"
    invoice_seat_price: int = 0  # minor units per student a month
    invoice_storage_gb_price: int = 0  # minor units per GB above the quota a month
    invoice_live_minute_price: int = 0  # minor units per minute of live class
    invoice_time_zone: str = "UTC"
    invoice_days_until_due: int = 30
    dunning_ladder: tuple[int, ...] = (3, 7, 14)
    dunning_suspend: bool = False
    storage_warning_percent: int = 90
    webhook_timeout_seconds: int = 10
    stripe_billing_webhook_secret: str | None = None

    @classmethod
    def read(cls, reader: SettingsReader) -> InstitutionsSettings:
        def plans(raw: str) -> tuple[str, ...]:
            named = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
            if not named or not all(_PLAN.match(plan) for plan in named):
                raise ValueError
            return named

        def currency(raw: str) -> str:
            code = raw.strip().upper()
            if not (len(code) == 3 and code.isalpha() and code.isascii()):
                raise ValueError
            return code

        def zone(raw: str) -> str:
            try:
                ZoneInfo(raw.strip())
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError from None
            return raw.strip()

        def ladder(raw: str) -> tuple[int, ...]:
            steps = tuple(int(part) for part in raw.split(",") if part.strip())
            if not steps or any(step < 1 for step in steps) or list(steps) != sorted(set(steps)):
                raise ValueError
            return steps

        def prices(raw: str) -> tuple[tuple[str, str], ...]:
            pairs = [part.strip().partition(":") for part in raw.split(",") if part.strip()]
            if not all(_PLAN.match(plan) and sep and price.strip() for plan, sep, price in pairs):
                raise ValueError
            return tuple((plan, price.strip()) for plan, _, price in pairs)

        return cls(plans=reader.parse("INSTITUTION_PLANS", cls.plans, plans,
                                      "plan keys (lower case) separated by commas"),
                   prices=reader.parse("INSTITUTION_PLAN_PRICES", (), prices,
                                       "plan:price pairs separated by commas"),
                   stripe_billing_webhook_secret=reader.text("STRIPE_BILLING_WEBHOOK_SECRET"),
                   invoice_currency=reader.parse("INVOICE_CURRENCY", "USD", currency,
                                                 "an ISO 4217 code such as USD"),
                   invoice_seat_price=reader.integer("INVOICE_SEAT_PRICE_MINOR", 0, 0),
                   invoice_storage_gb_price=reader.integer("INVOICE_STORAGE_GB_PRICE_MINOR", 0,
                                                           0),
                   invoice_live_minute_price=reader.integer(
                       "INVOICE_LIVE_MINUTE_PRICE_MINOR", 0, 0),
                   invoice_time_zone=reader.parse("INVOICE_TIME_ZONE", "UTC", zone,
                                                  "an IANA time zone such as Africa/Cairo"),
                   invoice_days_until_due=reader.integer("INVOICE_DAYS_UNTIL_DUE", 30, 1, 365),
                   dunning_ladder=reader.parse("DUNNING_LADDER_DAYS", (3, 7, 14), ladder,
                                               "rising whole days separated by commas"),
                   dunning_suspend=reader.flag("DUNNING_SUSPEND", False),
                   storage_warning_percent=reader.integer("STORAGE_WARNING_PERCENT", 90, 1,
                                                          100),
                   webhook_timeout_seconds=reader.integer("INSTITUTION_WEBHOOK_TIMEOUT_SECONDS",
                                                          10, 1, 60))


class InstitutionsModule(AreaModule):
    sections: Sequence[type[Section]] = (InstitutionsSettings,)
    unit_of_work = (InstitutionsUnitOfWork, SqlInstitutionsUnitOfWork)
    handlers = {
        InstitutionCreated: (("create_billing_customer", CreateBillingCustomer),
                             ("welcome_institution", WelcomeInstitution),
                             ("record_activity", RecordInstitutionActivity)),
        InstitutionUpdated: (("record_activity", RecordInstitutionActivity),),
        InstitutionDeactivated: (("record_activity", RecordInstitutionActivity),),
        AlertRaised: (("announce_alert", AnnounceAlert),),
        BroadcastDue: (("deliver_broadcast", DeliverBroadcast),
                       ("tell_admins", TellAdminsOfBroadcast)),
        SubscriptionStatusChanged: (("tell_subscription_status", TellSubscriptionStatus),),
        InvoiceGenerated: (("tell_institution_of_invoice", TellInstitutionOfInvoice),),
        InvoicePaymentFailed: (("tell_institution_of_invoice", TellInstitutionOfInvoice),),
        InvoiceOverdue: (("tell_institution_of_invoice", TellInstitutionOfInvoice),),
        StorageQuotaExceeded: (("warn_of_storage_quota", WarnOfStorageQuota),),
    }
    webhook_names = ("institution-sync", STRIPE_BILLING)

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        from adapters.outbound.institutions.signing import InstitutionSyncAuthenticator

        found = [WebhookProvider("institution-sync", InstitutionSyncAuthenticator(
            injector.get(SignedRequests)), injector.get(ApplySyncedMetric))]
        section = injector.get(Settings).section(InstitutionsSettings)
        stripe = injector.get(Settings).section(PaymentsSettings).stripe
        if section.stripe_billing_webhook_secret and stripe.secret:
            from adapters.outbound.institutions.billing import RenamedAuthenticator
            from adapters.outbound.payments.stripe import StripeWebhookAuthenticator

            found.append(WebhookProvider(STRIPE_BILLING, RenamedAuthenticator(
                STRIPE_BILLING, StripeWebhookAuthenticator(
                    section.stripe_billing_webhook_secret, stripe.webhook_tolerance,
                    injector.get(Clock))), injector.get(HandleBillingEvent)))
        return found

    def _stripe_client(self, settings: Settings) -> Any:
        from adapters.outbound.payments.stripe import build_stripe_client

        stripe = settings.section(PaymentsSettings).stripe
        return build_stripe_client(stripe.secret or "", stripe.api_base,
                                   timeout_seconds=stripe.timeout_seconds)

    @singleton
    @provider
    def subscriptions(self, settings: Settings, clock: Clock) -> BillingSubscriptions:
        def stripe_subscriptions() -> BillingSubscriptions:
            from adapters.outbound.institutions.billing import StripeBillingSubscriptions

            return StripeBillingSubscriptions(self._stripe_client(settings))

        def local() -> BillingSubscriptions:
            from adapters.outbound.institutions.billing import LocalBillingSubscriptions

            return LocalBillingSubscriptions(clock)

        secret = settings.section(PaymentsSettings).stripe.secret
        return vendor_or_default({"stripe": stripe_subscriptions if secret else None},
                                 ("local", local))

    @singleton
    @provider
    def invoicing(self, settings: Settings) -> Invoicing:
        def stripe_invoicing() -> Invoicing:
            from adapters.outbound.institutions.billing import StripeInvoicing

            return StripeInvoicing(self._stripe_client(settings),
                                   settings.section(InstitutionsSettings).invoice_days_until_due)

        def local() -> Invoicing:
            from adapters.outbound.institutions.billing import LocalInvoicing

            return LocalInvoicing()

        secret = settings.section(PaymentsSettings).stripe.secret
        return vendor_or_default({"stripe": stripe_invoicing if secret else None},
                                 ("local", local))

    @singleton
    @provider
    def invoice_payments(self, settings: Settings) -> InvoicePayments:
        from adapters.outbound.institutions.billing import StripeInvoicePayments

        return StripeInvoicePayments(self._stripe_client(settings))

    @singleton
    @provider
    def subscription_source(self, settings: Settings) -> SubscriptionSource:
        from adapters.outbound.institutions.billing import StripeBillingSubscriptions

        return StripeBillingSubscriptions(self._stripe_client(settings))

    @singleton
    @provider
    def signed_requests(self, injector: Injector) -> SignedRequests:
        from adapters.outbound.institutions.signing import InstitutionSignatures

        return InstitutionSignatures(injector.get(SigningSecretOf), injector.get(Clock))

    @singleton
    @provider
    def webhooks(self, settings: Settings, clock: Clock) -> InstitutionWebhooks:
        from adapters.outbound.institutions.webhooks import HttpInstitutionWebhooks

        return HttpInstitutionWebhooks(
            clock, settings.section(InstitutionsSettings).webhook_timeout_seconds)

    @singleton
    @provider
    def signing_secrets(self) -> SigningSecrets:
        from adapters.outbound.institutions.signing import RandomSigningSecrets

        return RandomSigningSecrets()

    @singleton
    @provider
    def customers(self, settings: Settings) -> BillingCustomers:
        stripe = settings.section(PaymentsSettings).stripe

        def stripe_customers() -> BillingCustomers:
            from adapters.outbound.institutions.billing import StripeBillingCustomers

            return StripeBillingCustomers(self._stripe_client(settings))

        def local() -> BillingCustomers:
            from adapters.outbound.institutions.billing import LocalBillingCustomers

            return LocalBillingCustomers()

        return vendor_or_default({"stripe": stripe_customers if stripe.secret else None},
                                 ("local", local))

    @singleton
    @provider
    def policy(self, settings: Settings) -> InstitutionsPolicy:
        section = settings.section(InstitutionsSettings)
        stripe = settings.section(PaymentsSettings).stripe.secret
        return InstitutionsPolicy(
            plans=section.plans, prices=dict(section.prices) if stripe else None,
            invoice_prices=InvoicePrices(section.invoice_currency, section.invoice_seat_price,
                                         section.invoice_storage_gb_price,
                                         section.invoice_live_minute_price),
            invoice_time_zone=section.invoice_time_zone,
            invoice_days_until_due=section.invoice_days_until_due,
            dunning_ladder=section.dunning_ladder, suspend_past_due=section.dunning_suspend,
            storage_warning_percent=section.storage_warning_percent)
