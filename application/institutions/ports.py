"""What the institutions area needs: its records, and a billing provider's customers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.accounts.published import AccountDirectory
from application.shared.ports import AuditedUnitOfWork
from domain.institutions.activity import Activity
from domain.institutions.alerts import Alert
from domain.institutions.broadcasts import Broadcast, BroadcastDelivery
from domain.institutions.model import Institution, InstitutionStatus


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
    people: AccountDirectory
