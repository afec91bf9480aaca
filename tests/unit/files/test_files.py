"""The files area's use cases, built by the real injector over fakes and a real local file
store in a temporary folder: who may upload what, the checks at completion, the sweep of
unused uploads, the removal of their bytes, storage usage and lesson views. Then the rules
of the domain model: formats, file names and keys."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.outbound.files.local import LocalFileStorage
from application.files.complete_upload import CompleteUpload, CompleteUploadCommand
from application.files.file_views import UploadView
from application.files.get_storage_usage import (
    GetStorageUsage,
    GetStorageUsageQuery,
    StorageUsage,
)
from application.files.list_lesson_views import ListLessonViews, ListLessonViewsQuery
from application.files.ports import LessonViews, UploadTicket
from application.files.remove_discarded_file import RemoveDiscardedFile
from application.files.request_upload import RequestUpload, RequestUploadCommand
from application.files.sweep_unused_uploads import SweepUnusedUploads
from application.shared.ports import Principal
from domain.accounts.model import User
from domain.catalog.model import Course
from domain.files.events import FileDiscarded
from domain.files.model import (
    RULES,
    FileStatus,
    MiB,
    OwnerKind,
    StoredFile,
    check_key,
    clean_filename,
    is_format,
    key_for,
)
from domain.files.playback import PlaybackGrant
from domain.shared.errors import InvalidState, InvalidValue, NotFound, PermissionDenied
from domain.shared.events import Event
from domain.shared.files import FilePurpose, VideoKind
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.unit.conftest import World

TEACHER = Principal("teacher-1", Role.TEACHER)  # Grace, the course's teacher
ALAN = Principal("teacher-2", Role.TEACHER)  # another course's teacher
ANN = Principal("student-1", Role.STUDENT)
ADMIN = Principal("admin-1", Role.PLATFORM_ADMIN)
NAMES = {TEACHER: "Grace Hopper", ALAN: "Alan Turing", ANN: "Ann Lee", ADMIN: "Root Admin"}
COURSE, OTHER_COURSE = "course-1", "course-2"
INSTITUTION = "institution-1"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HEX = "0123456789abcdef" * 2


@pytest.fixture
def world() -> World:
    """Grace's course and Alan's, Ann a student, and an administrator."""
    world = World()
    now = world.clock.now()
    for who, name in NAMES.items():
        world.db.users[who.user_id] = User(who.user_id, f"{who.user_id}@example.test", name,
                                           Role(who.role), "hashed", now)
    for course_id, teacher in ((COURSE, TEACHER), (OTHER_COURSE, ALAN)):
        world.db.courses[course_id] = Course(course_id, teacher.user_id, "Compilers",
                                             course_id, "", Money.zero("USD"), now, now)
    return world


@pytest.fixture
def storage(world: World, tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path / "files", "http://127.0.0.1:9", b"k" * 32, world.clock)


def request_upload(world: World, storage: LocalFileStorage, actor: Principal = TEACHER,
                   purpose: FilePurpose = FilePurpose.COURSE_THUMBNAIL,
                   subject_id: str = COURSE, content_type: str = "image/png",
                   size: int = len(PNG), filename: str | None = None) -> UploadView:
    view: UploadView = world.build(RequestUpload, storage=storage)(RequestUploadCommand(
        actor, purpose, subject_id, content_type, size, filename))
    return view


def complete_upload(world: World, storage: LocalFileStorage, upload_id: str,
                    actor: Principal = TEACHER) -> UploadView:
    view: UploadView = world.build(CompleteUpload, storage=storage)(
        CompleteUploadCommand(actor, upload_id))
    return view


def link_parts(url: str) -> tuple[str, dict[str, str]]:
    """The key and the query of a local store's link."""
    parts = urlsplit(url)
    assert parts.path.startswith("/files/")
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return parts.path.removeprefix("/files/"), query


