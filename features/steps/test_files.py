"""Steps of files.feature: uploads through the local store's signed links (the embedded
default, served by eduport itself) and lesson video through a local VdoCipher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_bdd import given, parsers, scenarios, then, when

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from features.steps.conftest import NAME, REFUSED, Platform
from tests.conftest import make_settings
from tests.driver import PNG, local_path
from tests.vendor_servers.vdocipher_server import DEFAULT_API_SECRET, FakeVdoCipher

scenarios("../files.feature")

TITLE = r'"(?P<title>[^"]+)"'
LESSON = r'"(?P<lesson>[^"]+)"'
# What a Windows program starts with: the DOS header's "MZ".
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.fixture(scope="module")
def vdocipher() -> Iterator[FakeVdoCipher]:
    with FakeVdoCipher() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, vdocipher: FakeVdoCipher) -> Settings:
    """The features' embedded defaults, with VdoCipher configured at its local double."""
    return make_settings(tmp_path, settings.database_url, **{
        name: value for name, value in settings.environ.items()
        if name.startswith(("PUSHER_", "MAILGUN_", "ACCESS_TOKEN"))},
        VDOCIPHER_API_SECRET=DEFAULT_API_SECRET, VDOCIPHER_API_BASE=vdocipher.url)


@pytest.fixture
def platform(settings: Settings, vdocipher: FakeVdoCipher) -> Iterator[Platform]:
    from sqlalchemy import Engine

    from bootstrap import build_injector, create_app

    vdocipher.clear_log()
    injector = build_injector(settings)
    client = create_app(injector, settings).test_client()
    found = Platform(client, Path(settings.section(MessagingSettings).outbox_dir), injector)
    found.uploads = {}  # type: ignore[attr-defined]
    yield found
    injector.get(Engine).dispose()


def _upload(platform: Platform, name: str, title: str, data: bytes, filename: str) -> None:
    course = platform.course(title)
    asked = platform.expect(201, platform.call("POST", "/uploads", name, json={
        "purpose": "course_thumbnail", "subject_id": course.id, "content_type": "image/png",
        "size": len(data), "filename": filename}))
    assert filename not in asked["upload"]["url"], asked  # the key is never the file's name
    ticket = asked["upload"]
    put = platform.client.put(local_path(ticket["url"]), data=data, headers=ticket["headers"])
    assert put.status_code == 204, put.get_data(as_text=True)
    platform.uploads["last"] = asked  # type: ignore[attr-defined]
    platform.call("POST", f"/uploads/{asked['id']}/complete", name)


def _last_upload(platform: Platform) -> dict[str, Any]:
    found: dict[str, Any] = platform.uploads["last"]  # type: ignore[attr-defined]
    return found


@when(parsers.re(f'{NAME} uploads the picture "(?P<filename>[^"]+)" as the thumbnail of '
                 f'{TITLE}'))
def uploads_a_picture(platform: Platform, name: str, filename: str, title: str) -> None:
    _upload(platform, name, title, PNG, filename)
    upload = platform.expect(200)
    assert upload["status"] == "ready", upload
    platform.expect(200, platform.call("PATCH", f"/courses/{platform.course(title).id}", name,
                                       json={"thumbnail_upload_id": upload["id"]}))


@then(parsers.re(f"the catalog shows {TITLE} with that thumbnail"))
def catalog_shows_thumbnail(platform: Platform, title: str) -> None:
    listed = next(c for c in platform.catalog()["items"] if c["title"] == title)
    assert listed["thumbnail_url"], listed
    platform.uploads["thumbnail_url"] = listed["thumbnail_url"]  # type: ignore[attr-defined]


@then("anyone can fetch the thumbnail from the catalog's link")
def fetches_thumbnail(platform: Platform) -> None:
    url = platform.uploads["thumbnail_url"]  # type: ignore[attr-defined]
    fetched = platform.client.get(local_path(url))  # no Authorization: the link suffices
    assert fetched.status_code == 200 and fetched.data == PNG
    assert fetched.headers["Content-Type"] == "image/png"
    tampered = platform.client.get(local_path(url).replace("sig=", "sig=0"))
    assert tampered.status_code == 403, tampered.get_data(as_text=True)


@when(parsers.re(f'{NAME} uploads the program "(?P<program>[^"]+)" renamed '
                 f'"(?P<filename>[^"]+)" as the thumbnail of {TITLE}'))
def uploads_a_program(platform: Platform, name: str, program: str, filename: str,
                      title: str) -> None:
    _upload(platform, name, title, PROGRAM, filename)


@then(parsers.re(f"{NAME} is told that the file is not a PNG image"))
def not_a_png(platform: Platform, name: str) -> None:
    problem = platform.problem(422)
    assert "image/png" in problem["detail"] and "content" in problem["detail"], problem


