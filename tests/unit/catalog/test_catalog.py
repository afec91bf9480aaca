"""Catalog use cases with fakes: state in the FakeDatabase, the outbox and the audit log."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from application.catalog.add_lesson import AddLesson, AddLessonCommand
from application.catalog.course_statistics import CourseStatisticsQuery, GetCourseStatistics
from application.catalog.course_views import CourseDetails
from application.catalog.create_course import CreateCourse, CreateCourseCommand
from application.catalog.get_course import GetCourse, GetCourseQuery
from application.catalog.list_courses import ListCourses, ListCoursesQuery
from application.catalog.list_teacher_courses import ListTeacherCourses
from application.catalog.open_lesson import OpenLesson, OpenLessonQuery
from application.catalog.publish_course import PublishCourse, PublishCourseCommand
from application.catalog.reorder_lessons import ReorderLessons, ReorderLessonsCommand
from application.catalog.update_course import UpdateCourse, UpdateCourseCommand
from application.catalog.update_lesson import UpdateLesson, UpdateLessonCommand
from application.shared.ports import Principal
from domain.accounts.model import User
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import CourseStatus
from domain.files.model import FileStatus, OwnerKind, StoredFile, key_for
from domain.shared.errors import Conflict, InvalidState, InvalidValue, NotFound, PermissionDenied
from domain.shared.files import FilePurpose
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.conftest import World

TEACHER = Principal("teacher-1", Role.TEACHER)
OTHER_TEACHER = Principal("teacher-2", Role.TEACHER)
STUDENT = Principal("student-1", Role.STUDENT)
ADMIN = Principal("admin-1", Role.PLATFORM_ADMIN)
FREE = Money.zero("USD")


def add_user(world: World, principal: Principal, name: str = "Tess Teacher") -> None:
    world.db.users[principal.user_id] = User(
        principal.user_id, f"{principal.user_id}@example.test", name, Role(principal.role),
        "hashed:x", world.clock.now())


def create(world: World, slug: str = "intro-to-python", title: str = "Intro to Python",
           price: Money = FREE, actor: Principal = TEACHER) -> CourseDetails:
    cmd = CreateCourseCommand(actor, title, slug, "Learn Python.", price)
    result: CourseDetails = world.build(CreateCourse)(cmd)
    return result


def completed_upload(world: World, purpose: FilePurpose, course_id: str,
                     uploader: Principal = TEACHER, content_type: str = "video/mp4") -> StoredFile:
    """An upload its teacher made and completed for the course (the files area's part)."""
    file_id = world.ids.new_id()
    file = StoredFile(file_id, purpose, OwnerKind.USER, uploader.user_id, uploader.user_id,
                      course_id, key_for(purpose, uuid.uuid4().hex), content_type, 1000, None,
                      FileStatus.READY, world.clock.now(), world.clock.now(), world.clock.now())
    world.db.stored_files[file_id] = file
    return file


def discarded_keys(world: World) -> list[str]:
    """The files whose bytes are to leave the store, as the outbox holds them."""
    return [row["message"].payload["key"] for row in world.db.outbox.values()
            if row["message"].event_type == "FileDiscarded"]


def add_lesson(world: World, course_id: str, slug: str, free_preview: bool = False) -> Any:
    video = completed_upload(world, FilePurpose.LESSON_VIDEO, course_id)
    cmd = AddLessonCommand(TEACHER, course_id, slug.replace("-", " ").title(), slug,
                           free_preview, video_upload_id=video.id)
    return world.build(AddLesson)(cmd)


def published(world: World, slug: str = "intro-to-python", title: str = "Intro to Python",
              price: Money = FREE) -> CourseDetails:
    course = create(world, slug, title, price)
    add_lesson(world, course.id, "welcome")
    result: CourseDetails = world.build(PublishCourse)(PublishCourseCommand(TEACHER, course.id))
    return result


# --- creating and editing --------------------------------------------------------------------


def test_a_teacher_creates_a_draft_course_and_it_is_audited(world: World) -> None:
    course = create(world, price=Money(4900, "USD"))

    stored = world.db.courses[course.id]
    assert stored.teacher_id == TEACHER.user_id and stored.status == CourseStatus.DRAFT
    assert stored.price == Money(4900, "USD") and stored.thumbnail_key is None
    assert course.status == "draft" and course.lessons == ()
    assert [(r.action, r.object_id) for r in world.db.audit] == [("course.created", course.id)]


@pytest.mark.parametrize("actor", [STUDENT, ADMIN, Principal("c-1", Role.COMPANY)])
def test_only_teachers_create_courses(world: World, actor: Principal) -> None:
    with pytest.raises(PermissionDenied):
        create(world, actor=actor)
    assert world.db.courses == {} and world.db.audit == []


def test_a_taken_slug_is_a_conflict(world: World) -> None:
    create(world)
    with pytest.raises(Conflict):
        create(world, title="Another")
    assert len(world.db.courses) == 1


def test_a_bad_slug_or_title_is_refused(world: World) -> None:
    with pytest.raises(InvalidValue):
        create(world, slug="Not A Slug")
    with pytest.raises(InvalidValue):
        create(world, title="   ")
    assert world.db.courses == {}


def test_the_teacher_edits_the_course(world: World) -> None:
    course = create(world)
    world.clock.advance(hours=1)
    cmd = UpdateCourseCommand(TEACHER, course.id, title="Python, gently",
                              price=Money(1000, "EUR"))
    edited = world.build(UpdateCourse)(cmd)

    stored = world.db.courses[course.id]
    assert stored.title == "Python, gently" and stored.price == Money(1000, "EUR")
    assert stored.description == "Learn Python."
    assert edited.updated_at == world.clock.now() and edited.slug == "intro-to-python"


def test_a_thumbnail_is_a_completed_upload_and_a_replaced_one_is_discarded(
        world: World) -> None:
    course = create(world)
    first = completed_upload(world, FilePurpose.COURSE_THUMBNAIL, course.id,
                             content_type="image/png")
    update = world.build(UpdateCourse)
    shown = update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=first.id))
    assert world.db.courses[course.id].thumbnail_key == first.key
    assert shown.thumbnail_url is not None and first.key in shown.thumbnail_url
    assert world.db.stored_files[first.id].status == FileStatus.ATTACHED

    second = completed_upload(world, FilePurpose.COURSE_THUMBNAIL, course.id,
                              content_type="image/png")
    update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=second.id))
    assert world.db.stored_files[first.id].status == FileStatus.DISCARDED
    assert discarded_keys(world) == [first.key]

    removed = update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=""))
    assert removed.thumbnail_url is None and world.db.courses[course.id].thumbnail_key is None
    assert world.db.stored_files[second.id].status == FileStatus.DISCARDED