def send(storage: LocalFileStorage, ticket: UploadTicket, data: bytes) -> str:
    """The bytes PUT on the ticket's URL, as the HTTP blueprint hands them to the store."""
    assert ticket.method == "PUT"
    key, query = link_parts(ticket.url)
    storage.accept_upload(key, query, ticket.headers["Content-Type"], io.BytesIO(data),
                          len(data))
    return key


def stored(world: World, upload_id: str) -> StoredFile:
    file: StoredFile = world.db.stored_files[upload_id]
    return file


def discarded_keys(world: World) -> list[str]:
    """The keys of the files whose bytes are to leave the store, as the outbox holds them."""
    return [row["message"].payload["key"] for row in world.db.outbox.values()
            if row["message"].event_type == "FileDiscarded"]


def uploaded(world: World, storage: LocalFileStorage, data: bytes = PNG,
             actor: Principal = TEACHER) -> UploadView:
    """An upload requested, sent and completed."""
    view = request_upload(world, storage, actor=actor, size=len(data))
    assert view.upload is not None
    send(storage, view.upload, data)
    return complete_upload(world, storage, view.id, actor)


# --- requesting an upload --------------------------------------------------------------------


def test_an_upload_is_a_signed_put_at_a_key_of_the_purposes_own(
        world: World, storage: LocalFileStorage) -> None:
    now = world.clock.now()
    view = request_upload(world, storage, filename="../../etc/Lecture notes.png")
    assert (view.status, view.purpose, view.subject_id, view.content_type, view.size) == (
        FileStatus.PENDING, "course_thumbnail", COURSE, "image/png", len(PNG))
    assert view.filename == "Lecture notes.png" and view.download is None
    ticket = view.upload
    assert ticket is not None
    assert (ticket.method, dict(ticket.headers), ticket.expires_at) == (
        "PUT", {"Content-Type": "image/png", "If-None-Match": "*"}, now + timedelta(minutes=15))
    key, query = link_parts(ticket.url)
    assert ticket.url.startswith("http://127.0.0.1:9/files/thumbnails/")
    assert check_key(key) == key and key.startswith("thumbnails/")
    assert "Lecture" not in ticket.url and "etc" not in key  # never the client's name
    assert (query["ct"], query["size"]) == ("image/png", str(len(PNG)))
    file = stored(world, view.id)
    assert (file.key, file.status, file.owner_kind, file.owner_id, file.uploader_id) == (
        key, FileStatus.PENDING, OwnerKind.USER, TEACHER.user_id, TEACHER.user_id)
    assert (file.created_at, file.expires_at) == (now, now + timedelta(minutes=15))
    assert storage.stat(key) is None  # nothing is stored until the client sends it


def test_two_uploads_get_keys_of_their_own(world: World, storage: LocalFileStorage) -> None:
    first, second = (request_upload(world, storage, filename="same.png") for _ in range(2))
    assert stored(world, first.id).key != stored(world, second.id).key


@pytest.mark.parametrize(("content_type", "size"), [
    ("image/svg+xml", 100),  # a type the purpose does not take
    ("application/x-msdownload", 100),
    ("image/png", 5 * MiB + 1),  # too large for a thumbnail
    ("image/png", 0),
    ("image/png", -1),
])
def test_an_upload_of_a_type_or_size_the_purpose_does_not_take_is_refused(
        world: World, storage: LocalFileStorage, content_type: str, size: int) -> None:
    with pytest.raises(InvalidValue):
        request_upload(world, storage, content_type=content_type, size=size)
    assert world.db.stored_files == {}


def test_the_largest_upload_a_purpose_takes_is_allowed(world: World,
                                                       storage: LocalFileStorage) -> None:
    view = request_upload(world, storage, size=5 * MiB)
    assert stored(world, view.id).size == 5 * MiB


