"""What the institutions area needs: its records, and a billing provider's customers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.accounts.published import AccountDirectory
from application.files.published import StorageTotals
from application.live.published import LiveMinutes
from application.shared.ports import AuditedUnitOfWork
from domain.institutions.activity import Activity
from domain.institutions.alerts import Alert
from domain.institutions.broadcasts import Broadcast, BroadcastDelivery
from domain.institutions.invoices import Invoice
from domain.institutions.model import Institution, InstitutionStatus
from domain.institutions.subscriptions import Subscription


@dataclass(frozen=True)
class CustomerRequest:
    institution_id: str
    name: str
    email: str


class BillingCustomers(Protocol):
    """The billing provider's customers (Stripe, or the embedded local billing)."""

    provider: str  # "stripe", "local"

    def create_customer(self, request: CustomerRequest, idempotency_key: str) -> str:
        """The provider's id of a new customer for the institution (its id in the customer's
        metadata). The same key creates one customer however often it is sent. Raises
        ``DeliveryFailed`` when the provider is unreachable, times out, refuses our key or
        answers something unreadable (the job retries with the same key)."""


@dataclass(frozen=True)
class SubscriptionState:
    """A subscription as the provider has it now. ``client_secret`` (the first invoice's
    payment, for the client to confirm) and the amount are there on creation only."""

    provider_id: str
    status: str  # Stripe's status names
    cancel_at_period_end: bool
    current_period_end: datetime | None
    institution_id: str | None = None  # from the subscription's metadata
    client_secret: str | None = None
    amount_due: int | None = None  # minor units of ``currency``
    currency: str | None = None  # ISO 4217, upper case


class BillingSubscriptions(Protocol):
    """The billing provider's subscriptions. Every method raises ``DeliveryFailed`` when
    the provider is unreachable or fails, and ``InvalidValue`` when it refuses what was
    asked (an unknown price)."""

    provider: str

    def subscribe(self, customer_id: str, price_id: str, institution_id: str,
                  idempotency_key: str) -> SubscriptionState:
        """A subscription of the customer to the price, its first invoice left for the client
        to pay (Stripe: ``payment_behavior=default_incomplete``). One per key."""

    def cancel(self, provider_id: str, at_period_end: bool) -> SubscriptionState:
        """Cancels now, or at the end of the period paid for; cancelling again is harmless."""


class SubscriptionSource(Protocol):
    def fetch(self, provider_id: str) -> SubscriptionState:
        """The subscription's current state at the provider (the truth, whatever order its
        events came in). Raises ``DeliveryFailed`` as ``BillingSubscriptions`` does."""


class SubscriptionRepository(Protocol):
    def add(self, subscription: Subscription) -> None: ...

    def get(self, subscription_id: str) -> Subscription | None: ...

    def current_of(self, institution_id: str) -> Subscription | None:
        """The institution's latest subscription, ended or not."""

    def lapsed(self, provider: str, now: datetime, limit: int) -> list[Subscription]:
        """The provider's subscriptions not ended whose period ended by ``now``."""


@dataclass(frozen=True)
class IssuedInvoice:
    provider_invoice_id: str
    hosted_url: str | None = None  # where the institution sees and pays it


class Invoicing(Protocol):
    """Issues invoices at the billing provider (Stripe, or eduport's own billing)."""

    provider: str

    def issue(self, customer_id: str, invoice: Invoice, key: str) -> IssuedInvoice:
        """Creates the invoice with one item per line and finalises it (Stripe:
        ``auto_advance``, sent by the provider). Every call it makes carries a key derived
        from ``key`` (the institution and period) and the line, so running it again after a
        crash anywhere creates nothing twice. Raises ``DeliveryFailed`` when the provider
        is unreachable or refuses."""


@dataclass(frozen=True)
class InvoicePayment:
    amount: int  # minor units
    currency: str
    method_type: str | None  # card, us_bank_account...
    payment_intent_id: str | None


class InvoicePayments(Protocol):
    def payment_of(self, provider_invoice_id: str) -> InvoicePayment | None:
        """How the invoice was paid, as the provider has it (None: no payment). Raises
        ``DeliveryFailed`` when the provider is unreachable or fails."""


class InvoiceRepository(Protocol):
    def add(self, invoice: Invoice) -> None: ...

    def get(self, invoice_id: str) -> Invoice | None: ...

    def of_period_for(self, institution_ids: list[str], period: str) -> list[Invoice]:
        """The period's invoices of those institutions (at most one each)."""

    def by_provider_id(self, provider_invoice_id: str) -> Invoice | None: ...

    def of_institution(self, institution_id: str, limit: int) -> list[Invoice]:
        """The newest period first."""

    def unpaid_issued_before(self, before: datetime, after_id: str,
                             limit: int) -> list[Invoice]:
        """Open or failed invoices issued before ``before``, in id order after ``after_id``."""

    def unpaid_of(self, institution_id: str) -> int:
        """How many of the institution's invoices are open or failed, counting the changes
        made in this transaction."""


