from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.shared.ports import Clock, IdGenerator, Principal
from domain.career.alerts import MAX_SAVED_SEARCHES, SavedSearch
from domain.career.jobs import EmploymentType, ExperienceLevel
from domain.shared.errors import Conflict, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class SaveJobSearchCommand:
    actor: Principal
    keyword: str = ""
    location: str = ""
    remote_only: bool = False
    employment_types: tuple[EmploymentType, ...] = ()
    experience: ExperienceLevel | None = None


class SaveJobSearch:
    """A student keeps a search: new postings it would find reach them in their daily
    digest. At most ``MAX_SAVED_SEARCHES`` each."""

    def __init__(self, uow: CareerUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.clock, self.ids = uow, clock, ids

    def __call__(self, cmd: SaveJobSearchCommand) -> SavedSearch:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students save searches for job alerts")
        search = SavedSearch(self.ids.new_id(), cmd.actor.user_id, cmd.keyword, cmd.location,
                             cmd.remote_only, tuple(dict.fromkeys(cmd.employment_types)),
                             cmd.experience, self.clock.now())
        with self.uow:
            if self.uow.saved_searches.count_of(cmd.actor.user_id) >= MAX_SAVED_SEARCHES:
                raise Conflict(f"a student keeps at most {MAX_SAVED_SEARCHES} saved searches; "
                               "delete one first")
            self.uow.saved_searches.add(search)
            self.uow.commit()
        return search
