from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_files import attached_key
from application.catalog.course_views import CourseDetails, describe_course, owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import FileLinks
from application.shared.config import VerificationPolicy
from application.shared.ports import Clock, Principal
from domain.shared.files import FilePurpose
from domain.shared.money import Money


@dataclass(frozen=True)
class UpdateCourseCommand:
    """None leaves a field as it is; an empty ``thumbnail_upload_id`` removes the
    thumbnail."""

    actor: Principal
    course_id: str
    title: str | None = None
    description: str | None = None
    price: Money | None = None
    thumbnail_upload_id: str | None = None  # a completed upload made for the course


class UpdateCourse:
    """The course's teacher edits its title, description, price or thumbnail; the slug stays.
    Putting a price on a published course is selling: it needs a confirmed email address.
    A replaced thumbnail leaves the store after the commit."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock,
                 verification: VerificationPolicy, links: FileLinks) -> None:
        self.uow, self.clock, self.verification, self.links = uow, clock, verification, links

    def __call__(self, cmd: UpdateCourseCommand) -> CourseDetails:
        now = self.clock.now()
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            if course.is_published and cmd.price is not None and cmd.price.amount_minor > 0:
                self.verification.ensure(cmd.actor, "sell a course")
            old, thumbnail = course.thumbnail_key, None
            if cmd.thumbnail_upload_id:
                thumbnail = attached_key(self.uow, cmd.actor, course,
                                         FilePurpose.COURSE_THUMBNAIL, cmd.thumbnail_upload_id)
            elif cmd.thumbnail_upload_id == "":
                thumbnail = ""
            course.edit(now, title=cmd.title, description=cmd.description, price=cmd.price,
                        thumbnail_key=thumbnail)
            if old and thumbnail is not None:
                self.uow.files.discard(old, now)
            self.uow.commit()
            return describe_course(course, self.links)
