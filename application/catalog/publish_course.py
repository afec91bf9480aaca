from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import CourseDetails, describe_course, owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import FileLinks
from application.identity.published import IdentityRequirements
from application.shared.audit import Auditor
from application.shared.config import VerificationPolicy
from application.shared.ports import Clock, Principal


@dataclass(frozen=True)
class PublishCourseCommand:
    actor: Principal
    course_id: str


class PublishCourse:
    """The course's teacher publishes it (it needs a lesson); publishing again is a no-op.
    Selling needs a confirmed email address: a paid course is published only by a teacher
    who has one (``VerificationPolicy``), and any course only by an approved teacher
    (``IdentityRequirements``)."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, auditor: Auditor,
                 verification: VerificationPolicy, links: FileLinks,
                 requirements: IdentityRequirements) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor
        self.links = links
        self.verification, self.requirements = verification, requirements

    def __call__(self, cmd: PublishCourseCommand) -> CourseDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            if not course.is_published:
                self.requirements.ensure_may_publish(self.uow.standing, cmd.actor)
                if not course.is_free:
                    self.verification.ensure(cmd.actor, "publish a paid course")
                course.publish(self.clock.now())
                self.auditor.record(self.uow, cmd.actor.user_id, "course.published", "course",
                                    course.id)
                self.uow.commit()
            return describe_course(course, self.links)
