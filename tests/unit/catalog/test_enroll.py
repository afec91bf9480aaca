"""Enrolling in free courses and listing one's enrollments, with fakes."""

from __future__ import annotations

import pytest

from application.catalog.enroll import Enroll, EnrollCommand
from application.catalog.list_my_enrollments import ListMyEnrollments
from application.shared.ports import Principal
from domain.catalog.enrollment import CheckoutRequired, Enrollment, EnrollmentStatus
from domain.catalog.model import Course
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.all_areas import FakeUnitOfWork
from tests.unit.conftest import World

STUDENT = Principal("student-1", Role.STUDENT)
TEACHER = Principal("teacher-1", Role.TEACHER)


def course(world: World, slug: str = "python", price: Money | None = None,
           publish: bool = True) -> Course:
    now = world.clock.now()
    found = Course(f"course-{slug}", TEACHER.user_id, slug.title(), slug, "", price
                   or Money.zero("USD"), now, now)
    found.add_lesson(f"lesson-{slug}", "Welcome", "welcome", False, None, now)
    if publish:
        found.publish(now)
        found.events.clear()
    world.db.courses[found.id] = found
    return found


def outbox_events(world: World) -> list[str]:
    return [row["message"].event_type for row in world.db.outbox.values()]


def test_a_student_enrolls_in_a_free_course(world: World) -> None:
    free = course(world)
    result = world.build(Enroll)(EnrollCommand(STUDENT, free.id))

    assert result.created and result.status == "active"
    assert result.enrolled_at == world.clock.now()
    stored = world.db.enrollments[result.enrollment_id]
    assert (stored.student_id, stored.course_id, stored.source) == (
        STUDENT.user_id, free.id, "free")
    assert world.db.students_count == {free.id: 1}
    assert outbox_events(world) == ["StudentEnrolled"]
    assert [(r.action, r.actor_id, r.details) for r in world.db.audit] == [
        ("enrollment.created", STUDENT.user_id, {"course_id": free.id})]


def test_enrolling_twice_returns_the_same_enrollment_and_counts_once(world: World) -> None:
    free = course(world)
    first = world.build(Enroll)(EnrollCommand(STUDENT, free.id))
    world.clock.advance(minutes=1)
    again = world.build(Enroll)(EnrollCommand(STUDENT, free.id))

    assert not again.created and again.enrollment_id == first.enrollment_id
    assert again.enrolled_at == first.enrolled_at
    assert len(world.db.enrollments) == 1 and world.db.students_count == {free.id: 1}
    assert outbox_events(world) == ["StudentEnrolled"] and len(world.db.audit) == 1


class RacedUnitOfWork(FakeUnitOfWork):
    """Another request enrolls the same student between our read and our commit."""

    def commit(self) -> None:
        if self.staging(Enrollment) and not self.db.enrollments:
            mine = next(iter(self.staging(Enrollment).values()))
            theirs = Enrollment("theirs", mine.student_id, mine.course_id, self.clock.now())
            self.db.enrollments[theirs.id] = theirs
            self.db.students_count[mine.course_id] = 1
        super().commit()


def test_a_concurrent_double_click_ends_with_one_enrollment(world: World) -> None:
    free = course(world)
    raced = RacedUnitOfWork(world.db, world.clock, world.ids, world.queue)
    result = world.build(Enroll, uow=raced)(EnrollCommand(STUDENT, free.id))

    assert not result.created and result.enrollment_id == "theirs"
    assert list(world.db.enrollments) == ["theirs"]
    assert world.db.students_count == {free.id: 1}
    assert outbox_events(world) == [] and world.db.audit == []


def test_a_paid_course_needs_checkout(world: World) -> None:
    paid = course(world, price=Money(4900, "USD"))
    with pytest.raises(CheckoutRequired, match="checkout is required"):
        world.build(Enroll)(EnrollCommand(STUDENT, paid.id))
    assert world.db.enrollments == {} and world.db.students_count == {}
    assert world.db.outbox == {} and world.db.audit == []


def test_an_existing_enrollment_in_a_paid_course_is_returned(world: World) -> None:
    paid = course(world, price=Money(4900, "USD"))
    world.db.enrollments["paid-1"] = Enrollment.start("paid-1", STUDENT.user_id, paid,
                                                      world.clock.now(), source="stripe")
    result = world.build(Enroll)(EnrollCommand(STUDENT, paid.id))
    assert result.enrollment_id == "paid-1" and not result.created


@pytest.mark.parametrize("role", [Role.TEACHER, Role.COMPANY, Role.PLATFORM_ADMIN])
def test_only_students_enroll(world: World, role: Role) -> None:
    free = course(world)
    with pytest.raises(PermissionDenied):
        world.build(Enroll)(EnrollCommand(Principal("someone", role), free.id))
    assert world.db.enrollments == {}


def test_unknown_and_unpublished_courses_are_not_found(world: World) -> None:
    draft = course(world, "draft", publish=False)
    for course_id in (draft.id, "nope"):
        with pytest.raises(NotFound):
            world.build(Enroll)(EnrollCommand(STUDENT, course_id))
    assert world.db.enrollments == {}


def test_a_student_lists_their_enrollments_newest_first(world: World) -> None:
    python, rust = course(world, "python"), course(world, "rust")
    enroll = world.build(Enroll)
    enroll(EnrollCommand(STUDENT, python.id))
    world.clock.advance(days=1)
    enroll(EnrollCommand(STUDENT, rust.id))
    enroll(EnrollCommand(Principal("student-2", Role.STUDENT), rust.id))

    mine = world.build(ListMyEnrollments)(STUDENT)
    assert [(e.course_slug, e.course_title, e.status) for e in mine] == [
        ("rust", "Rust", EnrollmentStatus.ACTIVE.value),
        ("python", "Python", EnrollmentStatus.ACTIVE.value)]
    assert world.build(ListMyEnrollments)(TEACHER) == []