@pytest.mark.parametrize("actor", [ALAN, ANN, ADMIN])
def test_only_the_courses_teacher_uploads_its_files(world: World, storage: LocalFileStorage,
                                                    actor: Principal) -> None:
    for purpose, content_type in ((FilePurpose.COURSE_THUMBNAIL, "image/png"),
                                  (FilePurpose.LESSON_ATTACHMENT, "application/pdf"),
                                  (FilePurpose.LESSON_VIDEO, "video/mp4")):
        with pytest.raises(PermissionDenied):
            request_upload(world, storage, actor=actor, purpose=purpose,
                           content_type=content_type, size=1000)
    assert world.db.stored_files == {}


def test_an_upload_for_an_unknown_course_is_not_found(world: World,
                                                      storage: LocalFileStorage) -> None:
    with pytest.raises(NotFound):
        request_upload(world, storage, subject_id="no-such-course")
    assert world.db.stored_files == {}


def test_a_student_uploads_their_own_cv_only(world: World, storage: LocalFileStorage) -> None:
    for actor, subject in ((ANN, TEACHER.user_id), (ANN, "student-9"),
                           (TEACHER, TEACHER.user_id)):  # a teacher has no CV here
        with pytest.raises(PermissionDenied):
            request_upload(world, storage, actor=actor, purpose=FilePurpose.CV,
                           subject_id=subject, content_type="application/pdf", size=1000)
    assert world.db.stored_files == {}
    mine = request_upload(world, storage, actor=ANN, purpose=FilePurpose.CV,
                          subject_id=ANN.user_id, content_type="application/pdf", size=1000)
    file = stored(world, mine.id)
    assert file.key.startswith("cvs/")
    assert (file.owner_kind, file.owner_id) == (OwnerKind.USER, ANN.user_id)


def test_an_institutions_files_are_an_administrators_to_upload(
        world: World, storage: LocalFileStorage) -> None:
    with pytest.raises(PermissionDenied):
        request_upload(world, storage, actor=TEACHER, purpose=FilePurpose.INSTITUTION_LOGO,
                       subject_id=INSTITUTION)
    view = request_upload(world, storage, actor=ADMIN, purpose=FilePurpose.INSTITUTION_LOGO,
                          subject_id=INSTITUTION)
    file = stored(world, view.id)
    assert file.key.startswith("logos/")
    assert (file.owner_kind, file.owner_id, file.uploader_id) == (
        OwnerKind.INSTITUTION, INSTITUTION, ADMIN.user_id)


# --- completing it ---------------------------------------------------------------------------


def test_completing_before_anything_was_sent_leaves_the_upload_pending(
        world: World, storage: LocalFileStorage) -> None:
    view = request_upload(world, storage)
    with pytest.raises(InvalidState):
        complete_upload(world, storage, view.id)
    assert stored(world, view.id).status == FileStatus.PENDING
    assert discarded_keys(world) == []


def test_a_png_of_the_declared_size_is_ready_with_a_download_link(
        world: World, storage: LocalFileStorage) -> None:
    requested = request_upload(world, storage, filename="cover.png")
    assert requested.upload is not None
    key = send(storage, requested.upload, PNG)
    world.clock.advance(minutes=2)
    view = complete_upload(world, storage, requested.id)
    assert view.status == FileStatus.READY and view.upload is None
    file = stored(world, view.id)
    assert (file.status, file.completed_at) == (FileStatus.READY, world.clock.now())
    assert view.download is not None
    assert view.download.expires_at == world.clock.now() + timedelta(hours=1)
    link_key, query = link_parts(view.download.url)
    assert link_key == key
    served = storage.open_download(link_key, query)  # the link is good, and shows the file
    assert (served.content_type, served.size) == ("image/png", len(PNG))
    assert served.disposition.startswith("inline") and "cover.png" in served.disposition
    assert served.path.read_bytes() == PNG
    assert discarded_keys(world) == []


