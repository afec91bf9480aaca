"""Objects in an S3 bucket, or any S3-compatible store (Cloudflare R2, MinIO), through boto3
(vendor-contracts.md, section 12).

The client always signs SigV4: boto3's default for ``us-east-1`` is still SigV2 presigned
URLs. Checksums only ``when_required``: boto3 1.36+ adds CRC32 headers and ``aws-chunked``
bodies that R2 and other S3-compatibles refuse. With an ``endpoint_url`` botocore addresses
the bucket path-style (``{endpoint}/{bucket}/{key}``), which R2 and moto expect.

Failures: the store unreachable, timing out or answering 5xx raises ``DeliveryFailed`` with a
WARNING; credentials, a signature or a bucket the store refuses raise it too, with an ERROR
line (the operator must fix the settings). Neither the keys nor the store's message is
logged: an S3 error may echo the access key id and the string it signed."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from adapters.outbound.files.common import (
    check_content_type,
    checked_key,
    content_disposition,
    lifetime_seconds,
)
from application.files.ports import StoredObject, UploadTicket
from application.shared.errors import DeliveryFailed

log = logging.getLogger(__name__)

# Our settings, not the moment: a retry gets the same answer, so the operator is told.
_MISCONFIGURED = frozenset({
    "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket",
    "InvalidBucketName", "AuthorizationHeaderMalformed", "PermanentRedirect",
    "Unauthorized", "AccountProblem", "InvalidToken", "ExpiredToken",
})
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class S3FileStorage:
    name = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None, region: str,
                 access_key_id: str, secret_access_key: str,
                 connect_timeout: float = 5, read_timeout: float = 15) -> None:
        self._bucket = bucket
        config = botocore.config.Config(
            signature_version="s3v4",
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        # Built once at start-up: clients are thread-safe, creating them on the shared
        # default session (which caches the service model) is not, so never per request.
        self._client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url or None, region_name=region,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=config)

    def upload_url(self, key: str, content_type: str, size: int,
                   expires_in: timedelta) -> UploadTicket:
        checked_key(key)
        check_content_type(content_type)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("size is a whole number of bytes, 0 or more")
        seconds = lifetime_seconds(expires_in)
        # botocore signs with the real clock (X-Amz-Date, whole seconds), not eduport's:
        # taken before signing and rounded down, the promise never outlives the signature.
        signed_at = datetime.now(UTC).replace(microsecond=0)
        with self._calling("presign put_object"):
            url = self._client.generate_presigned_url(
                "put_object",
                # The length is signed (the browser sends it by itself) and so is
                # If-None-Match: a link writes one object once, so bytes checked at completion
                # cannot be swapped afterwards on the same link (S3 and R2 answer 412).
                Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type,
                        "ContentLength": size, "IfNoneMatch": "*"},
                ExpiresIn=seconds)
        return UploadTicket(url, "PUT", {"Content-Type": content_type, "If-None-Match": "*"},
                            signed_at + timedelta(seconds=seconds))

    def download_url(self, key: str, expires_in: timedelta, filename: str | None,
                     inline: bool) -> str:
        checked_key(key)
        seconds = lifetime_seconds(expires_in)
        with self._calling("presign get_object"):
            url: str = self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self._bucket, "Key": key,
                        "ResponseContentDisposition": content_disposition(inline, filename)},
                ExpiresIn=seconds)
        return url

    def stat(self, key: str) -> StoredObject | None:
        checked_key(key)
        with self._calling("head_object"):
            try:
                head = self._client.head_object(Bucket=self._bucket, Key=key)
            except ClientError as error:
                # A HEAD answer has no body: a missing bucket reads as "404" too.
                if _code(error) in _MISSING:
                    return None
                raise
        return StoredObject(key, int(head["ContentLength"]), head.get("ContentType"))

    def read_head(self, key: str, length: int) -> bytes:
        checked_key(key)
        if length < 0:
            raise ValueError("length is 0 or more")
        if length == 0:
            if self.stat(key) is None:
                raise LookupError(f"no object at {key}")
            return b""
        with self._calling("get_object"):
            try:
                got = self._client.get_object(Bucket=self._bucket, Key=key,
                                              Range=f"bytes=0-{length - 1}")
            except ClientError as error:
                if _code(error) in _MISSING:
                    raise LookupError(f"no object at {key}") from None
                # An empty object has no byte 0: S3 answers 416 rather than nothing.
                if _code(error) == "InvalidRange":
                    return b""
                raise
            body = got["Body"]
            try:
                # At most ``length``, even from a store that ignored the Range.
                data: bytes = body.read(length)
            finally:
                body.close()
        return data

    def put(self, key: str, data: bytes, content_type: str) -> None:
        checked_key(key)
        check_content_type(content_type)
        with self._calling("put_object"):
            self._client.put_object(Bucket=self._bucket, Key=key, Body=data,
                                    ContentType=content_type)

    def delete(self, key: str) -> None:
        checked_key(key)
        with self._calling("delete_object"):
            try:
                self._client.delete_object(Bucket=self._bucket, Key=key)
            except ClientError as error:
                # S3 answers 204 for a missing key; some compatibles answer 404.
                if _code(error) not in ("NoSuchKey", "404"):
                    raise

    @contextlib.contextmanager
    def _calling(self, action: str) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            raise _refused(action, error) from error
        except (NoCredentialsError, PartialCredentialsError) as error:
            log.error("S3 %s: no usable credentials; set the access key id and secret",
                      action)
            raise DeliveryFailed("the file store is not configured") from error
        except BotoCoreError as error:
            # Connection refused or reset, a timeout, a broken stream: worth a retry.
            log.warning("S3 %s failed: %s", action, type(error).__name__)
            raise DeliveryFailed(f"the file store is unreachable ({type(error).__name__})"
                                 ) from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _refused(action: str, error: ClientError) -> DeliveryFailed:
    code = _code(error) or "unknown"
    meta = error.response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    if code in _MISCONFIGURED or status in (401, 403):
        log.error("S3 %s refused (%s, HTTP %s): check the bucket, endpoint and credentials",
                  action, code, status)
        return DeliveryFailed(f"the file store refused eduport's configuration ({code})")
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        # Not transient and not the settings: a request the store will never take.
        log.error("S3 %s refused (%s, HTTP %s)", action, code, status)
        return DeliveryFailed(f"the file store refused the request ({code})")
    log.warning("S3 %s failed (%s, HTTP %s)", action, code, status)
    hint = str(meta.get("HTTPHeaders", {}).get("retry-after", ""))
    return DeliveryFailed(f"the file store is unavailable ({code})",
                          retry_after=int(hint) if hint.isdigit() else None)