def test_only_a_completed_thumbnail_of_this_course_is_attached(world: World) -> None:
    course, other = create(world), create(world, "other-course")
    update = world.build(UpdateCourse)
    video = completed_upload(world, FilePurpose.LESSON_VIDEO, course.id)
    elsewhere = completed_upload(world, FilePurpose.COURSE_THUMBNAIL, other.id,
                                 content_type="image/png")
    pending = completed_upload(world, FilePurpose.COURSE_THUMBNAIL, course.id,
                               content_type="image/png")
    world.db.stored_files[pending.id].status = FileStatus.PENDING
    with pytest.raises(InvalidValue):  # another purpose
        update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=video.id))
    with pytest.raises(InvalidValue):  # another course
        update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=elsewhere.id))
    with pytest.raises(InvalidState):
        update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id=pending.id))
    with pytest.raises(NotFound):
        update(UpdateCourseCommand(TEACHER, course.id, thumbnail_upload_id="nope"))
    assert world.db.courses[course.id].thumbnail_key is None
    assert {f.status for f in world.db.stored_files.values()} == {FileStatus.READY,
                                                                  FileStatus.PENDING}


def test_another_teacher_cannot_edit_and_nothing_changes(world: World) -> None:
    course = create(world)
    with pytest.raises(PermissionDenied):
        world.build(UpdateCourse)(UpdateCourseCommand(OTHER_TEACHER, course.id, title="Mine"))
    assert world.db.courses[course.id].title == "Intro to Python"