def test_completing_twice_changes_nothing(world: World, storage: LocalFileStorage) -> None:
    first = uploaded(world, storage)
    completed_at = stored(world, first.id).completed_at
    world.clock.advance(minutes=5)
    again = complete_upload(world, storage, first.id)
    assert again.status == FileStatus.READY
    assert (stored(world, first.id).completed_at, stored(world, first.id).version) == (
        completed_at, 2)


def test_a_file_bigger_than_declared_is_rejected_and_its_bytes_are_to_go(
        world: World, storage: LocalFileStorage) -> None:
    view = request_upload(world, storage)
    key = stored(world, view.id).key
    storage.put(key, PNG + b"more", "image/png")  # a store that let it through
    with pytest.raises(InvalidValue):
        complete_upload(world, storage, view.id)
    assert stored(world, view.id).status == FileStatus.REJECTED
    assert discarded_keys(world) == [key]
    (row,) = world.db.outbox.values()
    assert row["message"].payload == {"file_id": view.id, "key": key}
    with pytest.raises(InvalidState):  # refused for good
        complete_upload(world, storage, view.id)


def test_a_windows_program_declared_a_png_is_rejected(world: World,
                                                      storage: LocalFileStorage) -> None:
    program = b"MZ\x90\x00" + bytes(len(PNG) - 4)
    view = request_upload(world, storage, size=len(program))
    assert view.upload is not None
    key = send(storage, view.upload, program)  # the signed type was sent, the bytes lie
    with pytest.raises(InvalidValue):
        complete_upload(world, storage, view.id)
    assert stored(world, view.id).status == FileStatus.REJECTED
    assert discarded_keys(world) == [key]


def test_a_csv_of_utf8_text_is_ready(world: World, storage: LocalFileStorage) -> None:
    csv = "name,score\nZoë,9\nŁukasz,10\n".encode()
    view = request_upload(world, storage, actor=ADMIN, purpose=FilePurpose.REPORT,
                          subject_id=INSTITUTION, content_type="text/csv", size=len(csv),
                          filename="scores.csv")
    assert view.upload is not None
    send(storage, view.upload, csv)
    done = complete_upload(world, storage, view.id, ADMIN)
    assert done.status == FileStatus.READY
    assert done.download is not None and "disposition=attachment" in done.download.url


def test_a_csv_that_is_not_text_is_rejected(world: World, storage: LocalFileStorage) -> None:
    data = b"name,score\n\x00\x01\x02"
    view = request_upload(world, storage, actor=ADMIN, purpose=FilePurpose.REPORT,
                          subject_id=INSTITUTION, content_type="text/csv", size=len(data))
    assert view.upload is not None
    send(storage, view.upload, data)
    with pytest.raises(InvalidValue):
        complete_upload(world, storage, view.id, ADMIN)
    assert stored(world, view.id).status == FileStatus.REJECTED


def test_someone_elses_upload_is_not_found(world: World, storage: LocalFileStorage) -> None:
    view = request_upload(world, storage)
    assert view.upload is not None
    send(storage, view.upload, PNG)
    for actor in (ALAN, ANN):
        with pytest.raises(NotFound):
            complete_upload(world, storage, view.id, actor)
    with pytest.raises(NotFound):
        complete_upload(world, storage, "no-such-upload")
    assert stored(world, view.id).status == FileStatus.PENDING


# --- the sweep and the removal of bytes ------------------------------------------------------


def attach(world: World, upload_id: str) -> None:
    with world.uow() as uow:
        file = uow.files.get(upload_id)
        file.attach(file.purpose, file.uploader_id, file.subject_id)
        uow.commit()


def sweep(world: World, storage: LocalFileStorage | None = None) -> int:
    swept: int = (world.build(SweepUnusedUploads, storage=storage) if storage
                  else world.build(SweepUnusedUploads))()
    return swept


