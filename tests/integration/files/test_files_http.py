"""Files through the public HTTP API: uploads for a purpose (request, PUT, complete), checked
on the server, attached to courses, served on signed links, counted per owner and swept when
abandoned. On the embedded default (the local store, served by eduport itself through the
Flask test client; inline jobs, so a discarded file's bytes leave at once after the commit)
and on S3 against moto's real server on 127.0.0.1. Time is the Clock port's, moved by the
test; SQLite and PostgreSQL both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import Engine, select

from adapters.inbound.worker.jobs import run_job
from adapters.outbound.persistence.files import stored_files
from adapters.settings import Settings
from domain.files.model import MiB
from tests.conftest import make_settings
from tests.driver import (
    MP4,
    PNG,
    assert_problem,
    local_path,
    new_course,
    new_lesson,
    published_course,
    sign_up,
    sign_up_admin,
    uploaded,
    user_id,
)
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.moto_s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoS3Server

pytestmark = pytest.mark.clocked  # time moves when the test says

# A second, different PNG (filetype reads the signature only): a replacement thumbnail.
PNG2 = PNG + b"\x00" * 40
# A Windows program's first bytes, padded to a PNG's length: declared image/png, it is not.
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * (len(PNG) - 8)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # Sessions outlast the day of Clock time the sweeper's test moves through.
    return make_settings(tmp_path, database_url, ACCESS_TOKEN_TTL_SECONDS="259200")


# --- helpers ---------------------------------------------------------------------------------


def ask(client: Any, who: dict[str, str], purpose: str, subject_id: str, content_type: str,
        size: Any, **extra: Any) -> Any:
    """POST /uploads; the raw answer."""
    return client.post("/uploads", headers=who, json={
        "purpose": purpose, "subject_id": subject_id, "content_type": content_type,
        "size": size, **extra})


def requested(client: Any, who: dict[str, str], course_id: str, data: bytes = PNG,
              content_type: str = "image/png", purpose: str = "course_thumbnail"
              ) -> dict[str, Any]:
    """A pending upload for the course, its ticket included."""
    asked = ask(client, who, purpose, course_id, content_type, len(data))
    assert asked.status_code == 201, asked.get_data(as_text=True)
    upload: dict[str, Any] = asked.get_json()
    return upload


def status(client: Any, who: dict[str, str], upload_id: str) -> str:
    found = client.get(f"/uploads/{upload_id}", headers=who)
    assert found.status_code == 200, found.get_data(as_text=True)
    return str(found.get_json()["status"])


def put(client: Any, ticket: dict[str, Any], data: bytes, **headers: str) -> Any:
    return client.put(local_path(ticket["url"]), data=data,
                      headers={**ticket["headers"], **headers})


def complete(client: Any, who: dict[str, str], upload_id: str) -> Any:
    return client.post(f"/uploads/{upload_id}/complete", headers=who)


def stored(settings: Settings) -> list[Path]:
    """Every file in the local store's folder, sidecars and temporary files included."""
    root = Path(settings.data_dir) / "files"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def file_rows(injector: Any) -> list[tuple[str, str]]:
    """(id, status) of every upload record, read straight from the database."""
    with injector.get(Engine).connect() as connection:
        rows = connection.execute(select(stored_files.c.id, stored_files.c.status)).all()
    return [(row.id, str(getattr(row.status, "value", row.status))) for row in rows]


def usage(client: Any, who: dict[str, str], **query: str) -> Any:
    return client.get("/storage-usage", headers=who, query_string=query)


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# --- 1. the embedded default: a thumbnail's whole life ---------------------------------------