def test_editing_an_unknown_course_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.build(UpdateCourse)(UpdateCourseCommand(TEACHER, "nope", title="x"))


# --- lessons ---------------------------------------------------------------------------------


def test_lessons_are_appended_in_order_and_slugs_are_unique_per_course(world: World) -> None:
    course = create(world)
    first = add_lesson(world, course.id, "welcome", free_preview=True)
    second = add_lesson(world, course.id, "variables")

    assert (first.position, second.position) == (1, 2)
    assert first.video_kind == "file" and first.is_free_preview
    with pytest.raises(Conflict):
        add_lesson(world, course.id, "welcome")
    assert [lesson.slug for lesson in world.db.courses[course.id].lessons] == [
        "welcome", "variables"]


def test_only_the_owner_adds_lessons(world: World) -> None:
    course = create(world)
    cmd = AddLessonCommand(OTHER_TEACHER, course.id, "Hijack", "hijack")
    with pytest.raises(PermissionDenied):
        world.build(AddLesson)(cmd)
    assert world.db.courses[course.id].lessons == []


def test_the_teacher_edits_a_lesson(world: World) -> None:
    course = create(world)
    lesson = add_lesson(world, course.id, "welcome")
    old_key = world.db.courses[course.id].lessons[0].video_ref
    cmd = UpdateLessonCommand(TEACHER, course.id, lesson.id, title="Hello!",
                              is_free_preview=True, video_url="https://videos.example/hello")
    edited = world.build(UpdateLesson)(cmd)

    stored = world.db.courses[course.id].lessons[0]
    assert (stored.title, stored.is_free_preview, stored.video_ref) == (
        "Hello!", True, "https://videos.example/hello")
    assert edited.video_kind == "external"
    assert discarded_keys(world) == [old_key]  # the uploaded video no lesson plays any more
    world.build(UpdateLesson)(UpdateLessonCommand(TEACHER, course.id, lesson.id, video_url=""))
    stored = world.db.courses[course.id].lessons[0]
    assert stored.video_ref is None and stored.video_kind is None and stored.title == "Hello!"


def test_an_external_video_is_for_free_previews_only(world: World) -> None:
    course = create(world)
    lesson = add_lesson(world, course.id, "welcome")
    update = world.build(UpdateLesson)
    with pytest.raises(InvalidState):
        update(UpdateLessonCommand(TEACHER, course.id, lesson.id,
                                   video_url="https://videos.example/paid"))
    with pytest.raises(InvalidValue):
        update(UpdateLessonCommand(TEACHER, course.id, lesson.id, is_free_preview=True,
                                   video_url="http://plain.example/x"))
    update(UpdateLessonCommand(TEACHER, course.id, lesson.id, is_free_preview=True,
                               video_url="https://videos.example/free"))
    with pytest.raises(InvalidState):  # no longer a preview, the external video would leak
        update(UpdateLessonCommand(TEACHER, course.id, lesson.id, is_free_preview=False))
    assert world.db.courses[course.id].lessons[0].is_free_preview


def test_editing_lessons_is_checked(world: World) -> None:
    course = create(world)
    lesson = add_lesson(world, course.id, "welcome")
    with pytest.raises(PermissionDenied):
        world.build(UpdateLesson)(UpdateLessonCommand(OTHER_TEACHER, course.id, lesson.id,
                                                      title="x"))
    with pytest.raises(NotFound):
        world.build(UpdateLesson)(UpdateLessonCommand(TEACHER, course.id, "nope", title="x"))
    with pytest.raises(InvalidValue):
        world.build(UpdateLesson)(UpdateLessonCommand(TEACHER, course.id, lesson.id, title=" "))
    assert world.db.courses[course.id].lessons[0].title == "Welcome"