def test_the_sweep_discards_uploads_never_completed_or_never_used_for_a_day(
        world: World, storage: LocalFileStorage) -> None:
    never_sent = request_upload(world, storage)
    never_used = uploaded(world, storage)
    in_use = uploaded(world, storage)
    attach(world, in_use.id)
    world.clock.advance(hours=23)
    recent = request_upload(world, storage)
    recently_done = uploaded(world, storage)
    assert sweep(world) == 0  # a day has not passed yet
    world.clock.advance(hours=1, minutes=1)
    assert sweep(world) == 2
    statuses = {view.id: stored(world, view.id).status
                for view in (never_sent, never_used, in_use, recent, recently_done)}
    assert statuses == {never_sent.id: FileStatus.DISCARDED,
                        never_used.id: FileStatus.DISCARDED,
                        in_use.id: FileStatus.ATTACHED, recent.id: FileStatus.PENDING,
                        recently_done.id: FileStatus.READY}
    assert sorted(discarded_keys(world)) == sorted(
        stored(world, view.id).key for view in (never_sent, never_used))
    assert sweep(world) == 0  # nothing twice
    world.clock.advance(hours=23)
    assert sweep(world) == 2  # the newer ones' day is up too


def test_removing_a_discarded_files_bytes_deletes_them_once_and_for_all(
        world: World, storage: LocalFileStorage) -> None:
    gone, kept = uploaded(world, storage), uploaded(world, storage)
    world.clock.advance(hours=25)
    attach(world, kept.id)
    assert sweep(world) == 1
    (row,) = world.db.outbox.values()
    message = row["message"]
    event = Event.restore(message.event_type, message.payload)
    assert isinstance(event, FileDiscarded) and event.file_id == gone.id
    gone_key, kept_key = stored(world, gone.id).key, stored(world, kept.id).key
    assert storage.stat(gone_key) is not None  # until the handler runs
    remove = world.build(RemoveDiscardedFile, storage=storage)
    remove(event, f"{message.id}:remove_bytes")
    assert storage.stat(gone_key) is None
    remove(event, f"{message.id}:remove_bytes")  # a retry
    assert storage.stat(gone_key) is None
    found = storage.stat(kept_key)
    assert found is not None and found.size == len(PNG)
    with pytest.raises(LookupError):
        storage.read_head(gone_key, 8)


# --- storage usage and lesson views ----------------------------------------------------------


def seed(world: World, status: FileStatus, size: int, owner: Principal = TEACHER,
         owner_kind: OwnerKind = OwnerKind.USER, owner_id: str | None = None) -> StoredFile:
    now = world.clock.now()
    file_id = world.ids.new_id()
    file = StoredFile(file_id, FilePurpose.LESSON_ATTACHMENT, owner_kind,
                      owner_id or owner.user_id, owner.user_id, COURSE,
                      key_for(FilePurpose.LESSON_ATTACHMENT, f"{len(world.db.stored_files):032x}"),
                      "application/pdf", size, None, status, now, now,
                      None if status == FileStatus.PENDING else now)
    world.db.stored_files[file_id] = file
    return file


def usage(world: World, actor: Principal, owner_kind: OwnerKind = OwnerKind.USER,
          owner_id: str | None = None) -> StorageUsage:
    found: StorageUsage = world.build(GetStorageUsage)(
        GetStorageUsageQuery(actor, owner_kind, owner_id))
    return found


def test_storage_usage_sums_the_ready_and_attached_files(world: World) -> None:
    seed(world, FileStatus.READY, 1000)
    seed(world, FileStatus.ATTACHED, 20_000)
    for status in (FileStatus.PENDING, FileStatus.REJECTED, FileStatus.DISCARDED):
        seed(world, status, 300_000)
    seed(world, FileStatus.READY, 7, owner=ALAN)
    seed(world, FileStatus.ATTACHED, 50, owner=ADMIN, owner_kind=OwnerKind.INSTITUTION,
         owner_id=INSTITUTION)
    assert usage(world, TEACHER) == StorageUsage(OwnerKind.USER, TEACHER.user_id, 21_000, 2)
    assert usage(world, TEACHER, owner_id=TEACHER.user_id) == usage(world, TEACHER)
    assert usage(world, ANN) == StorageUsage(OwnerKind.USER, ANN.user_id, 0, 0)
    assert usage(world, ADMIN, owner_id=TEACHER.user_id) == StorageUsage(
        OwnerKind.USER, TEACHER.user_id, 21_000, 2)
    assert usage(world, ADMIN, OwnerKind.INSTITUTION, INSTITUTION) == StorageUsage(
        OwnerKind.INSTITUTION, INSTITUTION, 50, 1)


