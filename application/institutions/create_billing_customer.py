"""An institution's customer at the billing provider (an outbox handler on
``InstitutionCreated``, retried on its own): made once, with a key derived from our id, and
kept on the institution."""

from __future__ import annotations

from application.institutions.ports import BillingCustomers, CustomerRequest, InstitutionsUnitOfWork
from application.shared.ports import Clock
from domain.institutions.activity import Activity, ActivityKind
from domain.institutions.events import InstitutionCreated
from domain.shared.events import Event


class CreateBillingCustomer:
    def __init__(self, uow: InstitutionsUnitOfWork, customers: BillingCustomers,
                 clock: Clock) -> None:
        self.uow, self.customers, self.clock = uow, customers, clock

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, InstitutionCreated):
            raise TypeError(f"CreateBillingCustomer handles creations, not {event.name}")
        with self.uow.reading():
            found = self.uow.institutions.get(event.institution_id)
        if found is None or found.billing_customer_id is not None:
            return
        # Outside any transaction: no lock waits on the provider. The key is the
        # institution's, so a retry (or a second handler run) finds the same customer.
        customer_id = self.customers.create_customer(
            CustomerRequest(found.id, found.name, found.primary_email),
            f"institution-customer:{found.id}")
        with self.uow:
            found = self.uow.institutions.get(event.institution_id)
            if found is not None and found.link_billing_customer(customer_id):
                self.uow.activity.add_once(Activity(
                    idempotency_key, found.id, ActivityKind.BILLING_CUSTOMER_CREATED,
                    f"Billing customer created at {self.customers.provider}", None,
                    self.clock.now(), {"provider": self.customers.provider,
                                       "customer_id": customer_id}))
            self.uow.commit()
