"""The files' settings: our names and the seeds' (AWS_*, R2_*, VIDEO_SERVICE_SECRET_KEY), the
adapter each choice builds, and what is refused at start-up."""

from __future__ import annotations

import pytest

from adapters.outbound.files.local import LocalFileStorage
from adapters.outbound.files.s3 import S3FileStorage
from adapters.outbound.files.vdocipher import VdoCipherVideoVault
from adapters.settings import ConfigurationError, Settings
from adapters.wiring.files import FilesSettings
from application.files.config import ConfiguredVault
from application.files.ports import FileStorage
from tests.conftest import JWT_SECRET

BASE = {"EDUPORT_ENV": "test", "JWT_SECRET": JWT_SECRET}


def settings(**environ: str) -> Settings:
    from bootstrap import read_settings

    return read_settings({**BASE, **environ})


def files(**environ: str) -> FilesSettings:
    found: FilesSettings = settings(**environ).section(FilesSettings)
    return found


def test_without_a_bucket_the_store_is_the_local_folder_and_there_is_no_vault() -> None:
    from bootstrap import build_injector

    injector = build_injector(settings(EDUPORT_DATA_DIR="var/unit-tests"))
    assert type(injector.get(FileStorage)) is LocalFileStorage
    assert injector.get(ConfiguredVault).vault is None


def test_a_bucket_with_its_keys_is_s3_and_a_secret_is_vdocipher() -> None:
    from bootstrap import build_injector

    injector = build_injector(settings(
        S3_BUCKET="eduport-files", S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret",
        VDOCIPHER_API_SECRET="vdo-secret"))
    assert type(injector.get(FileStorage)) is S3FileStorage
    assert type(injector.get(ConfiguredVault).vault) is VdoCipherVideoVault


def test_the_seeds_names_are_read() -> None:
    laravel = files(AWS_BUCKET="bitflow", AWS_ACCESS_KEY_ID="a", AWS_SECRET_ACCESS_KEY="b",
                    AWS_DEFAULT_REGION="eu-west-1", VIDEO_SERVICE_SECRET_KEY="vdo")
    assert (laravel.s3_bucket, laravel.s3_access_key_id, laravel.s3_secret_access_key,
            laravel.s3_region, laravel.vdocipher_api_secret) == (
        "bitflow", "a", "b", "eu-west-1", "vdo")
    django = files(R2_BUCKET_NAME="tutors", R2_ACCESS_KEY_ID="c", R2_SECRET_ACCESS_KEY="d",
                   R2_ENDPOINT_URL="https://acct.r2.cloudflarestorage.com")
    # R2 is addressed by its endpoint and takes the region "auto".
    assert (django.s3_bucket, django.s3_endpoint_url, django.s3_region) == (
        "tutors", "https://acct.r2.cloudflarestorage.com", "auto")
    ours = files(S3_BUCKET="ours", AWS_BUCKET="theirs", S3_ACCESS_KEY_ID="e",
                 AWS_ACCESS_KEY_ID="f", S3_SECRET_ACCESS_KEY="g")
    assert (ours.s3_bucket, ours.s3_access_key_id) == ("ours", "e")  # ours first


@pytest.mark.parametrize(("environ", "named"), [
    ({"S3_BUCKET": "b"}, "S3_ACCESS_KEY_ID"),
    ({"FILE_UPLOAD_WINDOW_MINUTES": str(25 * 60)}, "FILE_UPLOAD_WINDOW_MINUTES"),
    ({"FILE_UPLOAD_WINDOW_MINUTES": str(8 * 24 * 60), "FILE_KEEP_UNUSED_HOURS": "999"},
     "at most 7 days"),
    ({"VDOCIPHER_API_BASE": "http://vdo.example/api"}, "VDOCIPHER_API_BASE"),
    ({"VDOCIPHER_OTP_TTL_SECONDS": "60"}, "VDOCIPHER_OTP_TTL_SECONDS"),
    ({"S3_ENDPOINT_URL": "ftp://store"}, "S3_ENDPOINT_URL"),
])
def test_settings_that_cannot_work_stop_the_start(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        settings(**environ)
    assert any(named in problem for problem in refused.value.problems), refused.value.problems


def test_a_purposes_own_link_lifetime_is_read() -> None:
    found = files(FILE_LINK_TTL_CV_SECONDS="600", FILE_LINK_TTL_SECONDS="1800")
    assert found.link_ttl_seconds == 1800
    assert {purpose.value: seconds for purpose, seconds in found.link_ttls.items()} == {
        "cv": 600}
