"""The ``FileStorage`` contract, run against both stores over real HTTP: S3 against moto's
S3 server, the local folder against eduport's own ``/files`` blueprint on a werkzeug server,
both on 127.0.0.1. A presigned link is used the way a browser uses it: ``requests`` with the
ticket's headers, no SDK.

Then what each store signs: the S3 URL's SigV4 parameters (moto enforces neither the signed
content type, nor a size, nor the expiry, so those are read off the URL), and the local
link's refusals, which eduport enforces itself."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from werkzeug.http import parse_options_header

from adapters.inbound.http.local_files import local_files_blueprint
from adapters.outbound.files.local import LocalFileStorage
from adapters.outbound.files.s3 import S3FileStorage
from application.files.ports import FileStorage, StoredObject
from application.shared.errors import DeliveryFailed
from tests.contracts import Contract
from tests.vendor_servers.base import LocalServer, closed_port
from tests.vendor_servers.moto_s3 import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, MotoS3Server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

FILES = Contract(FileStorage, {"s3": S3FileStorage, "local": LocalFileStorage})

START = datetime(2031, 3, 4, 9, 30, 15, tzinfo=UTC)
SECRET = b"local-files-contract-secret-0123456789"
LIFETIME = timedelta(minutes=15)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HEX = "0123456789abcdef" * 2


class MutableClock:
    """eduport's clock, moved by the test: the local store's expiry is read from it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class StoreUnderTest:
    storage: Any
    name: str
    now: Callable[[], datetime]  # the clock the store signs with
    root: Path | None = None  # the local store's folder
    clock: MutableClock | None = None  # the local store's clock


def new_key(prefix: str = "thumbs") -> str:
    return f"{prefix}/{uuid.uuid4().hex}"


def params(*names: str) -> list[Any]:
    return [p for p in FILES.params() if (p if isinstance(p, str) else p.values[0]) in names]


def s3_store(moto: MotoS3Server, region: str = REGION) -> StoreUnderTest:
    bucket = moto.create_bucket(region=region)
    storage = FILES.build("s3", lambda: S3FileStorage(
        bucket, endpoint_url=moto.url, region=region, access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY))
    return StoreUnderTest(storage, "s3", lambda: datetime.now(UTC))