def test_reordering_takes_the_full_list(world: World) -> None:
    course = create(world)
    ids = [add_lesson(world, course.id, slug).id for slug in ("one", "two", "three")]
    order = world.build(ReorderLessons)(ReorderLessonsCommand(
        TEACHER, course.id, (ids[2], ids[0], ids[1])))

    assert [lesson.slug for lesson in order] == ["three", "one", "two"]
    assert [(lesson.slug, lesson.position) for lesson in world.db.courses[course.id].lessons] \
        == [("three", 1), ("one", 2), ("two", 3)]
    for partial in ((ids[0], ids[1]), (ids[0], ids[0], ids[1]), (*ids, "ghost")):
        with pytest.raises(InvalidValue):
            world.build(ReorderLessons)(ReorderLessonsCommand(TEACHER, course.id, partial))
    with pytest.raises(PermissionDenied):
        world.build(ReorderLessons)(ReorderLessonsCommand(OTHER_TEACHER, course.id, tuple(ids)))


# --- publishing ------------------------------------------------------------------------------


def test_publishing_needs_a_lesson(world: World) -> None:
    course = create(world)
    with pytest.raises(InvalidState):
        world.build(PublishCourse)(PublishCourseCommand(TEACHER, course.id))
    assert world.db.courses[course.id].status == CourseStatus.DRAFT


def test_publishing_raises_an_event_and_an_audit_record_once(world: World) -> None:
    course = create(world)
    add_lesson(world, course.id, "welcome")
    world.clock.advance(minutes=5)
    publish = PublishCourseCommand(TEACHER, course.id)
    first = world.build(PublishCourse)(publish)
    again = world.build(PublishCourse)(publish)

    assert first.status == again.status == "published"
    assert first.published_at == again.published_at == world.clock.now()
    events = [row["message"].event_type for row in world.db.outbox.values()]
    assert events == ["CoursePublished"]
    assert [r.action for r in world.db.audit] == ["course.created", "course.published"]


def test_only_the_owner_publishes(world: World) -> None:
    course = create(world)
    add_lesson(world, course.id, "welcome")
    with pytest.raises(PermissionDenied):
        world.build(PublishCourse)(PublishCourseCommand(OTHER_TEACHER, course.id))
    assert world.db.outbox == {}


# --- reading ---------------------------------------------------------------------------------


def test_drafts_are_visible_to_their_teacher_and_admins_only(world: World) -> None:
    draft = create(world)
    get = world.build(GetCourse)
    assert get(GetCourseQuery(TEACHER, draft.id)).id == draft.id
    assert get(GetCourseQuery(ADMIN, draft.id)).status == "draft"
    for stranger in (None, STUDENT, OTHER_TEACHER):
        with pytest.raises(NotFound):
            get(GetCourseQuery(stranger, draft.id))
    with pytest.raises(NotFound):
        get(GetCourseQuery(TEACHER, "nope"))


def test_a_published_course_is_public_and_lists_lessons(world: World) -> None:
    course = published(world)
    details = world.build(GetCourse)(GetCourseQuery(None, course.id))
    assert [(lesson.slug, lesson.position) for lesson in details.lessons] == [("welcome", 1)]
    assert not hasattr(details.lessons[0], "video_ref")
    assert not hasattr(details.lessons[0], "playback")


