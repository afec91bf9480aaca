"""moto's S3 server as the peer of the S3 file store (vendor-contracts.md, "moto's server as
the S3 peer"): a real HTTP server on 127.0.0.1, in this process, answering boto3 and
presigned URLs alike.

What moto does not enforce, and real S3 and R2 do: the signed ``Content-Type`` of a
presigned PUT, the size, and the expiry of a presigned URL (all answer 200). Tests check what
is signed instead. In region ``auto`` (R2's), moto wants CreateBucket with
``LocationConstraint: auto``; R2 takes it without."""

from __future__ import annotations

import uuid
from typing import Any, Self

import boto3
import botocore.config
from moto.server import ThreadedMotoServer

from tests.vendor_servers.base import Started

__all__ = ["ACCESS_KEY_ID", "REGION", "SECRET_ACCESS_KEY", "MotoS3Server"]

ACCESS_KEY_ID = "moto-test-key"
SECRET_ACCESS_KEY = "moto-test-secret"
REGION = "auto"  # Cloudflare R2's region, the one eduport is configured with most


class MotoS3Server(Started):
    """One moto server on a free 127.0.0.1 port; ``url`` is its endpoint once started. Its
    state is shared by everything in the session: give each test a bucket of its own."""

    def __init__(self) -> None:
        self._server: ThreadedMotoServer | None = None
        self._clients: dict[str, Any] = {}
        self.url = ""

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("moto is already started")
        # Port 0: the OS picks a free port as the socket binds, so no other process can
        # take it between choosing and binding.
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        self._clients.clear()
        if server is not None:
            server.stop()

    def client(self, region: str = REGION) -> Any:
        """A boto3 S3 client on this server, configured as the adapter is (one per region,
        kept: building a client costs more than most of the calls made with it)."""
        if self._server is None:
            raise RuntimeError("moto is not started")
        if region not in self._clients:
            config = botocore.config.Config(signature_version="s3v4",
                                            request_checksum_calculation="when_required",
                                            response_checksum_validation="when_required")
            self._clients[region] = boto3.client(
                "s3", endpoint_url=self.url, region_name=region,
                aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                config=config)
        return self._clients[region]

    def create_bucket(self, name: str | None = None, region: str = REGION) -> str:
        """Creates a bucket (a fresh name unless given) in ``region``; returns its name."""
        bucket = name or f"eduport-{uuid.uuid4().hex[:16]}"
        if region == "us-east-1":  # the one region S3 wants no location constraint for
            self.client(region).create_bucket(Bucket=bucket)
        else:
            self.client(region).create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        return bucket
