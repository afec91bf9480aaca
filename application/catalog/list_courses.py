from __future__ import annotations

from dataclasses import dataclass, replace

from application.catalog.course_views import with_thumbnail
from application.catalog.ports import CatalogQueries, CourseSummary
from application.files.published import FileLinks
from application.shared.ports import Page


@dataclass(frozen=True)
class ListCoursesQuery:
    page: int = 1
    page_size: int = 20
    search: str | None = None


class ListCourses:
    """The public catalog: published courses, newest first, optionally searched by title."""

    def __init__(self, queries: CatalogQueries, links: FileLinks) -> None:
        self.queries, self.links = queries, links

    def __call__(self, query: ListCoursesQuery) -> Page[CourseSummary]:
        search = query.search.strip() if query.search else None
        page = self.queries.published(query.page, query.page_size, search or None)
        return replace(page, items=[with_thumbnail(self.links, item) for item in page.items])
