"""The VdoCipher video vault against a local fake of VdoCipher's API: what goes on the wire
(the OTP body, the watermark, the secret header), what comes back (an upload form S3 takes),
and how each failure reaches the core (LookupError, DeliveryFailed, ValueError)."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from adapters.outbound.files.vdocipher import VdoCipherVideoVault
from application.files.ports import Viewer
from application.shared.errors import DeliveryFailed
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.vdocipher_server import FakeVdoCipher

SECRET = "vdo-test-secret-0123456789abcdef"
ADA = Viewer(user_id="u_0123-abcd", name="Ada Lovelace", email="ada@x.org",
             ip_address="203.0.113.9")
FIVE_MINUTES = timedelta(seconds=300)
ADAPTER_LOG = "adapters.outbound.files.vdocipher"
UPLOAD_FIELDS = {"policy", "key", "x-amz-signature", "x-amz-algorithm", "x-amz-date",
                 "x-amz-credential", "success_action_status", "success_action_redirect"}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeVdoCipher]:
    with FakeVdoCipher(api_secret=SECRET) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_fake(fake: FakeVdoCipher) -> None:
    # One server for the module: each test starts with no queued faults and an empty log.
    fake.clear_faults()
    fake.clear_log()


@pytest.fixture
def vault(fake: FakeVdoCipher) -> VdoCipherVideoVault:
    return VdoCipherVideoVault(SECRET, base_url=fake.url, timeout=5)


# ------------------------------------------------------------------ upload ticket
def test_upload_ticket_creates_a_video_in_the_root_folder(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault
) -> None:
    ticket = vault.upload_ticket("  Lesson 1: Vectors  ", None)

    assert re.fullmatch(r"[0-9a-f]{32}", ticket.video_id)
    video = fake.video(ticket.video_id)
    assert (video.title, video.folder_id, video.uploaded) == ("Lesson 1: Vectors", "root", False)
    assert ticket.upload_url == f"{fake.url}/upload"
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("PUT", "/videos")
    assert sent.params == {"title": "Lesson 1: Vectors"}  # stripped, and no folderId
    assert sent.header("Authorization") == f"Apisecret {SECRET}"
    assert sent.header("Accept") == "application/json"


def test_upload_ticket_names_the_folder(fake: FakeVdoCipher, vault: VdoCipherVideoVault) -> None:
    folder = "ca038407e1b04c2c8f1b6a1d2e3f4a5b"
    ticket = vault.upload_ticket("Lesson 2", folder)

    assert fake.video(ticket.video_id).folder_id == folder
    assert fake.requests[-1].params == {"title": "Lesson 2", "folderId": folder}


def test_upload_ticket_is_the_s3_post_form_the_browser_sends(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault
) -> None:
    ticket = vault.upload_ticket("Lesson 3", None)
    policy = fake.video(ticket.video_id).policy

    assert set(ticket.fields) == UPLOAD_FIELDS
    assert ticket.fields["success_action_status"] == "201"
    assert ticket.fields["success_action_redirect"] == ""
    assert {name: ticket.fields[name] for name in policy} == policy
    # What a browser does with it: every field, then the file last.
    source = b"\x00\x00\x00\x18ftypmp42 fake video bytes"
    answer = requests.post(ticket.upload_url, data=dict(ticket.fields),
                           files={"file": ("lesson3.mp4", source, "video/mp4")}, timeout=5)
    assert answer.status_code == 201, answer.text
    assert "<PostResponse>" in answer.text
    video = fake.video(ticket.video_id)
    assert (video.uploaded, video.source, video.filename) == (True, source, "lesson3.mp4")


def test_each_upload_ticket_is_a_new_video(fake: FakeVdoCipher,
                                           vault: VdoCipherVideoVault) -> None:
    first, second = vault.upload_ticket("Same", None), vault.upload_ticket("Same", None)

    assert first.video_id != second.video_id
    assert first.fields["key"] != second.fields["key"]


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_upload_ticket_refuses_a_blank_or_long_title(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault, title: str
) -> None:
    with pytest.raises(ValueError, match="title"):
        vault.upload_ticket(title, None)
    assert fake.requests == []


def test_upload_ticket_refuses_a_folder_id_that_is_not_an_id(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault
) -> None:
    with pytest.raises(ValueError, match="folder"):
        vault.upload_ticket("Lesson", "root&title=other")
    assert fake.requests == []


def test_upload_ticket_with_a_refused_secret(fake: FakeVdoCipher,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=ADAPTER_LOG)
    wrong = VdoCipherVideoVault("not-the-secret", base_url=fake.url, timeout=5)

    with pytest.raises(DeliveryFailed):
        wrong.upload_ticket("Lesson", None)
    assert [r.levelno for r in caplog.records if r.name == ADAPTER_LOG] == [logging.ERROR]
    assert "not-the-secret" not in caplog.text


def test_upload_ticket_without_a_complete_payload_fails(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault
) -> None:
    fake.malform_next(body=json.dumps({"clientPayload": {"policy": "p"}, "videoId": "ab12"}),
                      content_type="application/json")

    with pytest.raises(DeliveryFailed):
        vault.upload_ticket("Lesson", None)


def test_upload_ticket_when_vdocipher_fails(fake: FakeVdoCipher,
                                            vault: VdoCipherVideoVault) -> None:
    fake.fail_next(status=503)
    videos_before = len(fake.videos)

    with pytest.raises(DeliveryFailed):
        vault.upload_ticket("Lesson", None)
    assert len(fake.videos) == videos_before


# ------------------------------------------------------------------ playback
def test_playback_asks_for_a_watermarked_otp(fake: FakeVdoCipher,
                                             vault: VdoCipherVideoVault) -> None:
    video_id = fake.add_video()

    playback = vault.playback(video_id, ADA, FIVE_MINUTES)

    [issued] = fake.otps
    assert (playback.otp, playback.playback_info) == (issued.otp, issued.playback_info)
    assert json.loads(base64.b64decode(playback.playback_info)) == {"videoId": video_id}
    [sent] = fake.requests
    assert (sent.method, sent.path) == ("POST", f"/videos/{video_id}/otp")
    assert sent.params["ttl"] == 300
    annotate = sent.params["annotate"]
    assert isinstance(annotate, str)  # a JSON-encoded string, not an array
    marks = json.loads(annotate)
    assert isinstance(marks, list)
    [moving] = [mark for mark in marks if mark["type"] == "rtext"]
    for shown in (ADA.name, ADA.email, ADA.ip_address):
        assert shown in moving["text"]
    assert sent.params["userId"] == ADA.user_id
    assert fake.invalid_requests == []


def test_playback_sends_the_secret_and_json_headers(fake: FakeVdoCipher,
                                                    vault: VdoCipherVideoVault) -> None:
    vault.playback(fake.add_video(), ADA, FIVE_MINUTES)

    [sent] = fake.requests
    assert sent.header("Authorization") == f"Apisecret {SECRET}"
    assert (sent.header("Content-Type") or "").split(";")[0] == "application/json"
    assert sent.header("Accept") == "application/json"


def test_playback_sends_the_ttl_in_whole_seconds(fake: FakeVdoCipher,
                                                 vault: VdoCipherVideoVault) -> None:
    vault.playback(fake.add_video(), ADA, timedelta(hours=2, milliseconds=700))

    assert fake.requests[-1].params["ttl"] == 7200


@pytest.mark.parametrize("user_id", ["u" * 37, "ada@x.org", "id with spaces"])
def test_playback_leaves_out_a_user_id_vdocipher_would_refuse(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault, user_id: str
) -> None:
    viewer = Viewer(user_id=user_id, name=ADA.name, email=ADA.email,
                    ip_address=ADA.ip_address)

    vault.playback(fake.add_video(), viewer, FIVE_MINUTES)

    assert "userId" not in fake.requests[-1].params
    assert fake.requests[-1].status == 200


def test_watermark_keeps_a_non_latin_name_and_quotes(fake: FakeVdoCipher,
                                                     vault: VdoCipherVideoVault) -> None:
    viewer = Viewer(user_id="u1", name='أحمد "Abu" O\'Neil', email="ahmad@x.org",
                    ip_address="2001:db8::7")

    vault.playback(fake.add_video(), viewer, FIVE_MINUTES)

    annotate = fake.requests[-1].params["annotate"]
    assert "أحمد" in annotate  # the characters themselves, not \u escapes
    [mark] = json.loads(annotate)
    assert viewer.name in mark["text"] and viewer.ip_address in mark["text"]


def test_a_ttl_under_five_minutes_is_refused_before_any_request(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault
) -> None:
    with pytest.raises(ValueError, match="300"):
        vault.playback(fake.add_video(), ADA, timedelta(seconds=299))
    assert fake.requests == []


@pytest.mark.parametrize("video_id", ["../videos", "abc/../../x", "abc?ttl=1", "abc%2Fotp",
                                      "", "a" * 65, "abc\n", "ab cd"])
def test_a_video_id_that_is_not_an_id_never_reaches_the_url(
    fake: FakeVdoCipher, vault: VdoCipherVideoVault, video_id: str
) -> None:
    with pytest.raises(ValueError, match="video id"):
        vault.playback(video_id, ADA, FIVE_MINUTES)
    assert fake.requests == []


def test_an_unknown_video_is_a_lookup_error(fake: FakeVdoCipher,
                                            vault: VdoCipherVideoVault) -> None:
    with pytest.raises(LookupError):
        vault.playback("0123456789abcdef0123456789abcdef", ADA, FIVE_MINUTES)
    assert fake.requests[-1].status == 404


def test_a_refused_secret_fails_with_an_error_line(fake: FakeVdoCipher,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = VdoCipherVideoVault("not-the-secret", base_url=fake.url, timeout=5)

    with pytest.raises(DeliveryFailed) as failed:
        wrong.playback(fake.add_video(), ADA, FIVE_MINUTES)

    assert fake.requests[-1].status == 401
    assert failed.value.retry_after is None
    errors = [r for r in caplog.records if r.name == ADAPTER_LOG and r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "not-the-secret" not in caplog.text and "not-the-secret" not in str(failed.value)


def test_vdocipher_unavailable(fake: FakeVdoCipher, vault: VdoCipherVideoVault,
                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=ADAPTER_LOG)
    fake.fail_next(status=503)

    with pytest.raises(DeliveryFailed) as failed:
        vault.playback(fake.add_video(), ADA, FIVE_MINUTES)

    assert fake.requests[-1].status == 503 and fake.otps == []
    assert failed.value.retry_after is None
    assert [r.levelno for r in caplog.records if r.name == ADAPTER_LOG] == [logging.WARNING]


def test_rate_limited_with_retry_after(fake: FakeVdoCipher, vault: VdoCipherVideoVault) -> None:
    fake.fail_next(status=429, retry_after=7)

    with pytest.raises(DeliveryFailed) as failed:
        vault.playback(fake.add_video(), ADA, FIVE_MINUTES)

    assert failed.value.retry_after == 7


def test_an_error_page_that_is_not_json(fake: FakeVdoCipher, vault: VdoCipherVideoVault) -> None:
    fake.fail_next(status=502, body="<html><h1>502 Bad Gateway</h1></html>")

    with pytest.raises(DeliveryFailed):
        vault.playback(fake.add_video(), ADA, FIVE_MINUTES)


@pytest.mark.parametrize(("body", "content_type"), [
    ("<html>OK</html>", "text/html"),
    ('["otp", "playbackInfo"]', "application/json"),
    ('{"otp": "abc"}', "application/json"),
    ('{"otp": "", "playbackInfo": "e30="}', "application/json"),
])
def test_a_200_we_cannot_use(fake: FakeVdoCipher, vault: VdoCipherVideoVault, body: str,
                             content_type: str) -> None:
    fake.malform_next(body=body, content_type=content_type)

    with pytest.raises(DeliveryFailed):
        vault.playback(fake.add_video(), ADA, FIVE_MINUTES)
    assert fake.requests[-1].status == 200


def test_no_answer_in_time(fake: FakeVdoCipher) -> None:
    impatient = VdoCipherVideoVault(SECRET, base_url=fake.url, timeout=0.2)
    fake.delay_next(1, 2.0)

    with pytest.raises(DeliveryFailed):
        impatient.playback(fake.add_video(), ADA, FIVE_MINUTES)


def test_nothing_listening(fake: FakeVdoCipher) -> None:
    unreachable = VdoCipherVideoVault(SECRET, base_url=f"http://127.0.0.1:{closed_port()}/api",
                                      timeout=5)

    with pytest.raises(DeliveryFailed):
        unreachable.playback(fake.add_video(), ADA, FIVE_MINUTES)


def test_no_personal_data_or_secret_in_the_logs(fake: FakeVdoCipher, vault: VdoCipherVideoVault,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    video_id = fake.add_video()
    vault.playback(video_id, ADA, FIVE_MINUTES)
    for status in (503, 429, 400):
        fake.fail_next(status=status, retry_after=3)
        with pytest.raises(DeliveryFailed):
            vault.playback(video_id, ADA, FIVE_MINUTES)
    fake.delay_next(1, 2.0)
    for failing in (VdoCipherVideoVault(SECRET, base_url=fake.url, timeout=0.2),
                    VdoCipherVideoVault(SECRET, base_url=f"http://127.0.0.1:{closed_port()}"),
                    VdoCipherVideoVault("not-the-secret", base_url=fake.url)):
        with pytest.raises(DeliveryFailed):
            failing.playback(video_id, ADA, FIVE_MINUTES)

    assert any(r.name == ADAPTER_LOG for r in caplog.records)  # there were lines to check
    logged = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    for private in (ADA.name, ADA.email, ADA.ip_address, SECRET, "not-the-secret"):
        assert private not in logged


def test_the_base_url_must_be_https_beyond_localhost() -> None:
    with pytest.raises(ValueError, match="https"):
        VdoCipherVideoVault(SECRET, base_url="http://dev.vdocipher.com/api")


# ------------------------------------------------------------------ the fake's own rules
def test_the_fake_refuses_annotate_sent_as_an_array(fake: FakeVdoCipher) -> None:
    # Guards the watermark assertions above: the fake does tell a string from an array.
    video_id = fake.add_video()
    answer = requests.post(
        f"{fake.url}/videos/{video_id}/otp", timeout=5,
        headers={"Authorization": f"Apisecret {SECRET}"},
        json={"ttl": 300, "annotate": [{"type": "rtext", "text": "Ada"}]})

    assert answer.status_code == 400
    assert "annotate" in answer.json()["message"]
    assert fake.invalid_requests == fake.requests
