from __future__ import annotations

from dataclasses import dataclass

from application.catalog.ports import CatalogQueries, CourseSummary
from application.shared.ports import Page


@dataclass(frozen=True)
class ListCoursesQuery:
    page: int = 1
    page_size: int = 20
    search: str | None = None


class ListCourses:
    """The public catalog: published courses, newest first, optionally searched by title."""

    def __init__(self, queries: CatalogQueries) -> None:
        self.queries = queries

    def __call__(self, query: ListCoursesQuery) -> Page[CourseSummary]:
        search = query.search.strip() if query.search else None
        return self.queries.published(query.page, query.page_size, search or None)