class Reminders(Protocol):
    def take(self, invoice_id: str, step: int, at: datetime) -> bool:
        """Records the ladder's ``step`` for the invoice: False when it was taken before
        (the database keeps each step to once per invoice)."""


class InvoiceRuns(Protocol):
    def completed(self, period: str) -> bool: ...

    def complete(self, period: str, at: datetime) -> None:
        """Every active institution is invoiced for ``period`` (the cron stops there)."""


class SigningSecrets(Protocol):
    def new_secret(self) -> str:
        """A new Standard Webhooks secret: "whsec_" and the base64 of 24 random bytes."""


@dataclass(frozen=True)
class SignedRequest:
    """A request an institution's portal signed; ``body`` is its JSON object."""

    institution_id: str
    message_id: str  # webhook-id: the sender's id of this request, the same on a retry
    sent_at: datetime
    body: Mapping[str, Any]


class SignedRequests(Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes) -> SignedRequest:
        """Checks a Standard Webhooks signature made with the secret of the active
        institution the JSON body names, within 5 minutes of now. Raises
        ``InvalidSignature`` for an unsigned, forged, stale or unknown institution's
        request, and for a body that is not a JSON object."""


class InstitutionWebhooks(Protocol):
    """POSTs to institutions' portals, signed with Standard Webhooks."""

    def send(self, url: str, secret: str, message_id: str, event_type: str,
             data: Mapping[str, Any]) -> None:
        """Sends ``{type, timestamp, data}`` signed with ``secret``; ``message_id`` is the
        ``webhook-id``, the same on every retry, so the portal can tell a repeat. Raises
        ``DeliveryFailed`` unless the portal answered 2xx within the timeout."""


class BroadcastRepository(Protocol):
    def add(self, broadcast: Broadcast) -> None: ...

    def get(self, broadcast_id: str) -> Broadcast | None: ...

    def latest(self, limit: int) -> list[Broadcast]: ...


class DeliveryRepository(Protocol):
    def add(self, delivery: BroadcastDelivery) -> None: ...

    def get(self, delivery_id: str) -> BroadcastDelivery | None: ...

    def of_broadcast(self, broadcast_id: str) -> list[BroadcastDelivery]: ...


class AlertRepository(Protocol):
    def add(self, alert: Alert) -> None: ...

    def get(self, alert_id: str) -> Alert | None: ...

    def by_reference(self, institution_id: str, reference: str) -> Alert | None: ...

    def page(self, institution_id: str | None, acknowledged: bool | None,
             limit: int) -> list[Alert]:
        """Alerts, the newest first (of one institution, acknowledged or not, when given)."""


class InstitutionRepository(Protocol):
    def add(self, institution: Institution) -> None: ...

    def get(self, institution_id: str) -> Institution | None: ...

    def by_domain(self, domain: str) -> Institution | None: ...

    def active_after(self, institution_id: str, limit: int) -> list[Institution]:
        """Active institutions in id order, from the one after ``institution_id``."""

    def unmeasured_since(self, since: datetime, after_id: str,
                         limit: int) -> list[Institution]:
        """Active institutions whose storage was not measured at or after ``since``, in id
        order from the one after ``after_id``."""

    def active_domains(self) -> dict[str, str]:
        """Every active institution's id by its domain."""

    def page(self, status: InstitutionStatus | None, offset: int,
             limit: int) -> tuple[list[Institution], int]:
        """Institutions by name, and how many there are in all (of ``status`` when given)."""


class InstitutionAdmins(Protocol):
    """Which institution each institution admin runs (one each)."""

    def assign(self, user_id: str, institution_id: str) -> None:
        """Makes the user an admin of the institution, instead of any other."""

    def remove(self, user_id: str, institution_id: str) -> bool: ...

    def institution_of(self, user_id: str) -> str | None: ...

    def of_institution(self, institution_id: str) -> list[str]: ...


class ActivityLog(Protocol):
    def add_once(self, activity: Activity) -> None:
        """Records it unless one with its id is recorded (a retried handler)."""

    def of_institution(self, institution_id: str, limit: int) -> list[Activity]:
        """The newest first."""


class InstitutionsUnitOfWork(AuditedUnitOfWork, Protocol):
    institutions: InstitutionRepository
    admins: InstitutionAdmins
    activity: ActivityLog
    alerts: AlertRepository
    broadcasts: BroadcastRepository
    deliveries: DeliveryRepository
    subscriptions: SubscriptionRepository
    invoices: InvoiceRepository
    invoice_runs: InvoiceRuns
    reminders: Reminders
    people: AccountDirectory
    stored: StorageTotals
    live: LiveMinutes