@pytest.mark.parametrize(("actor", "owner_kind", "owner_id"), [
    (ALAN, OwnerKind.USER, TEACHER.user_id),
    (ANN, OwnerKind.USER, TEACHER.user_id),
    (TEACHER, OwnerKind.INSTITUTION, INSTITUTION),
    (TEACHER, OwnerKind.INSTITUTION, TEACHER.user_id),  # not theirs as an institution's
])
def test_another_owners_storage_is_an_administrators_to_see(
        world: World, actor: Principal, owner_kind: OwnerKind, owner_id: str) -> None:
    seed(world, FileStatus.READY, 1000)
    with pytest.raises(PermissionDenied):
        usage(world, actor, owner_kind, owner_id)


def views(world: World, actor: Principal, course_id: str = COURSE) -> list[LessonViews]:
    found: list[LessonViews] = world.build(ListLessonViews)(ListLessonViewsQuery(actor,
                                                                               course_id))
    return found


def test_lesson_views_are_for_the_courses_teacher(world: World) -> None:
    now = world.clock.now()
    for number, (course, lesson, viewer) in enumerate((
            (COURSE, "lesson-1", ANN), (COURSE, "lesson-1", ANN), (COURSE, "lesson-1", ALAN),
            (COURSE, "lesson-2", ANN), (OTHER_COURSE, "lesson-9", ANN))):
        world.db.playback_grants.append(PlaybackGrant(
            f"grant-{number}", course, lesson, viewer.user_id, VideoKind.FILE, now))
    expected = [LessonViews("lesson-1", 3, 2), LessonViews("lesson-2", 1, 1)]
    assert views(world, TEACHER) == expected
    assert views(world, ADMIN) == expected
    assert views(world, ALAN, OTHER_COURSE) == [LessonViews("lesson-9", 1, 1)]
    for outsider in (ALAN, ANN):
        with pytest.raises(PermissionDenied):
            views(world, outsider)
    with pytest.raises(NotFound):
        views(world, TEACHER, "no-such-course")


# --- the model's rules -----------------------------------------------------------------------


@pytest.mark.parametrize(("declared", "sniffed", "head", "expected"), [
    ("image/png", "image/png", PNG, True),
    ("image/png", "image/jpeg", b"\xff\xd8\xff", False),  # another image
    ("image/png", None, b"plain words", False),  # a binary format must be recognised
    ("image/png", "application/x-msdownload", b"MZ\x90\x00", False),
    ("application/pdf", "application/pdf", b"%PDF-1.7", True),
    ("text/csv", None, b"a,b\n1,2\n", True),
    ("text/plain", None, "Grüße, 世界".encode(), True),
    ("text/plain", None, b"", True),
    ("text/csv", "application/zip", b"PK\x03\x04", False),  # a binary format is no text
    ("text/csv", None, b"a,b\n\x001,2", False),  # NUL
    ("text/csv", None, b"a,\xff,b", False),  # not UTF-8
    ("text/csv", None, b"\xe2\x82 then more", False),  # a character cut in the middle
    ("text/csv", None, b"total: 5 " + "€".encode()[:2], True),  # cut at the end of the head
    ("text/csv", None, b"total " + "😀".encode()[:3], True),
    ("text/csv", None, b"bad end \xff", False),  # an invalid byte at the end is no cut
])
def test_is_format(declared: str, sniffed: str | None, head: bytes, expected: bool) -> None:
    assert is_format(declared, sniffed, head) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("notes.pdf", "notes.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\grace\\Desktop\\cv.docx", "cv.docx"),
    ("/abs/path/to/Résumé final.pdf", "Résumé final.pdf"),
    ('say "hi".txt', "say hi.txt"),
    ("bell\x07\r\nline\tbreak.txt", "belllinebreak.txt"),
    ("  spaced.png  ", "spaced.png"),
    ("\u202egnp.exe", "gnp.exe"),  # a right-to-left override is no printable character
    ("folder/", None),
    ('"\x00"', None),
    ("", None),
    (None, None),
])
def test_clean_filename(name: str | None, expected: str | None) -> None:
    assert clean_filename(name) == expected


