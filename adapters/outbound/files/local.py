"""The embedded object store: a folder on disk, with HMAC-signed, expiring URLs that eduport
serves itself (``adapters.inbound.http.local_files``). The default when no S3 or R2 bucket is
configured, and the store of a single-machine install.

Layout: ``root/<prefix>/<32 hex>`` holds an object's bytes and ``<32 hex>.json`` beside it
its content type and size. The bytes file is the commit point: it appears, whole, by
``os.replace`` of a temporary file in the same folder, after its sidecar, so a half-written
upload is never visible.

A link is ``{base_url}/files/{key}?expires=..&..&sig=..``: the signature is HMAC-SHA256 over
the method, the key and every other parameter, so no part of a link can be changed, added or
dropped, and an upload link cannot serve as a download link. An upload link writes once
(as S3's ``If-None-Match: *``): bytes checked at completion are never swapped."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlencode

from adapters.outbound.files.common import (
    check_content_type,
    checked_key,
    content_disposition,
    lifetime_seconds,
)
from application.files.ports import StoredObject, UploadTicket
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_DEFAULT_TYPE = "application/octet-stream"
_UPLOAD_PARAMS = frozenset({"expires", "ct", "size"})
_DOWNLOAD_PARAMS = frozenset({"expires", "disposition", "filename"})


class LinkRefused(Exception):
    """A request on a local link that the store will not carry out: ``status`` is the HTTP
    answer, ``reason`` says why in words a client may see (never the secret or signature)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class LocalDownload:
    """What the blueprint serves for a valid download link: the file at ``path``, its
    ``content_type`` and ``size``, the ``disposition`` header value signed into the link and
    ``max_age``, the seconds the link has left (for ``Cache-Control``)."""

    path: Path
    content_type: str
    size: int
    disposition: str
    max_age: int