def test_a_thumbnail_is_uploaded_attached_shown_replaced_and_counted(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    teacher = sign_up(client, "teacher", "Tess Teacher")
    course = published_course(client, teacher)  # its lesson plays an uploaded MP4
    asked = ask(client, teacher, "course_thumbnail", course["id"], "image/png", len(PNG),
                filename="covers/../Cover \"one\".png")
    assert asked.status_code == 201, asked.get_data(as_text=True)
    upload = asked.get_json()
    assert (upload["status"], upload["purpose"], upload["subject_id"], upload["size"]) == (
        "pending", "course_thumbnail", course["id"], len(PNG))
    assert upload["filename"] == "Cover one.png"  # the last segment, no quotes
    ticket = upload["upload"]
    assert ticket["method"] == "PUT" and ticket["headers"] == {"Content-Type": "image/png",
                                                                    "If-None-Match": "*"}
    assert ticket["url"].startswith("http://127.0.0.1:8000/files/thumbnails/")
    assert "Cover" not in ticket["url"]  # the client's name is never part of the key
    window = datetime.fromisoformat(ticket["expires_at"]) - clock.now()
    assert timedelta(minutes=14, seconds=59) <= window <= timedelta(minutes=15)
    assert upload["download"] is None
    assert status(client, teacher, upload["id"]) == "pending"

    assert put(client, ticket, PNG).status_code == 204
    done = complete(client, teacher, upload["id"])
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "ready" and done.get_json()["upload"] is None
    private = client.get(local_path(done.get_json()["download"]["url"]))
    assert private.status_code == 200 and private.data == PNG
    assert private.headers["Content-Disposition"].startswith("inline")
    again = complete(client, teacher, upload["id"])  # completing twice changes nothing
    assert again.status_code == 200 and again.get_json()["status"] == "ready"

    patched = client.patch(f"/courses/{course['id']}", headers=teacher,
                           json={"thumbnail_upload_id": upload["id"]})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    first_url = patched.get_json()["thumbnail_url"]
    assert first_url and status(client, teacher, upload["id"]) == "attached"
    # Signed for the link's lifetime and the page cache's: 3600 + 5 s.
    assert int(query_of(first_url)["expires"]) == int(clock.now().timestamp()) + 3605
    shown = client.get(f"/courses/{course['id']}").get_json()["thumbnail_url"]
    listing = client.get("/courses").get_json()["items"]
    assert [item["thumbnail_url"] for item in listing if item["id"] == course["id"]] == [shown]
    served = client.get(local_path(shown))  # anonymous: the link is the authority
    assert served.status_code == 200 and served.data == PNG
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("private")

    teacher_id = user_id(client, teacher)
    kept = usage(client, teacher).get_json()
    assert kept == {"owner_kind": "user", "owner_id": teacher_id,
                    "bytes": len(MP4) + len(PNG), "files": 2}

    second = uploaded(client, teacher, "course_thumbnail", course["id"], PNG2, "image/png")
    pending = requested(client, teacher, course["id"])  # pending: not counted
    assert usage(client, teacher).get_json()["bytes"] == len(MP4) + len(PNG) + len(PNG2)
    replaced = client.patch(f"/courses/{course['id']}", headers=teacher,
                            json={"thumbnail_upload_id": second["id"]})
    assert replaced.status_code == 200, replaced.get_data(as_text=True)
    assert client.get(local_path(replaced.get_json()["thumbnail_url"])).data == PNG2
    assert_problem(client.get(local_path(first_url)), 404)  # its bytes left after the commit
    assert status(client, teacher, upload["id"]) == "discarded"
    assert client.get(f"/uploads/{upload['id']}", headers=teacher).get_json()["download"] is None
    assert status(client, teacher, pending["id"]) == "pending"
    assert usage(client, teacher).get_json() == {
        "owner_kind": "user", "owner_id": teacher_id, "bytes": len(MP4) + len(PNG2),
        "files": 2}

    admin = sign_up_admin(client, injector)
    seen = usage(client, admin, owner_id=teacher_id)
    assert seen.status_code == 200 and seen.get_json()["bytes"] == len(MP4) + len(PNG2)
    student = sign_up(client, "student")
    assert_problem(usage(client, student, owner_id=teacher_id), 403)
    assert_problem(usage(client, teacher, owner_kind="institution", owner_id=teacher_id), 403)
    assert usage(client, student).get_json()["bytes"] == 0
    assert_problem(client.get("/storage-usage"), 401)

    removed = client.patch(f"/courses/{course['id']}", headers=teacher,
                           json={"thumbnail_upload_id": ""})
    assert removed.status_code == 200 and removed.get_json()["thumbnail_url"] is None
    assert_problem(client.get(local_path(replaced.get_json()["thumbnail_url"])), 404)
    assert usage(client, teacher).get_json()["bytes"] == len(MP4)


# --- 2. bad input ----------------------------------------------------------------------------


BAD_REQUESTS: list[tuple[dict[str, Any], str | None]] = [
    ({"purpose": "avatar"}, "purpose"),
    ({"content_type": "image/svg+xml"}, None),  # not allowed for a thumbnail
    ({"content_type": "application/pdf"}, None),
    ({"size": 5 * MiB + 1}, None),  # over the thumbnail's 5 MiB
    ({"size": 0}, "size"),
    ({"size": -1}, "size"),
    ({"size": "30"}, "size"),
    ({"size": 30.5}, "size"),
    ({"size": True}, "size"),
    ({"size": 5000 * MiB}, "size"),  # over every purpose's limit
    ({"purpose": None}, "purpose"),  # None: the field is left out
    ({"subject_id": None}, "subject_id"),
    ({"content_type": None}, "content_type"),
    ({"size": None}, "size"),
]


def test_a_bad_upload_request_is_a_problem_and_stores_nothing(
        client: Any, injector: Any, settings: Settings) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    good = {"purpose": "course_thumbnail", "subject_id": course["id"],
            "content_type": "image/png", "size": len(PNG)}
    for change, field in BAD_REQUESTS:
        body = {name: value for name, value in {**good, **change}.items() if value is not None}
        problem = assert_problem(client.post("/uploads", headers=teacher, json=body), 422)
        if field is not None:
            assert field in problem["errors"], (change, problem)
        else:
            assert problem["detail"], change
    assert_problem(client.post("/uploads", headers=teacher, data="{", content_type=
                               "application/json"), 400)
    assert file_rows(injector) == [] and stored(settings) == []
    assert client.post("/uploads", headers=teacher, json=good).status_code == 201  # the rest


def test_only_the_courses_teacher_uploads_for_an_existing_course(
        client: Any, injector: Any, settings: Settings) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    student, other = sign_up(client, "student"), sign_up(client, "teacher")
    for intruder in (student, other, sign_up_admin(client, injector)):
        assert_problem(ask(client, intruder, "course_thumbnail", course["id"], "image/png",
                           len(PNG)), 403)
    assert_problem(ask(client, teacher, "course_thumbnail", "no-such-course", "image/png",
                       len(PNG)), 404)
    assert_problem(ask(client, teacher, "course_thumbnail", course["id"], "image/png",
                       len(PNG), headers="x"), 422)  # an unknown field
    assert_problem(client.post("/uploads", json={"purpose": "course_thumbnail"}), 401)
    assert file_rows(injector) == [] and stored(settings) == []


def test_an_upload_is_its_uploaders_and_completes_only_once_its_bytes_are_there(
        client: Any, injector: Any, settings: Settings) -> None:
    teacher, other = sign_up(client, "teacher"), sign_up(client, "teacher")
    course = new_course(client, teacher)
    upload = requested(client, teacher, course["id"])
    assert_problem(complete(client, other, upload["id"]), 404)
    assert_problem(client.get(f"/uploads/{upload['id']}", headers=other), 404)
    assert_problem(complete(client, teacher, "no-such-upload"), 404)
    early = assert_problem(complete(client, teacher, upload["id"]), 409)
    assert "PUT" in early["detail"]
    assert status(client, teacher, upload["id"]) == "pending"  # it may still be on its way
    assert put(client, upload["upload"], PNG).status_code == 204
    assert_problem(complete(client, other, upload["id"]), 404)  # still not theirs
    done = complete(client, teacher, upload["id"])
    assert done.status_code == 200 and done.get_json()["status"] == "ready"
    admin = sign_up_admin(client, injector)  # an administrator sees anyone's
    assert status(client, admin, upload["id"]) == "ready"


def test_the_local_store_takes_exactly_the_signed_body(
        client: Any, injector: Any, settings: Settings) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    upload = requested(client, teacher, course["id"])
    ticket = upload["upload"]
    assert_problem(put(client, ticket, PNG, **{"Content-Type": "image/jpeg"}), 415)
    assert_problem(client.put(local_path(ticket["url"]), data=PNG), 415)  # no type at all
    assert_problem(put(client, ticket, PNG + b"\x00"), 413)
    assert_problem(put(client, ticket, PNG[:-1]), 400)
    assert_problem(put(client, ticket, b""), 411)  # the test client sends no length for b""
    assert_problem(client.put(local_path(ticket["url"]), data=b"", headers=ticket["headers"],
                              environ_overrides={"CONTENT_LENGTH": "0"}), 400)
    assert stored(settings) == []
    assert_problem(complete(client, teacher, upload["id"]), 409)
    assert put(client, ticket, PNG).status_code == 204
    assert complete(client, teacher, upload["id"]).get_json()["status"] == "ready"


def test_a_tampered_link_or_a_key_with_path_tricks_reaches_nothing(
        client: Any, injector: Any, settings: Settings) -> None:
    secret = Path(settings.data_dir) / "secret.txt"
    secret.write_text("the operator's secret")
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    upload = requested(client, teacher, course["id"])
    url = urlsplit(upload["upload"]["url"])
    path, query = url.path, url.query
    signature = query_of(upload["upload"]["url"])["sig"]
    forged_sig = query.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    assert_problem(client.put(f"{path}?{forged_sig}", data=PNG,
                              headers=upload["upload"]["headers"]), 403)
    other_key = "/files/thumbnails/" + "0" * 32
    assert other_key != path
    assert_problem(client.put(f"{other_key}?{query}", data=PNG,
                              headers=upload["upload"]["headers"]), 403)
    bigger = query.replace(f"size={len(PNG)}", f"size={len(PNG) + 1}")
    assert bigger != query
    assert_problem(client.put(f"{path}?{bigger}", data=PNG + b"\x00",
                              headers=upload["upload"]["headers"]), 403)
    unsigned = "&".join(part for part in query.split("&") if not part.startswith("sig="))
    assert_problem(client.put(f"{path}?{unsigned}", data=PNG,
                              headers=upload["upload"]["headers"]), 403)
    assert_problem(client.put(f"{path}?{query}&sig={signature}", data=PNG,
                              headers=upload["upload"]["headers"]), 400)  # sig twice
    # An upload link is no download link.
    assert_problem(client.get(f"{path}?{query}"), 403)
    for tricked in ("/files/../etc/passwd", "/files/thumbnails/..%2F..%2Fx",
                    "/files/..%2Fsecret.txt", "/files/thumbnails/..%2F..%2Fsecret.txt",
                    "/files/thumbnails%2F..%2F..%2Fsecret.txt", "/files/%2e%2e/secret.txt",
                    f"{path}%0A", f"{path.upper()}", f"{path}/../../secret.txt"):
        for method in ("GET", "PUT"):
            answer = client.open(f"{tricked}?{query}", method=method, data=PNG,
                                 headers=upload["upload"]["headers"])
            assert answer.status_code in (400, 403, 404), (tricked, method, answer.status_code)
            assert b"operator" not in answer.data
    assert stored(settings) == [] and secret.read_text() == "the operator's secret"
    assert status(client, teacher, upload["id"]) == "pending"


def test_links_stop_working_when_their_time_is_up(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    late = requested(client, teacher, course["id"])
    clock.advance(minutes=15, seconds=1)  # FILE_UPLOAD_WINDOW_MINUTES=15
    expired = assert_problem(put(client, late["upload"], PNG), 403)
    assert "expired" in expired["detail"]
    assert stored(settings) == []
    assert_problem(complete(client, teacher, late["id"]), 409)

    upload = requested(client, teacher, course["id"])
    clock.advance(minutes=14, seconds=59)  # still inside its window
    assert put(client, upload["upload"], PNG).status_code == 204
    link = complete(client, teacher, upload["id"]).get_json()["download"]
    assert datetime.fromisoformat(link["expires_at"]) == clock.now() + timedelta(hours=1)
    clock.advance(seconds=3600)
    assert client.get(local_path(link["url"])).status_code == 200  # its last second
    clock.advance(seconds=1)
    assert "expired" in assert_problem(client.get(local_path(link["url"])), 403)["detail"]
    fresh = client.get(f"/uploads/{upload['id']}", headers=teacher).get_json()["download"]
    assert client.get(local_path(fresh["url"])).data == PNG  # a new link works again


def test_only_a_completed_upload_of_the_right_purpose_and_course_is_attached(
        client: Any, injector: Any, settings: Settings) -> None:
    teacher, other = sign_up(client, "teacher"), sign_up(client, "teacher")
    course, elsewhere = new_course(client, teacher), new_course(client, teacher)
    path = f"/courses/{course['id']}"

    def attach(upload_id: str, who: dict[str, str] = teacher) -> Any:
        return client.patch(path, headers=who, json={"thumbnail_upload_id": upload_id})

    pending = requested(client, teacher, course["id"])
    assert "complete" in assert_problem(attach(pending["id"]), 409)["detail"]
    fake = requested(client, teacher, course["id"], PROGRAM)  # an MZ program as image/png
    assert put(client, fake["upload"], PROGRAM).status_code == 204
    refused = assert_problem(complete(client, teacher, fake["id"]), 422)
    assert "image/png" in refused["detail"]
    assert status(client, teacher, fake["id"]) == "rejected"
    assert_problem(complete(client, teacher, fake["id"]), 409)  # refused for good
    assert_problem(attach(fake["id"]), 409)
    video = uploaded(client, teacher, "lesson_video", course["id"], MP4, "video/mp4")
    assert "lesson_video" in assert_problem(attach(video["id"]), 422)["detail"]
    theirs = uploaded(client, teacher, "course_thumbnail", elsewhere["id"], PNG, "image/png")
    assert_problem(attach(theirs["id"]), 422)
    assert_problem(attach("no-such-upload"), 404)
    others_course = new_course(client, other)
    stranger = uploaded(client, other, "course_thumbnail", others_course["id"], PNG,
                        "image/png")
    assert_problem(attach(stranger["id"]), 404)  # someone else's upload is unknown
    thumbnail = uploaded(client, teacher, "course_thumbnail", course["id"], PNG, "image/png")
    assert attach(thumbnail["id"]).status_code == 200
    assert_problem(attach(thumbnail["id"]), 409)  # already in use
    assert client.get(path, headers=teacher).get_json()["thumbnail_url"] is not None
    # Nothing refused left anything behind: the course still shows the one attached.
    statuses = dict(file_rows(injector))
    assert statuses[fake["id"]] == "rejected" and statuses[thumbnail["id"]] == "attached"
    assert statuses[pending["id"]] == "pending" and statuses[video["id"]] == "ready"
    lesson = client.post(f"{path}/lessons", headers=teacher, json={
        "title": "One", "slug": "one", "video_upload_id": thumbnail["id"]})
    assert_problem(lesson, 422)  # a thumbnail is no lesson video


def test_an_external_video_is_an_https_url_on_a_free_preview(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher, amount_minor=4900)
    lessons = f"/courses/{course['id']}/lessons"
    url = "https://videos.example.test/intro.mp4"
    assert_problem(client.post(lessons, headers=teacher, json={
        "title": "Paid", "slug": "paid", "video_url": url}), 409)
    assert_problem(client.post(lessons, headers=teacher, json={
        "title": "Open", "slug": "open", "is_free_preview": True,
        "video_url": "http://videos.example.test/intro.mp4"}), 422)
    video = uploaded(client, teacher, "lesson_video", course["id"], MP4, "video/mp4")
    assert_problem(client.post(lessons, headers=teacher, json={
        "title": "Both", "slug": "both", "is_free_preview": True, "video_url": url,
        "video_upload_id": video["id"]}), 422)
    made = client.post(lessons, headers=teacher, json={
        "title": "Open", "slug": "open", "is_free_preview": True, "video_url": url})
    assert made.status_code == 201 and made.get_json()["video_kind"] == "external"
    lesson = made.get_json()["id"]
    # Making it paid would play an external video to paying students only: refused.
    assert_problem(client.patch(f"{lessons}/{lesson}", headers=teacher,
                                json={"is_free_preview": False}), 409)


def test_an_upload_link_is_spent_once_the_upload_is_checked(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    upload = requested(client, teacher, course["id"])
    assert put(client, upload["upload"], PNG).status_code == 204
    assert complete(client, teacher, upload["id"]).get_json()["status"] == "ready"
    shown = client.patch(f"/courses/{course['id']}", headers=teacher,
                         json={"thumbnail_upload_id": upload["id"]}).get_json()
    swapped = put(client, upload["upload"], PROGRAM)  # same size and type, inside the window
    assert_problem(swapped, 412)  # If-None-Match: *, as S3 and R2 hold it
    assert client.get(local_path(shown["thumbnail_url"])).data == PNG


# --- 5. the sweeper --------------------------------------------------------------------------


def test_uploads_abandoned_for_a_day_are_swept(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    never_sent = requested(client, teacher, course["id"])  # sent, never completed
    assert put(client, never_sent["upload"], PNG).status_code == 204
    never_used = uploaded(client, teacher, "course_thumbnail", course["id"], PNG, "image/png")
    in_use = uploaded(client, teacher, "course_thumbnail", course["id"], PNG2, "image/png")
    client.patch(f"/courses/{course['id']}", headers=teacher,
                 json={"thumbnail_upload_id": in_use["id"]})
    clock.advance(hours=23, minutes=59)
    assert run_job(injector, "sweep_unused_uploads") == 0  # not a day yet
    clock.advance(minutes=1)
    recent = requested(client, teacher, course["id"])  # asked for today: kept
    link = client.get(f"/uploads/{never_used['id']}", headers=teacher).get_json()["download"]
    assert client.get(local_path(link["url"])).data == PNG
    assert usage(client, teacher).get_json()["bytes"] == len(PNG) + len(PNG2)

    assert len(stored(settings)) == 6  # three objects, each with its sidecar

    assert run_job(injector, "sweep_unused_uploads") == 2
    assert len(stored(settings)) == 2  # the bytes of the two swept left after the commit
    assert status(client, teacher, never_sent["id"]) == "discarded"
    assert status(client, teacher, never_used["id"]) == "discarded"
    assert_problem(client.get(local_path(link["url"])), 404)  # its bytes are gone
    assert status(client, teacher, recent["id"]) == "pending"
    assert status(client, teacher, in_use["id"]) == "attached"
    shown = client.get(f"/courses/{course['id']}", headers=teacher).get_json()
    assert client.get(local_path(shown["thumbnail_url"])).data == PNG2
    assert usage(client, teacher).get_json()["bytes"] == len(PNG2)
    assert_problem(complete(client, teacher, never_sent["id"]), 409)
    assert run_job(injector, "sweep_unused_uploads") == 0  # nothing twice


# --- 6. no video vault -----------------------------------------------------------------------


def test_without_a_video_vault_a_lessons_video_is_uploaded_as_a_file(client: Any) -> None:
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    lesson = new_lesson(client, teacher, course["id"], "welcome")
    path = f"/courses/{course['id']}/lessons/{lesson['id']}/video-upload"
    refused = assert_problem(client.post(path, headers=teacher), 409)
    assert "upload the video as a file" in refused["detail"]
    assert "lesson_video" in refused["detail"]
    opened = client.get(f"/courses/{course['id']}/lessons/{lesson['id']}", headers=teacher)
    assert opened.get_json()["video_kind"] == "file"  # its video is untouched
    assert client.get(local_path(opened.get_json()["playback"]["url"])).data == MP4


# --- 4. S3, against moto's server ------------------------------------------------------------


@pytest.fixture
def s3(tmp_path: Path, database_url: str, moto_s3: MotoS3Server) -> Iterator[dict[str, Any]]:
    """eduport on a bucket of moto's of its own: ``client`` (the Flask test client),
    ``bucket``, ``injector``."""
    from bootstrap import build_injector, create_app

    bucket = moto_s3.create_bucket()
    settings = make_settings(tmp_path, database_url, S3_BUCKET=bucket,
                             S3_ENDPOINT_URL=moto_s3.url, S3_ACCESS_KEY_ID=ACCESS_KEY_ID,
                             S3_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY, S3_REGION="auto")
    injector = build_injector(settings)
    yield {"client": create_app(injector, settings).test_client(), "bucket": bucket,
           "injector": injector, "settings": settings}
    injector.get(Engine).dispose()


def keys_in(moto_s3: MotoS3Server, bucket: str) -> list[str]:
    listed = moto_s3.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def key_of(ticket: dict[str, Any], bucket: str) -> str:
    """The object key a presigned URL names (path-style on moto's address)."""
    path: str = urlsplit(ticket["url"]).path
    assert path.startswith(f"/{bucket}/"), path
    return path.removeprefix(f"/{bucket}/")


def s3_uploaded(client: Any, who: dict[str, str], purpose: str, course_id: str, data: bytes,
                content_type: str) -> dict[str, Any]:
    """An upload through the public flow, its bytes PUT to moto as a browser does."""
    upload = requested(client, who, course_id, data, content_type, purpose)
    sent = requests.put(upload["upload"]["url"], data=data, headers=upload["upload"]["headers"],
                        timeout=10)
    assert sent.status_code == 200, sent.text
    done = complete(client, who, upload["id"])
    assert done.status_code == 200, done.get_data(as_text=True)
    return {**done.get_json(), "upload": upload["upload"]}


def test_on_s3_an_upload_goes_straight_to_the_bucket_and_is_checked_there(
        s3: dict[str, Any], moto_s3: MotoS3Server) -> None:
    client, bucket = s3["client"], s3["bucket"]
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    video = s3_uploaded(client, teacher, "lesson_video", course["id"], MP4, "video/mp4")
    assert client.post(f"/courses/{course['id']}/lessons", headers=teacher, json={
        "title": "One", "slug": "one", "video_upload_id": video["id"]}).status_code == 201
    assert client.post(f"/courses/{course['id']}/publish", headers=teacher).status_code == 200
    upload = requested(client, teacher, course["id"])
    ticket = upload["upload"]
    assert ticket["url"].startswith(f"{moto_s3.url}/{bucket}/thumbnails/")
    signed = query_of(ticket["url"])
    assert "content-type" in signed["X-Amz-SignedHeaders"].split(";")
    assert signed["X-Amz-Expires"] == "900"
    assert signed["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert signed["X-Amz-Credential"].startswith(f"{ACCESS_KEY_ID}/")
    assert "/auto/s3/" in signed["X-Amz-Credential"]
    assert ticket["headers"] == {"Content-Type": "image/png", "If-None-Match": "*"}
    assert_problem(client.put(f"/files/{key_of(ticket, bucket)}", data=PNG,
                              headers=ticket["headers"]), 404)  # no local store here

    assert_problem(complete(client, teacher, upload["id"]), 409)  # nothing there yet
    assert status(client, teacher, upload["id"]) == "pending"
    sent = requests.put(ticket["url"], data=PNG, headers=ticket["headers"], timeout=10)
    assert sent.status_code == 200, sent.text
    done = complete(client, teacher, upload["id"])
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "ready"
    download = done.get_json()["download"]["url"]
    assert query_of(download)["X-Amz-Expires"] == "3600"
    fetched = requests.get(download, timeout=10)
    assert fetched.status_code == 200 and fetched.content == PNG
    assert fetched.headers["Content-Disposition"].startswith("inline")

    patched = client.patch(f"/courses/{course['id']}", headers=teacher,
                           json={"thumbnail_upload_id": upload["id"]})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    public = client.get("/courses").get_json()["items"][0]["thumbnail_url"]
    # A page the page cache holds for LISTING_CACHE_SECONDS never shows an expired link.
    assert query_of(public)["X-Amz-Expires"] == str(3600 + 5)
    assert requests.get(public, timeout=10).content == PNG
    teacher_id = user_id(client, teacher)
    assert client.get("/storage-usage", headers=teacher).get_json() == {
        "owner_kind": "user", "owner_id": teacher_id, "bytes": len(PNG) + len(MP4),
        "files": 2}

    second = s3_uploaded(client, teacher, "course_thumbnail", course["id"], PNG2, "image/png")
    assert client.patch(f"/courses/{course['id']}", headers=teacher,
                        json={"thumbnail_upload_id": second["id"]}).status_code == 200
    assert key_of(ticket, bucket) not in keys_in(moto_s3, bucket)  # the replaced one left
    assert key_of(second["upload"], bucket) in keys_in(moto_s3, bucket)
    # Gone: S3 answers 403 rather than 404 to a reader who may not list the bucket.
    assert requests.get(download, timeout=10).status_code in (403, 404)


MISMATCHES: list[tuple[str, bytes, dict[str, str]]] = [
    ("bigger than declared", PNG + b"\x00", {}),
    ("smaller", PNG[:-1], {}),
    ("stored as another type (moto takes it)", PNG, {"Content-Type": "image/jpeg"}),
    ("not what it claims", PROGRAM, {}),
]


def test_on_s3_a_stored_object_unlike_its_declaration_is_refused_and_deleted(
        s3: dict[str, Any], moto_s3: MotoS3Server) -> None:
    client, bucket = s3["client"], s3["bucket"]
    teacher = sign_up(client, "teacher")
    course = new_course(client, teacher)
    for case, sent, headers in MISMATCHES:
        upload = requested(client, teacher, course["id"])
        ticket = upload["upload"]
        put = requests.put(ticket["url"], data=sent, headers={**ticket["headers"], **headers},
                           timeout=10)
        assert put.status_code == 200, put.text  # moto checks neither size nor signed type
        key = key_of(ticket, bucket)
        assert keys_in(moto_s3, bucket) == [key], case
        refused = assert_problem(complete(client, teacher, upload["id"]), 422)
        assert refused["detail"], case
        assert status(client, teacher, upload["id"]) == "rejected", case
        assert keys_in(moto_s3, bucket) == [], case  # its bytes left after the commit
        found = client.get(f"/uploads/{upload['id']}", headers=teacher).get_json()
        assert found["download"] is None, case
        assert_problem(complete(client, teacher, upload["id"]), 409)
        attached = client.patch(f"/courses/{course['id']}", headers=teacher,
                                json={"thumbnail_upload_id": upload["id"]})
        assert_problem(attached, 409)
    assert client.get("/storage-usage", headers=teacher).get_json()["bytes"] == 0

