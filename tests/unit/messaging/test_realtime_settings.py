"""The real-time channels' settings: Pusher (or soketi) when its three credentials are set,
the log publisher otherwise; a partial or malformed set stops the start naming what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.outbound.realtime.log import LogRealtimePublisher
from adapters.outbound.realtime.pusher import PusherRealtimePublisher
from adapters.settings import ConfigurationError
from adapters.wiring.messaging_realtime import RealtimeSettings
from application.messaging.published import RealtimePublisher
from bootstrap import build_injector, read_settings
from tests.conftest import JWT_SECRET

CREDENTIALS = {"PUSHER_APP_ID": "123456", "PUSHER_APP_KEY": "app-key",
               "PUSHER_APP_SECRET": "app-secret"}


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"EDUPORT_DATA_DIR": str(tmp_path), "JWT_SECRET": JWT_SECRET, **values}


def publisher(tmp_path: Path, **values: str) -> RealtimePublisher:
    injector = build_injector(read_settings(environ(tmp_path, **values)))
    found: RealtimePublisher = injector.get(RealtimePublisher)
    return found


def test_without_credentials_the_log_publisher_offers_no_channels(tmp_path: Path) -> None:
    assert type(publisher(tmp_path)) is LogRealtimePublisher
    # the host settings alone choose nothing
    assert type(publisher(tmp_path, PUSHER_HOST="127.0.0.1", PUSHER_PORT="6001")) is \
        LogRealtimePublisher


def test_the_three_credentials_choose_pusher_on_its_cluster(tmp_path: Path) -> None:
    chosen = publisher(tmp_path, **CREDENTIALS, PUSHER_APP_CLUSTER="eu")
    assert type(chosen) is PusherRealtimePublisher
    client = chosen._client._pusher_client  # type: ignore[attr-defined]
    assert (client.host, client.port, client.ssl, client.timeout) == (
        "api-eu.pusher.com", 443, True, 5)


def test_a_self_hosted_soketi_is_a_host_port_and_scheme(tmp_path: Path) -> None:
    chosen = publisher(tmp_path, **CREDENTIALS, PUSHER_HOST="soketi.internal",
                       PUSHER_PORT="6001", PUSHER_SCHEME="http", PUSHER_TIMEOUT_SECONDS="2")
    client = chosen._client._pusher_client  # type: ignore[attr-defined]
    assert (client.host, client.port, client.ssl, client.timeout) == (
        "soketi.internal", 6001, False, 2)
    assert client.app_id == "123456" and client.key == "app-key"


def test_defaults() -> None:
    section = RealtimeSettings()
    assert (section.cluster, section.scheme, section.timeout_seconds, section.configured) == (
        "mt1", "https", 5, False)


@pytest.mark.parametrize(("given", "missing"), [
    ({"PUSHER_APP_ID": "123"}, "PUSHER_APP_KEY and PUSHER_APP_SECRET are missing"),
    ({"PUSHER_APP_KEY": "k", "PUSHER_APP_SECRET": "s"}, "PUSHER_APP_ID is missing"),
    ({"PUSHER_APP_ID": "123", "PUSHER_APP_KEY": "k"}, "PUSHER_APP_SECRET is missing"),
])
def test_a_partial_set_of_credentials_names_the_missing_ones(
        tmp_path: Path, given: dict[str, str], missing: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        read_settings(environ(tmp_path, **given))
    assert missing in str(error.value)
    assert "together" in str(error.value)


@pytest.mark.parametrize(("name", "value"), [
    ("PUSHER_APP_ID", "my-app"),
    ("PUSHER_SCHEME", "ws"),
    ("PUSHER_PORT", "0"),
    ("PUSHER_PORT", "70000"),
    ("PUSHER_PORT", "six"),
    ("PUSHER_TIMEOUT_SECONDS", "0"),
    ("PUSHER_HOST", "http://127.0.0.1:6001"),
])
def test_a_malformed_value_names_its_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        read_settings(environ(tmp_path, **{**CREDENTIALS, name: value}))
    assert [problem for problem in error.value.problems if problem.startswith(name)], \
        error.value.problems


def test_the_secret_is_never_in_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        read_settings(environ(tmp_path, PUSHER_APP_SECRET="s3cr3t-value"))
    assert "s3cr3t-value" not in str(error.value)
