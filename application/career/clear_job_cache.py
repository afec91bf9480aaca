from __future__ import annotations

from application.career.job_cache import forget_all
from application.shared.ports import Cache


class ClearJobSearchCache:
    """Forgets every cached outside search: the next ones ask the board again (and spend
    the budget). Answers the cache's new generation."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def __call__(self) -> int:
        return forget_all(self.cache)