def test_the_catalog_lists_published_courses_newest_first_and_searches(world: World) -> None:
    add_user(world, TEACHER)
    published(world, "python", "Intro to Python")
    world.clock.advance(days=1)
    published(world, "rust", "Rust for Pythonistas")
    world.clock.advance(days=1)
    create(world, "draft-python", "Python drafts")
    list_courses = world.build(ListCourses)

    page = list_courses(ListCoursesQuery(1, 20, None))
    assert [c.slug for c in page.items] == ["rust", "python"] and page.total == 2
    assert page.items[0].teacher_name == "Tess Teacher" and page.items[0].lessons_count == 1
    assert [c.slug for c in list_courses(ListCoursesQuery(1, 20, "RUST")).items] == ["rust"]
    assert [c.slug for c in list_courses(ListCoursesQuery(2, 1, "python")).items] == ["python"]
    assert list_courses(ListCoursesQuery(1, 20, "   ")).total == 2


def test_a_teacher_lists_their_own_courses_drafts_included(world: World) -> None:
    published(world, "python")
    world.clock.advance(hours=1)
    create(world, "draft")
    create(world, "theirs", actor=OTHER_TEACHER)
    mine = world.build(ListTeacherCourses)(TEACHER)
    assert [(c.slug, c.published_at is None) for c in mine] == [("draft", True),
                                                                ("python", False)]
    with pytest.raises(PermissionDenied):
        world.build(ListTeacherCourses)(STUDENT)


def test_statistics_are_for_the_teacher_and_admins(world: World) -> None:
    course = published(world)
    world.db.students_count[course.id] = 3
    world.db.revenue[(course.id, "USD")] = 9800
    stats = world.build(GetCourseStatistics)
    mine = stats(CourseStatisticsQuery(TEACHER, course.id))
    assert (mine.students_count, mine.revenue) == (3, (Money(9800, "USD"),))
    assert stats(CourseStatisticsQuery(ADMIN, course.id)).students_count == 3
    for outsider in (STUDENT, OTHER_TEACHER):
        with pytest.raises(PermissionDenied):
            stats(CourseStatisticsQuery(outsider, course.id))
    with pytest.raises(NotFound):
        stats(CourseStatisticsQuery(ADMIN, "nope"))


# --- opening lessons -------------------------------------------------------------------------


def test_lesson_access_matrix(world: World) -> None:
    course = create(world)
    locked = add_lesson(world, course.id, "locked")
    preview = add_lesson(world, course.id, "preview", free_preview=True)
    world.build(PublishCourse)(PublishCourseCommand(TEACHER, course.id))
    enrolled = Principal("student-2", Role.STUDENT)
    world.db.enrollments["e-1"] = Enrollment.start("e-1", enrolled.user_id,
                                                   world.db.courses[course.id], world.clock.now())
    open_lesson = world.build(OpenLesson)

    def opens(actor: Principal, lesson_id: str) -> bool:
        try:
            lesson = open_lesson(OpenLessonQuery(actor, course.id, lesson_id))
        except PermissionDenied:
            return False
        assert lesson.playback is not None and lesson.playback.url is not None
        return True

    assert opens(enrolled, locked.id) and opens(TEACHER, locked.id) and opens(ADMIN, locked.id)
    assert not opens(STUDENT, locked.id) and not opens(OTHER_TEACHER, locked.id)
    assert opens(STUDENT, preview.id) and opens(OTHER_TEACHER, preview.id)
    # Each opening is a view; a refusal is none.
    assert [(g.lesson_id, g.viewer_id) for g in world.db.playback_grants] == [
        (locked.id, enrolled.user_id), (locked.id, TEACHER.user_id), (locked.id, ADMIN.user_id),
        (preview.id, STUDENT.user_id), (preview.id, OTHER_TEACHER.user_id)]
    with pytest.raises(NotFound):
        open_lesson(OpenLessonQuery(enrolled, course.id, "nope"))


def test_lessons_of_a_draft_are_hidden_from_strangers(world: World) -> None:
    course = create(world)
    preview = add_lesson(world, course.id, "preview", free_preview=True)
    open_lesson = world.build(OpenLesson)
    assert open_lesson(OpenLessonQuery(TEACHER, course.id, preview.id)).playback
    with pytest.raises(NotFound):
        open_lesson(OpenLessonQuery(STUDENT, course.id, preview.id))

