"""Reading institutions: platform admins read any, an institution admin their own."""

from __future__ import annotations

from dataclasses import dataclass

from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Recipient
from application.shared.ports import Principal
from domain.institutions.activity import Activity
from domain.institutions.invoices import Invoice
from domain.institutions.model import Institution, InstitutionStatus
from domain.institutions.subscriptions import Subscription
from domain.shared.errors import NotFound
from domain.shared.roles import Role


@dataclass(frozen=True)
class InstitutionPage:
    items: list[Institution]
    total: int


class ListInstitutions:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, status: InstitutionStatus | None, offset: int,
                 limit: int) -> InstitutionPage:
        with self.uow.reading():
            return InstitutionPage(*self.uow.institutions.page(status, offset, limit))


def visible_institution(uow: InstitutionsUnitOfWork, actor: Principal,
                        institution_id: str | None) -> Institution:
    """The institution named (a platform admin), or the actor's own (an institution admin,
    who names none or their own); anything else is not found. Read in the caller's
    transaction."""
    if actor.role != Role.PLATFORM_ADMIN:
        own = uow.admins.institution_of(actor.user_id)
        if own is None or institution_id not in (None, own):
            raise NotFound("no such institution")
        institution_id = own
    found = uow.institutions.get(institution_id or "")
    if found is None:
        raise NotFound("no such institution")
    return found


def primary_recipient(institution: Institution) -> Recipient:
    """The institution's primary address: an address of its own, not an account's, so it
    gets email and no in-app notice."""
    return Recipient(None, institution.primary_email, institution.name)


def admin_recipients(uow: InstitutionsUnitOfWork, institution_id: str) -> list[Recipient]:
    """The institution's admins, as messages address them. Read in the caller's
    transaction."""
    contacts = (uow.people.contact(user_id) for user_id in uow.admins.of_institution(
        institution_id))
    return [Recipient(c.user_id, c.email, c.full_name, c.locale) for c in contacts
            if c is not None]


class GetInstitution:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, institution_id: str | None = None) -> Institution:
        with self.uow.reading():
            return visible_institution(self.uow, actor, institution_id)


class ListInstitutionActivity:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, institution_id: str | None = None,
                 limit: int = 100) -> list[Activity]:
        with self.uow.reading():
            found = visible_institution(self.uow, actor, institution_id)
            return self.uow.activity.of_institution(found.id, limit)


class CurrentSubscription:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, institution_id: str | None = None) -> Subscription:
        with self.uow.reading():
            found = visible_institution(self.uow, actor, institution_id)
            subscription = self.uow.subscriptions.current_of(found.id)
            if subscription is None:
                raise NotFound("the institution has never subscribed")
            return subscription


class ListInvoices:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, institution_id: str | None = None,
                 limit: int = 36) -> list[Invoice]:
        with self.uow.reading():
            found = visible_institution(self.uow, actor, institution_id)
            return self.uow.invoices.of_institution(found.id, limit)
