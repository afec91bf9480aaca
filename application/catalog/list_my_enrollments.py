from __future__ import annotations

from application.catalog.ports import CatalogQueries, EnrollmentSummary
from application.shared.ports import Principal


class ListMyEnrollments:
    """The signed-in user's enrollments with their courses, newest first (empty for users who
    never enrolled, such as teachers)."""

    def __init__(self, queries: CatalogQueries) -> None:
        self.queries = queries

    def __call__(self, actor: Principal) -> list[EnrollmentSummary]:
        return self.queries.enrollments_of(actor.user_id)