def test_clean_filename_keeps_at_most_120_characters() -> None:
    long = "é" * 200 + ".pdf"
    assert clean_filename(long) == "é" * 120
    assert clean_filename("x" * 120) == "x" * 120


def test_check_key_takes_a_prefix_and_32_hex_digits() -> None:
    assert check_key(f"thumbnails/{HEX}") == f"thumbnails/{HEX}"
    assert check_key(f"a-b9/{HEX}") == f"a-b9/{HEX}"
    assert key_for(FilePurpose.CV, HEX) == f"cvs/{HEX}"


@pytest.mark.parametrize("key", [
    f"thumbnails/{HEX}\n",
    f"thumbnails/{HEX}\r",
    f"\nthumbnails/{HEX}",
    f"../{HEX}",
    f"thumbnails/../{HEX}",
    f"thumbnails/{HEX[:31]}",
    f"thumbnails/{HEX}0",
    f"Thumbnails/{HEX}",
    f"thumbnails/{HEX.upper()}",
    f"/thumbnails/{HEX}",
    f"thumbnails//{HEX}",
    f"thumbnails/sub/{HEX}",
    f"1thumbs/{HEX}",
    f"{'a' * 41}/{HEX}",
    HEX,
    "",
])
def test_check_key_refuses_anything_else(key: str) -> None:
    with pytest.raises(InvalidValue):
        check_key(key)


def test_a_cv_takes_a_pdf_or_a_docx_of_at_most_10_mib() -> None:
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    RULES[FilePurpose.CV].check(docx, 10 * MiB)
    RULES[FilePurpose.CV].check("application/pdf", 1)
    for content_type, size in ((docx, 10 * MiB + 1), ("image/png", 10)):
        with pytest.raises(InvalidValue):
            RULES[FilePurpose.CV].check(content_type, size)


def test_a_file_rejected_while_its_link_lives_loses_bytes_sent_again_on_that_link(
        world: World, storage: LocalFileStorage) -> None:
    """A rejection deletes the bytes at once, but the link still works for the rest of its
    window: whatever is sent on it then is deleted by the sweep once the link has expired,
    and the record says so."""
    view = request_upload(world, storage)
    assert view.upload is not None
    send(storage, view.upload, b"MZ" + PNG[2:])
    with pytest.raises(InvalidValue):
        complete_upload(world, storage, view.id)
    storage.delete(stored(world, view.id).key)  # what RemoveDiscardedFile does after commit
    key = send(storage, view.upload, PNG)  # the link is not spent: nothing was kept
    assert storage.stat(key) is not None
    assert sweep(world, storage) == 0 and storage.stat(key) is not None  # the link still lives
    assert stored(world, view.id).removed_at is None

    world.clock.advance(minutes=15)
    sweep(world, storage)
    assert storage.stat(key) is None
    assert stored(world, view.id).removed_at == world.clock.now()
    storage.put(key, PNG, "image/png")
    sweep(world, storage)  # removed for good once: the sweep no longer looks at it
    assert storage.stat(key) is not None