class LocalFileStorage:
    name = "local"

    def __init__(self, root: Path, base_url: str, secret: bytes, clock: Clock) -> None:
        if len(secret) < 16:
            raise ValueError("the local file store's secret needs at least 16 bytes")
        # Absolute, so a path handed to send_file never depends on the working folder.
        self._root = Path(root).absolute()
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._clock = clock

    # FileStorage ----------------------------------------------------------------------------
    def upload_url(self, key: str, content_type: str, size: int,
                   expires_in: timedelta) -> UploadTicket:
        checked_key(key)
        check_content_type(content_type)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("size is a whole number of bytes, 0 or more")
        expires = self._expiry(expires_in)
        url = self._signed_url("PUT", key, {"expires": str(expires), "ct": content_type,
                                            "size": str(size)})
        # The same headers as S3's: a link writes one object once (see _commit).
        return UploadTicket(url, "PUT", {"Content-Type": content_type, "If-None-Match": "*"},
                            datetime.fromtimestamp(expires, UTC))

    def download_url(self, key: str, expires_in: timedelta, filename: str | None,
                     inline: bool) -> str:
        checked_key(key)
        params = {"expires": str(self._expiry(expires_in)),
                  "disposition": "inline" if inline else "attachment"}
        if filename:
            params["filename"] = filename
        return self._signed_url("GET", key, params)

    def stat(self, key: str) -> StoredObject | None:
        data, meta = self._paths(checked_key(key))
        try:
            size = data.stat().st_size
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _failed("stat", error) from error
        content_type = _read_meta(meta).get("content_type")
        return StoredObject(key, size, content_type if isinstance(content_type, str) else None)

    def read_head(self, key: str, length: int) -> bytes:
        data, _ = self._paths(checked_key(key))
        if length < 0:
            raise ValueError("length is 0 or more")
        try:
            with data.open("rb") as source:
                return source.read(length)
        except FileNotFoundError:
            raise LookupError(f"no object at {key}") from None
        except OSError as error:
            raise _failed("read", error) from error

    def put(self, key: str, data: bytes, content_type: str) -> None:
        checked_key(key)
        check_content_type(content_type)
        try:
            with self._staged(key) as (temp, sink):
                sink.write(data)
                self._commit(key, temp, sink, content_type, len(data), once=False)
        except OSError as error:
            raise _failed("write", error) from error

    def delete(self, key: str) -> None:
        data, meta = self._paths(checked_key(key))
        try:
            # The bytes first: once they are gone the object is gone, sidecar or not.
            data.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
        except OSError as error:
            raise _failed("delete", error) from error

    # what the HTTP blueprint calls ----------------------------------------------------------
    def accept_upload(self, key: str, query: Mapping[str, str], content_type: str | None,
                      body: IO[bytes], content_length: int | None) -> None:
        """Stores the body of a PUT on an upload link, or raises ``LinkRefused`` and writes
        nothing. Reads at most the signed size plus one byte."""
        params = self._verified("PUT", key, query, _UPLOAD_PARAMS)
        try:
            signed_type, size = params["ct"], int(params["size"])
        except (KeyError, ValueError):
            raise LinkRefused(403, "the link is incomplete") from None
        if content_type != signed_type:
            raise LinkRefused(415, f"this link takes Content-Type {signed_type} only")
        if content_length is None:
            raise LinkRefused(411, "send the body with a Content-Length")
        if content_length > size:
            raise LinkRefused(413, f"this link takes {size} bytes")
        if content_length < size:
            raise LinkRefused(400, f"this link takes {size} bytes; the body is shorter")
        try:
            with self._staged(key) as (temp, sink):
                received = _copy(body, sink, size + 1)
                if received > size:
                    raise LinkRefused(413, f"this link takes {size} bytes")
                if received < size:
                    raise LinkRefused(400, f"this link takes {size} bytes; the body is shorter")
                self._commit(key, temp, sink, signed_type, size, once=True)
        except OSError as error:
            raise _failed("write", error) from error

    def open_download(self, key: str, query: Mapping[str, str]) -> LocalDownload:
        """What a GET on a download link serves, or ``LinkRefused`` (404 when the link is
        good but there is no object)."""
        params = self._verified("GET", key, query, _DOWNLOAD_PARAMS)
        disposition = params.get("disposition")
        if disposition not in ("inline", "attachment"):
            raise LinkRefused(403, "the link is incomplete")
        found = self.stat(key)
        if found is None:
            raise LinkRefused(404, "there is no file at this link")
        data, _ = self._paths(key)
        max_age = max(0, int(params["expires"]) - math.floor(self._clock.now().timestamp()))
        return LocalDownload(data, found.content_type or _DEFAULT_TYPE, found.size,
                             content_disposition(disposition == "inline",
                                                 params.get("filename")), max_age)

    # signing --------------------------------------------------------------------------------
    def _expiry(self, expires_in: timedelta) -> int:
        seconds = lifetime_seconds(expires_in)
        # Whole seconds, rounded down: the link never outlives what was asked for.
        return math.floor(self._clock.now().timestamp()) + seconds

    def _signature(self, method: str, key: str, params: Mapping[str, str]) -> str:
        # A JSON list is unambiguous: no value can be crafted to read as another parameter.
        canonical = json.dumps([method, key, sorted(params.items())], ensure_ascii=False,
                               separators=(",", ":"))
        return hmac.new(self._secret, canonical.encode(), hashlib.sha256).hexdigest()

    def _signed_url(self, method: str, key: str, params: dict[str, str]) -> str:
        query = urlencode({**params, "sig": self._signature(method, key, params)},
                          quote_via=quote)
        return f"{self._base_url}/files/{key}?{query}"

    def _verified(self, method: str, key: str, query: Mapping[str, str],
                  allowed: frozenset[str]) -> dict[str, str]:
        try:
            checked_key(key)
        except ValueError:
            raise LinkRefused(400, "the file key is malformed") from None
        given = query.get("sig")
        if not given:
            raise LinkRefused(403, "the link is not signed")
        params = {name: value for name, value in query.items() if name != "sig"}
        expected = self._signature(method, key, params)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise LinkRefused(403, "the link's signature does not match")
        if not params.keys() <= allowed:
            raise LinkRefused(403, "the link is incomplete")
        try:
            expires = int(params["expires"])
        except (KeyError, ValueError):
            raise LinkRefused(403, "the link is incomplete") from None
        if self._clock.now().timestamp() > expires:
            raise LinkRefused(403, "the link has expired")
        return params

    # the folder -----------------------------------------------------------------------------
    def _paths(self, key: str) -> tuple[Path, Path]:
        prefix, name = key.split("/")
        folder = self._root / prefix
        return folder / name, folder / f"{name}.json"

    @contextlib.contextmanager
    def _staged(self, key: str) -> Iterator[tuple[Path, IO[bytes]]]:
        """A temporary file beside the object, removed unless ``_commit`` moved it in."""
        data, _ = self._paths(key)
        data.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=data.parent, prefix=".upload-", suffix=".part")
        temp = Path(name)
        try:
            with os.fdopen(handle, "wb") as sink:
                yield temp, sink
        finally:
            temp.unlink(missing_ok=True)

    def _commit(self, key: str, temp: Path, sink: IO[bytes], content_type: str,
                size: int, once: bool) -> None:
        """``once``: an upload link's write, which may happen once per key (as S3's
        ``If-None-Match: *``): bytes checked at completion are never swapped afterwards."""
        data, meta = self._paths(key)
        sink.flush()
        os.fsync(sink.fileno())
        # The sidecar first: by the time the bytes are visible, their type is there. Its
        # exclusive creation is what makes an upload link's write happen once.
        content = json.dumps({"content_type": content_type, "size": size}).encode()
        if once:
            try:
                _write_exclusively(meta, content)
            except FileExistsError:
                raise LinkRefused(412, "a file was uploaded on this link already") from None
        else:
            _write_atomically(meta, content)
        os.replace(temp, data)



def _copy(body: IO[bytes], sink: IO[bytes], limit: int) -> int:
    received = 0
    while received < limit:
        chunk = body.read(min(_CHUNK, limit - received))
        if not chunk:
            break
        sink.write(chunk)
        received += len(chunk)
    return received


def _read_meta(path: Path) -> dict[str, object]:
    try:
        meta = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}  # an object without its sidecar still is an object, of unknown type
    return meta if isinstance(meta, dict) else {}


def _write_exclusively(path: Path, content: bytes) -> None:
    """Creates ``path`` with ``content``; ``FileExistsError`` when it exists already."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(content)
            sink.flush()
            os.fsync(sink.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_atomically(path: Path, content: bytes) -> None:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".meta-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(content)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def _failed(action: str, error: OSError) -> DeliveryFailed:
    # The folder failing (full disk, permissions) is the operator's to fix.
    log.error("local file store could not %s: %s", action, error.strerror or type(error).__name__)
    return DeliveryFailed(f"the file store could not {action} the file")
