from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from application.career.config import CareerPolicy, ConfiguredJobBoard
from application.career.job_cache import cache_key, cached, keep
from application.career.ports import CareerUnitOfWork, JobQuery, JobSearch
from application.shared.errors import DeliveryFailed
from application.shared.ports import Cache, Clock
from domain.career.jobs import JobListing

log = logging.getLogger(__name__)

PAGE_SIZE = 10
_SINCE = {"today": timedelta(days=1), "3days": timedelta(days=3),
          "week": timedelta(days=7), "month": timedelta(days=30)}


@dataclass(frozen=True)
class JobResults:
    """``sources``: which sources answered ("local", and "jsearch" when it did);
    ``unavailable``: why an outside source did not ("not_configured", "budget_spent",
    "failed")."""

    items: list[JobListing]
    page: int
    local_total: int
    sources: list[str]
    unavailable: dict[str, str]


class SearchJobs:
    """Postings here and on the outside board, with one query. The board's answers are
    cached an hour per normalised query and bounded by a monthly budget; without a key,
    with the budget spent or the board failing, the local postings still answer."""

    def __init__(self, uow: CareerUnitOfWork, board: ConfiguredJobBoard, cache: Cache,
                 clock: Clock, policy: CareerPolicy) -> None:
        self.uow, self.board, self.cache, self.clock, self.policy = (
            uow, board.board, cache, clock, policy)

    def __call__(self, query: JobQuery) -> JobResults:
        since = _SINCE.get(query.date_posted)
        with self.uow:
            local, total = self.uow.jobs.search(
                query, self.clock.now() - since if since else None,
                (query.page - 1) * PAGE_SIZE, PAGE_SIZE)
        listings = [job.listing() for job in local]
        sources, unavailable = ["local"], {}
        if self.board is None:
            unavailable["external"] = "not_configured"
        else:
            found, why = self._outside(self.board, query)
            if why is None:
                sources.append(self.board.source)
                listings += found
            else:
                unavailable[self.board.source] = why
        return JobResults(listings, query.page, total, sources, unavailable)

    def _outside(self, board: JobSearch,
                 query: JobQuery) -> tuple[tuple[JobListing, ...], str | None]:
        asked = replace(query, keyword=query.keyword or self.policy.default_search,
                        location=query.location or self.policy.default_location,
                        country=query.country or self.policy.default_country)
        key = cache_key(self.cache, board.source, asked)
        hit = cached(self.cache, key)
        if hit is not None:
            return hit, None
        with self.uow:
            spent = not self.uow.budget.spend(board.source, self.clock.now().strftime("%Y-%m"),
                                              self.policy.monthly_searches)
            self.uow.commit()
        if spent:
            return (), "budget_spent"
        try:
            found = board.search(asked)
        except DeliveryFailed as error:
            log.warning("job search at %s failed: %s", board.source, error.message)
            return (), "failed"
        keep(self.cache, key, found, self.policy.search_cache_seconds)
        return found, None
