from __future__ import annotations

from application.catalog.course_views import with_thumbnail
from application.catalog.ports import CatalogQueries, CourseSummary
from application.files.published import FileLinks
from application.shared.ports import Principal
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


class ListTeacherCourses:
    """A teacher's own courses, drafts included, newest first."""

    def __init__(self, queries: CatalogQueries, links: FileLinks) -> None:
        self.queries, self.links = queries, links

    def __call__(self, actor: Principal) -> list[CourseSummary]:
        if actor.role != Role.TEACHER:
            raise PermissionDenied("only teachers have courses of their own")
        return [with_thumbnail(self.links, summary)
                for summary in self.queries.by_teacher(actor.user_id)]