@contextmanager
def local_store(root: Path) -> Iterator[StoreUnderTest]:
    clock = MutableClock(START)
    # The store needs the server's URL and the server the store's app: bind the app late.
    apps: list[WSGIApplication] = []

    def late(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return apps[0](environ, start_response)

    with LocalServer(late) as server:
        storage = FILES.build("local", lambda: LocalFileStorage(root, server.url, SECRET, clock))
        app = Flask("local-files-contract")
        app.register_blueprint(local_files_blueprint(storage))
        apps.append(app)
        yield StoreUnderTest(storage, "local", clock.now, root=root, clock=clock)


@pytest.fixture(params=FILES.params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreUnderTest]:
    if request.param == "s3":
        yield s3_store(request.getfixturevalue("moto_s3"))
        return
    with local_store(tmp_path / "files") as built:
        yield built


@pytest.fixture(params=params("local"))
def local(tmp_path: Path) -> Iterator[StoreUnderTest]:
    with local_store(tmp_path / "files") as built:
        yield built


@pytest.fixture(params=params("s3"))
def s3(moto_s3: MotoS3Server) -> StoreUnderTest:
    return s3_store(moto_s3)


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    """A plain HTTP client, as a browser would be; no proxy from the environment."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# --- both stores --------------------------------------------------------------------------


def test_file_storage_contract_a_presigned_put_uploads_the_bytes(
    store: StoreUnderTest, http: requests.Session,
) -> None:
    key = new_key()
    ticket = store.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    assert (ticket.method, dict(ticket.headers)) == ("PUT", {"Content-Type": "image/png",
                                                           "If-None-Match": "*"})

    answer = http.put(ticket.url, data=PNG, headers=ticket.headers, timeout=10)

    assert answer.status_code in (200, 204), answer.text
    assert store.storage.stat(key) == StoredObject(key, len(PNG), "image/png")
    assert store.storage.read_head(key, 8) == PNG[:8]


@pytest.mark.parametrize("lifetime", [timedelta(seconds=1), LIFETIME, timedelta(days=7)],
                         ids=str)
def test_file_storage_contract_a_ticket_lasts_the_lifetime_asked_for(
    store: StoreUnderTest, lifetime: timedelta,
) -> None:
    before = store.now()
    ticket = store.storage.upload_url(new_key(), "image/png", 10, lifetime)
    after = store.now()
    # Whole seconds, never longer than asked.
    assert ticket.expires_at.utcoffset() == timedelta(0)
    assert before + lifetime - timedelta(seconds=1) <= ticket.expires_at <= after + lifetime
    assert ticket.expires_at.microsecond == 0


DISPOSITIONS = [
    (True, None, "inline"),
    (True, "notes.pdf", "inline; filename=\"notes.pdf\"; filename*=UTF-8''notes.pdf"),
    (False, "Résumé ü.pdf",
     "attachment; filename=\"Resume u.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%C3%BC.pdf"),
    (False, 'a "b"/c.pdf',
     "attachment; filename=\"a _b__c.pdf\"; filename*=UTF-8''a%20%22b%22%2Fc.pdf"),
]


@pytest.mark.parametrize(("inline", "filename", "disposition"), DISPOSITIONS,
                         ids=["inline", "inline-named", "attachment-non-ascii", "quotes-slash"])
def test_file_storage_contract_a_presigned_get_serves_the_bytes_as_asked(
    store: StoreUnderTest, http: requests.Session, inline: bool, filename: str | None,
    disposition: str,
) -> None:
    key = new_key("cvs")
    store.storage.put(key, PNG, "application/pdf")

    answer = http.get(store.storage.download_url(key, LIFETIME, filename, inline), timeout=10)

    assert answer.status_code == 200
    assert answer.content == PNG
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == disposition
    kind, options = parse_options_header(answer.headers["Content-Disposition"])
    assert kind == ("inline" if inline else "attachment")
    assert options.get("filename") == filename  # filename* read back: the exact name


def test_file_storage_contract_a_missing_object_is_none_a_lookup_error_and_a_404(
    store: StoreUnderTest, http: requests.Session,
) -> None:
    key = new_key()
    assert store.storage.stat(key) is None
    with pytest.raises(LookupError):
        store.storage.read_head(key, 16)
    with pytest.raises(LookupError):
        store.storage.read_head(key, 0)
    answer = http.get(store.storage.download_url(key, LIFETIME, None, True), timeout=10)
    # Real S3 answers 403 AccessDenied to a caller without s3:ListBucket; moto answers a
    # presigned GET of a missing key that names a response-content-disposition with 403
    # SignatureDoesNotMatch (it reads the parameter as a Content-Disposition to check).
    assert answer.status_code in ((404,) if store.name == "local" else (403, 404))


def test_file_storage_contract_put_stores_what_is_read_back(store: StoreUnderTest) -> None:
    key = new_key("reports")
    store.storage.put(key, b"first version", "text/plain")
    store.storage.put(key, PNG, "image/png")
    store.storage.put(key, PNG, "image/png")  # the same call twice: the same object

    assert store.storage.stat(key) == StoredObject(key, len(PNG), "image/png")
    assert store.storage.read_head(key, 4) == PNG[:4]
    assert store.storage.read_head(key, 10**6) == PNG  # fewer bytes when it is shorter
    assert store.storage.read_head(key, 0) == b""


def test_file_storage_contract_an_empty_object_reads_as_no_bytes(store: StoreUnderTest) -> None:
    key = new_key()
    store.storage.put(key, b"", "text/plain")
    assert store.storage.stat(key) == StoredObject(key, 0, "text/plain")
    assert store.storage.read_head(key, 16) == b""  # S3 answers 416 to any range of it


def test_file_storage_contract_delete_is_idempotent(store: StoreUnderTest) -> None:
    key, other = new_key(), new_key()
    store.storage.delete(key)  # never stored
    store.storage.put(key, PNG, "image/png")
    store.storage.put(other, PNG, "image/png")

    store.storage.delete(key)
    store.storage.delete(key)

    assert store.storage.stat(key) is None
    assert store.storage.stat(other) is not None  # only that key


BAD_KEYS = ["../x", "thumbs/../../etc", f"thumbs/../{HEX}", f"Thumbs/{HEX}",
            f"thumbs/{HEX.upper()}", HEX, f"/thumbs/{HEX}", "/etc/passwd", f"thumbs/{HEX}/",
            f"thumbs/{HEX}\n", f"thumbs/{HEX[:-1]}", f"a/b/{HEX}", "", f"thumbs\\{HEX}",
            f"thumbs/{HEX}.json"]
CALLS: dict[str, Callable[[Any, str], object]] = {
    "upload_url": lambda s, k: s.upload_url(k, "image/png", 10, LIFETIME),
    "download_url": lambda s, k: s.download_url(k, LIFETIME, "x.png", False),
    "stat": lambda s, k: s.stat(k),
    "read_head": lambda s, k: s.read_head(k, 16),
    "put": lambda s, k: s.put(k, b"x", "text/plain"),
    "delete": lambda s, k: s.delete(k),
}


@pytest.mark.parametrize("method", list(CALLS))
@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_file_storage_contract_a_key_outside_the_rule_is_refused_everywhere(
    store: StoreUnderTest, method: str, key: str,
) -> None:
    with pytest.raises(ValueError):
        CALLS[method](store.storage, key)
    if store.root is not None:
        assert not any(path.is_file() for path in store.root.rglob("*"))


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(milliseconds=999),
                                      timedelta(seconds=-5), timedelta(days=7, seconds=1)],
                         ids=str)
def test_file_storage_contract_a_link_lives_from_one_second_to_seven_days(
    store: StoreUnderTest, lifetime: timedelta,
) -> None:
    with pytest.raises(ValueError):
        store.storage.upload_url(new_key(), "image/png", 10, lifetime)
    with pytest.raises(ValueError):
        store.storage.download_url(new_key(), lifetime, None, True)


@pytest.mark.parametrize("content_type", ["", "image/png\r\nX-Evil: 1", " image/png",
                                          "image/pngé"], ids=repr)
def test_file_storage_contract_a_content_type_that_is_no_header_is_refused(
    store: StoreUnderTest, content_type: str,
) -> None:
    with pytest.raises(ValueError):
        store.storage.upload_url(new_key(), content_type, 10, LIFETIME)
    with pytest.raises(ValueError):
        store.storage.put(new_key(), b"x", content_type)


def test_file_storage_contract_a_size_is_bytes_zero_or_more(store: StoreUnderTest) -> None:
    with pytest.raises(ValueError):
        store.storage.upload_url(new_key(), "image/png", -1, LIFETIME)
    assert store.storage.upload_url(new_key(), "image/png", 0, LIFETIME).method == "PUT"


# --- S3: what is signed, and failures ------------------------------------------------------


@pytest.mark.parametrize("region", [REGION, "us-east-1", "eu-central-1"])
@pytest.mark.parametrize("lifetime", [timedelta(seconds=1), LIFETIME, timedelta(days=7)],
                         ids=str)
def test_s3_an_upload_url_is_sigv4_and_signs_the_content_type_and_lifetime(
    moto_s3: MotoS3Server, http: requests.Session, region: str, lifetime: timedelta,
) -> None:
    """moto takes a PUT with another Content-Type, of any size, after the expiry (real S3
    and R2 refuse it): what protects eduport there is what is signed, read here off the URL,
    and the completion check that stats the object before using it."""
    store = s3_store(moto_s3, region)
    key = new_key()

    ticket = store.storage.upload_url(key, "image/png", len(PNG), lifetime)

    query = query_of(ticket.url)
    # us-east-1 is the trap: boto3's default there is SigV2 (AWSAccessKeyId, Signature).
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert not {"AWSAccessKeyId", "Signature", "Expires"} & query.keys()
    # The type, the length and write-once are signed: real S3 and R2 refuse a PUT that
    # differs (403) or a second one on the same key (412).
    assert {"content-type", "content-length", "if-none-match"} <= set(
        query["X-Amz-SignedHeaders"].split(";"))
    assert query["X-Amz-Expires"] == str(int(lifetime.total_seconds()))
    assert query["X-Amz-Credential"].endswith(f"/{region}/s3/aws4_request")
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert ticket.expires_at <= signed_at + lifetime  # the ticket never outlives the URL
    # Path-style, on the endpoint: the bucket is the first segment.
    assert urlsplit(ticket.url).path == f"/{urlsplit(ticket.url).path.split('/')[1]}/{key}"
    if lifetime > timedelta(seconds=1):  # a 1 s URL may lapse on a slow machine
        answer = http.put(ticket.url, data=PNG, headers=ticket.headers, timeout=10)
        assert answer.status_code == 200
        assert store.storage.stat(key) == StoredObject(key, len(PNG), "image/png")


def test_s3_a_download_url_is_sigv4_and_signs_the_disposition(s3: StoreUnderTest) -> None:
    url = s3.storage.download_url(new_key(), LIFETIME, "Résumé.pdf", False)
    query = query_of(url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == str(int(LIFETIME.total_seconds()))
    assert query["response-content-disposition"] == (
        "attachment; filename=\"Resume.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf")


@pytest.mark.parametrize("method", ["stat", "read_head", "put", "delete"])
def test_s3_a_store_that_cannot_be_reached_is_a_delivery_failure(
    method: str, caplog: pytest.LogCaptureFixture,
) -> None:
    storage = FILES.build("s3", lambda: S3FileStorage(
        "eduport-files", endpoint_url=f"http://127.0.0.1:{closed_port()}", region=REGION,
        access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY,
        connect_timeout=1, read_timeout=1))
    key = new_key()

    with caplog.at_level(logging.WARNING, logger="adapters.outbound.files.s3"), \
            pytest.raises(DeliveryFailed) as failed:
        CALLS[method](storage, key)

    assert SECRET_ACCESS_KEY not in str(failed.value)
    assert [r.levelname for r in caplog.records if r.name.endswith("files.s3")] == ["WARNING"]
    # Signing needs no network.
    assert storage.upload_url(key, "image/png", 1, LIFETIME).url.startswith("http://127.0.0.1")
    assert storage.download_url(key, LIFETIME, None, True).startswith("http://127.0.0.1")


@pytest.mark.parametrize("method", ["read_head", "put"])
def test_s3_a_bucket_the_store_does_not_have_is_a_delivery_failure_logged_as_error(
    moto_s3: MotoS3Server, method: str, caplog: pytest.LogCaptureFixture,
) -> None:
    storage = FILES.build("s3", lambda: S3FileStorage(
        f"missing-{uuid.uuid4().hex[:12]}", endpoint_url=moto_s3.url, region=REGION,
        access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY))

    with caplog.at_level(logging.WARNING, logger="adapters.outbound.files.s3"), \
            pytest.raises(DeliveryFailed, match="NoSuchBucket"):
        CALLS[method](storage, new_key())

    errors = [r for r in caplog.records if r.name.endswith("files.s3")]
    assert [r.levelname for r in errors] == ["ERROR"]
    assert SECRET_ACCESS_KEY not in errors[0].getMessage()


# --- local: what the link allows ------------------------------------------------------------


def with_query(url: str, change: Callable[[dict[str, str]], object], path: str | None = None
               ) -> str:
    parts = urlsplit(url)
    query = query_of(url)
    change(query)
    return urlunsplit(parts._replace(query=urlencode(query), path=path or parts.path))


def assert_nothing_stored(local: StoreUnderTest, *keys: str) -> None:
    for key in keys:
        assert local.storage.stat(key) is None
    assert local.root is not None
    assert [p for p in local.root.rglob("*") if p.is_file()] == []  # no temp file either


def assert_refused(answer: requests.Response, status: int, reason: str = "") -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status
    assert reason in body.get("detail", "")


def flip(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


OTHER_KEY = f"thumbs/{'f' * 32}"
UPLOAD_TAMPERING: dict[str, Callable[[str], str]] = {
    "expires-later": lambda url: with_query(
        url, lambda q: q.update(expires=str(int(q["expires"]) + 3600))),
    "expires-sooner": lambda url: with_query(
        url, lambda q: q.update(expires=str(int(q["expires"]) - 1))),
    "content-type": lambda url: with_query(url, lambda q: q.update(ct="text/html")),
    "size": lambda url: with_query(url, lambda q: q.update(size=str(len(PNG) + 1))),
    "signature": lambda url: with_query(url, lambda q: q.update(sig=flip(q["sig"]))),
    "signature-dropped": lambda url: with_query(url, lambda q: q.pop("sig")),
    "signature-empty": lambda url: with_query(url, lambda q: q.update(sig="")),
    "parameter-dropped": lambda url: with_query(url, lambda q: q.pop("size")),
    "parameter-added": lambda url: with_query(url, lambda q: q.update(filename="x.html")),
    "key": lambda url: with_query(url, lambda q: None, path=f"/files/{OTHER_KEY}"),
}


@pytest.mark.parametrize("tampering", list(UPLOAD_TAMPERING))
def test_local_an_upload_link_changed_in_any_part_is_refused(
    local: StoreUnderTest, http: requests.Session, tampering: str,
) -> None:
    key = new_key()
    ticket = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    url = UPLOAD_TAMPERING[tampering](ticket.url)
    signed = query_of(url).get("ct", "image/png")
    size = int(query_of(url).get("size", len(PNG)))
    body = PNG + b"\0" * (size - len(PNG))  # the body the changed link asks for

    answer = http.put(url, data=body, headers={"Content-Type": signed}, timeout=10)

    assert_refused(answer, 403)
    assert_nothing_stored(local, key, OTHER_KEY)


def test_local_a_repeated_parameter_is_refused(local: StoreUnderTest,
                                               http: requests.Session) -> None:
    key = new_key()
    ticket = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    answer = http.put(f"{ticket.url}&ct=text%2Fhtml", data=PNG,
                      headers={"Content-Type": "text/html"}, timeout=10)
    assert_refused(answer, 400)
    assert_nothing_stored(local, key)


def test_local_an_upload_link_works_until_it_expires_and_no_longer(
    local: StoreUnderTest, http: requests.Session,
) -> None:
    assert local.clock is not None
    late, on_time = new_key(), new_key()
    late_ticket = local.storage.upload_url(late, "image/png", len(PNG), LIFETIME)
    on_time_ticket = local.storage.upload_url(on_time, "image/png", len(PNG), LIFETIME)

    local.clock.advance(LIFETIME)
    answer = http.put(on_time_ticket.url, data=PNG, headers=on_time_ticket.headers, timeout=10)
    assert answer.status_code == 204
    local.clock.advance(timedelta(seconds=1))
    answer = http.put(late_ticket.url, data=PNG, headers=late_ticket.headers, timeout=10)

    assert_refused(answer, 403, "the link has expired")
    assert local.storage.stat(late) is None
    assert local.storage.stat(on_time) is not None


@pytest.mark.parametrize("content_type", ["image/jpeg", "IMAGE/PNG", "image/png; charset=x",
                                          "image/png ", None], ids=repr)
def test_local_another_content_type_than_the_signed_one_is_refused(
    local: StoreUnderTest, http: requests.Session, content_type: str | None,
) -> None:
    key = new_key()
    ticket = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    headers = {} if content_type is None else {"Content-Type": content_type}

    answer = http.put(ticket.url, data=PNG, headers=headers, timeout=10)

    assert_refused(answer, 415, "image/png")
    assert_nothing_stored(local, key)


@pytest.mark.parametrize(("body", "status"), [
    (PNG + b"!", 413), (PNG[:-1], 400), (b"", 400), (iter([PNG]), 411),
], ids=["longer", "shorter", "empty", "no-length"])
def test_local_a_body_of_another_size_than_the_signed_one_is_refused(
    local: StoreUnderTest, http: requests.Session, body: bytes | Iterator[bytes], status: int,
) -> None:
    key = new_key()
    ticket = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)

    answer = http.put(ticket.url, data=body, headers=ticket.headers, timeout=10)

    assert_refused(answer, status)
    assert_nothing_stored(local, key)


def test_local_a_refused_upload_leaves_the_stored_object_as_it_was(
    local: StoreUnderTest, http: requests.Session,
) -> None:
    key = new_key()
    local.storage.put(key, b"kept", "text/plain")
    ticket = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)

    answer = http.put(ticket.url, data=PNG + b"!", headers=ticket.headers, timeout=10)

    assert answer.status_code == 413
    assert local.storage.stat(key) == StoredObject(key, 4, "text/plain")
    assert local.storage.read_head(key, 10) == b"kept"


def test_local_a_malformed_key_in_the_link_is_a_bad_request(
    local: StoreUnderTest, http: requests.Session,
) -> None:
    ticket = local.storage.upload_url(new_key(), "image/png", len(PNG), LIFETIME)
    url = with_query(ticket.url, lambda q: None, path=f"/files/Thumbs/{HEX}")
    assert_refused(http.put(url, data=PNG, headers=ticket.headers, timeout=10), 400,
                   "malformed")
    assert_refused(http.get(url, timeout=10), 400, "malformed")
    assert_nothing_stored(local)


DOWNLOAD_TAMPERING: dict[str, Callable[[str], str]] = {
    "expires": lambda url: with_query(
        url, lambda q: q.update(expires=str(int(q["expires"]) + 3600))),
    "disposition": lambda url: with_query(url, lambda q: q.update(disposition="inline")),
    "filename": lambda url: with_query(url, lambda q: q.update(filename="evil.html")),
    "filename-dropped": lambda url: with_query(url, lambda q: q.pop("filename")),
    "signature": lambda url: with_query(url, lambda q: q.update(sig=flip(q["sig"]))),
    "signature-dropped": lambda url: with_query(url, lambda q: q.pop("sig")),
    "key": lambda url: with_query(url, lambda q: None, path=f"/files/{OTHER_KEY}"),
}


@pytest.mark.parametrize("tampering", list(DOWNLOAD_TAMPERING))
def test_local_a_download_link_changed_in_any_part_is_refused(
    local: StoreUnderTest, http: requests.Session, tampering: str,
) -> None:
    key = new_key()
    local.storage.put(key, PNG, "image/png")
    local.storage.put(OTHER_KEY, b"another's", "image/png")
    url = local.storage.download_url(key, LIFETIME, "photo.png", False)

    answer = http.get(DOWNLOAD_TAMPERING[tampering](url), timeout=10)

    assert_refused(answer, 403)


def test_local_a_link_serves_only_the_method_it_was_signed_for(
    local: StoreUnderTest, http: requests.Session,
) -> None:
    key = new_key()
    local.storage.put(key, PNG, "image/png")
    upload = local.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    download = local.storage.download_url(key, LIFETIME, None, True)

    assert_refused(http.get(upload.url, timeout=10), 403)
    assert_refused(http.put(download, data=PNG, headers=upload.headers, timeout=10), 403)


def test_local_a_download_link_expires_and_is_cached_privately_until_then(
    local: StoreUnderTest, http: requests.Session,
) -> None:
    assert local.clock is not None
    key = new_key()
    local.storage.put(key, PNG, "image/png")
    url = local.storage.download_url(key, LIFETIME, None, True)

    first = http.get(url, timeout=10)
    local.clock.advance(timedelta(seconds=100))
    later = http.get(url, timeout=10)
    local.clock.advance(LIFETIME)
    expired = http.get(url, timeout=10)

    seconds = int(LIFETIME.total_seconds())
    assert first.headers["Cache-Control"] == f"private, max-age={seconds}"
    assert later.headers["Cache-Control"] == f"private, max-age={seconds - 100}"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert later.content == PNG
    assert_refused(expired, 403, "the link has expired")


def test_file_storage_contract_an_upload_link_writes_once(store: StoreUnderTest,
                                            http: requests.Session) -> None:
    """Bytes checked at completion cannot be swapped afterwards on the same link: the second
    PUT is refused with 412 (S3's and R2's answer to ``If-None-Match: *``) and the first
    bytes stay."""
    key = new_key()
    ticket = store.storage.upload_url(key, "image/png", len(PNG), LIFETIME)
    assert http.put(ticket.url, data=PNG, headers=ticket.headers, timeout=10).status_code in (
        200, 204)
    other = b"MZ" + PNG[2:]
    again = http.put(ticket.url, data=other, headers=ticket.headers, timeout=10)
    assert again.status_code == 412, again.text
    assert store.storage.read_head(key, len(PNG)) == PNG