@then(parsers.re(f"the upload cannot be used as the thumbnail of {TITLE}"))
def cannot_attach(platform: Platform, title: str) -> None:
    course = platform.course(title)
    answer = platform.call("PATCH", f"/courses/{course.id}", course.teacher,
                           json={"thumbnail_upload_id": _last_upload(platform)["id"]})
    assert answer.status_code == 409, answer.get_data(as_text=True)
    shown = platform.expect(200, platform.call("GET", f"/courses/{course.id}"))
    assert shown["thumbnail_url"] is None


@then("nothing of it is left in the store")
def nothing_left(platform: Platform) -> None:
    from application.files.ports import FileStorage

    upload = _last_upload(platform)
    status = platform.expect(200, platform.call("GET", f"/uploads/{upload['id']}",
                                                platform.course("Compilers").teacher))
    assert status["status"] == "rejected" and status["download"] is None, status
    # The bytes left the store after the refusal's commit, through the outbox.
    key = local_path(upload["upload"]["url"]).split("?")[0].removeprefix("/files/")
    assert platform.injector.get(FileStorage).stat(key) is None


@given(parsers.re(f"{NAME} has uploaded the video of {LESSON} of {TITLE} to the video vault"))
def uploads_to_the_vault(platform: Platform, vdocipher: FakeVdoCipher, name: str, lesson: str,
                         title: str) -> None:
    course = platform.course(title)
    lesson_id = course.lessons[lesson]["id"]
    credentials = platform.expect(201, platform.call(
        "POST", f"/courses/{course.id}/lessons/{lesson_id}/video-upload", name))
    # The teacher's browser posts the file straight to the vault's storage, file last.
    sent = requests.post(credentials["upload_url"], data=credentials["fields"],
                         files={"file": ("welcome.mp4", b"\x00" * 64, "video/mp4")}, timeout=10)
    assert sent.status_code == 201, sent.text
    assert vdocipher.video(credentials["video_id"]).uploaded
    platform.uploads["video_id"] = credentials["video_id"]  # type: ignore[attr-defined]


@given(parsers.re(f'{NAME} has enrolled in {TITLE}'))
def enrolled(platform: Platform, name: str, title: str) -> None:
    platform.expect(201, platform.enroll(name, title))


@when(parsers.re(f"{NAME} opens the lesson {LESSON} of {TITLE}"))
def opens(platform: Platform, name: str, lesson: str, title: str) -> None:
    platform.open_lesson(name, title, lesson)


@then(parsers.re(f"{NAME} gets a one-time playback of the video, valid for 5 minutes"))
def gets_playback(platform: Platform, vdocipher: FakeVdoCipher, name: str) -> None:
    playback = platform.expect(200)["playback"]
    assert playback["kind"] == "vault" and playback["url"] is None, playback
    issued = vdocipher.otps[-1]
    assert (playback["otp"], playback["playbackInfo"]) == (issued.otp, issued.playback_info)
    assert issued.video_id == platform.uploads["video_id"]  # type: ignore[attr-defined]
    assert issued.ttl == 300


@then(parsers.re(f"the video shows {NAME}'s name and email as a watermark"))
def watermarked(platform: Platform, vdocipher: FakeVdoCipher, name: str) -> None:
    person = platform.person(name)
    issued = vdocipher.otps[-1]
    texts = " ".join(str(mark.get("text", "")) for mark in issued.annotate or [])
    assert name in texts and person.email in texts, json.dumps(issued.annotate)


@then(parsers.re(f"{NAME} is asked to enroll first"))
def asked_to_enroll(platform: Platform, name: str) -> None:
    problem = platform.problem(REFUSED)
    assert "enroll" in problem["detail"] and "otp" not in json.dumps(problem), problem


@then(parsers.re(f"no playback was asked of the video vault for {NAME}"))
def no_otp(platform: Platform, vdocipher: FakeVdoCipher, name: str) -> None:
    email = platform.person(name).email
    assert all(email not in json.dumps(otp.annotate) for otp in vdocipher.otps)
    assert len(vdocipher.otps) == 1


@then(parsers.re(f"{NAME} sees (?P<views>\\d+) view of {LESSON} by (?P<viewers>\\d+) student"))
def sees_views(platform: Platform, name: str, views: str, lesson: str, viewers: str) -> None:
    course = platform.course("Compilers")
    lesson_id = course.lessons[lesson]["id"]
    found = platform.expect(200, platform.call("GET", f"/courses/{course.id}/lesson-views", name))
    assert found == [{"lesson_id": lesson_id, "views": int(views), "viewers": int(viewers)}]
