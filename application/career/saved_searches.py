"""A student's saved searches, for their owner only."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.shared.ports import Principal
from domain.career.alerts import SavedSearch
from domain.shared.errors import NotFound


class ListSavedSearches:
    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal) -> list[SavedSearch]:
        with self.uow.reading():
            return self.uow.saved_searches.of_user(actor.user_id)


class DeleteSavedSearch:
    """Deleting it stops its alerts; alerts it queued already still reach the digest."""

    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, search_id: str) -> None:
        with self.uow:
            found = self.uow.saved_searches.get(search_id)
            if found is None or found.user_id != actor.user_id:
                raise NotFound("no such saved search")
            self.uow.saved_searches.remove(found.id)
            self.uow.commit()
