"""Real-time channels end to end: eduport served on 127.0.0.1 with PUSHER_* aimed at the
session's soketi; a pusher-js client subscribes through ``/broadcasting/auth`` with its bearer
token and receives ``notification.created`` when the public API leads to a notification."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests import driver
from tests.conftest import fresh_database, make_settings
from tests.vendor_servers import soketi as peers
from tests.vendor_servers.base import LocalServer
from tests.vendor_servers.soketi import PusherJsClient, Soketi

soketi_server = peers.soketi_server
pusher_js = peers.pusher_js

StartClient = Callable[..., PusherJsClient]


@dataclass
class Served:
    client: Any  # the test driver's client, on the same app and database
    injector: Any
    url: str  # where eduport listens, on 127.0.0.1

    @property
    def auth_endpoint(self) -> str:
        return f"{self.url}/broadcasting/auth"


def serve(request: pytest.FixtureRequest, tmp_path: Path, **environ: str) -> Iterator[Served]:
    from bootstrap import build_injector, create_app

    settings = make_settings(tmp_path, fresh_database(request, tmp_path, "sqlite"), **environ)
    injector = build_injector(settings)
    app = create_app(injector, settings)
    try:
        with LocalServer(app) as server:
            yield Served(app.test_client(), injector, server.url)
    finally:
        injector.get(Engine).dispose()


@pytest.fixture
def eduport(request: pytest.FixtureRequest, tmp_path: Path,
            soketi_server: Soketi) -> Iterator[Served]:
    yield from serve(request, tmp_path, PUSHER_APP_ID=soketi_server.app_id,
                     PUSHER_APP_KEY=soketi_server.key, PUSHER_APP_SECRET=soketi_server.secret,
                     PUSHER_HOST=soketi_server.host, PUSHER_PORT=str(soketi_server.port),
                     PUSHER_SCHEME="http", PUSHER_TIMEOUT_SECONDS="3")


def subscribe(pusher_js: StartClient, served: Served, channel: str,
              headers: dict[str, str]) -> PusherJsClient:
    return pusher_js([channel], auth_endpoint=served.auth_endpoint, auth_headers=headers)


def authorize(served: Served, headers: dict[str, str] | None, socket_id: str,
              channel: str) -> Any:
    return served.client.post("/broadcasting/auth", headers=headers or {},
                              data={"socket_id": socket_id, "channel_name": channel})


def test_the_adapters_are_pusher_when_its_variables_are_set(eduport: Served) -> None:
    from bootstrap import describe_adapters

    assert describe_adapters(eduport.injector)["RealtimePublisher"] == "PusherRealtimePublisher"


def test_a_person_receives_their_notifications_on_their_own_channel(
        eduport: Served, pusher_js: StartClient) -> None:
    ann = driver.sign_up(eduport.client, "student", "Ann Lee")
    channel = f"private-user.{driver.user_id(eduport.client, ann)}"
    listener = subscribe(pusher_js, eduport, channel, ann)
    assert listener.wait_subscribed(channel) == {"type": "subscribed", "channel": channel}
    before = eduport.client.get("/me/notifications", headers=ann).get_json()["total"]

    resent = eduport.client.post("/auth/verify-email/resend", headers=ann)
    assert resent.status_code == 202 and resent.get_json() == {"status": "sent"}

    event = listener.wait_event(channel, "notification.created", timeout=10)
    inbox = eduport.client.get("/me/notifications", headers=ann).get_json()
    assert inbox["total"] == before + 1
    newest = inbox["items"][0]
    assert newest["kind"] == "verify_email"
    assert event["data"] == {"id": newest["id"], "kind": "verify_email"}
    assert [m["event"] for m in listener.events()] == ["notification.created"]


def test_another_persons_channel_is_refused_and_pusher_js_reports_it(
        eduport: Served, pusher_js: StartClient) -> None:
    ann = driver.sign_up(eduport.client, "student", "Ann Lee")
    bob = driver.sign_up(eduport.client, "teacher", "Bob Baker")
    anns = f"private-user.{driver.user_id(eduport.client, ann)}"

    prying = subscribe(pusher_js, eduport, anns, bob)
    outcome = prying.wait_subscription(anns)
    assert outcome["type"] == "subscription_error" and outcome["status"] == 403
    # and the notifications meant for Ann do not reach Bob's connection
    own = subscribe(pusher_js, eduport, anns, ann)
    own.wait_subscribed(anns)
    assert eduport.client.post("/auth/verify-email/resend", headers=ann).status_code == 202
    own.wait_event(anns, "notification.created", timeout=10)
    assert prying.events() == []

    problem = driver.assert_problem(authorize(eduport, bob, "1234.5678", anns), 403)
    assert "may not subscribe" in problem["detail"]
    admins = driver.assert_problem(authorize(eduport, bob, "1234.5678", "private-admin"), 403)
    assert admins["type"].endswith("/forbidden")


def test_a_platform_admin_may_subscribe_to_the_admins_channel(
        eduport: Served, pusher_js: StartClient) -> None:
    root = driver.sign_up_admin(eduport.client, eduport.injector)
    listener = subscribe(pusher_js, eduport, "private-admin", root)
    assert listener.wait_subscribed("private-admin")["type"] == "subscribed"


def test_the_answer_is_what_pusher_js_needs(eduport: Served, soketi_server: Soketi) -> None:
    ann = driver.sign_up(eduport.client, "student")
    channel = f"private-user.{driver.user_id(eduport.client, ann)}"
    answer = authorize(eduport, ann, "1234.5678", channel)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    expected = soketi_server.pusher_client().authenticate(channel, "1234.5678")
    assert answer.get_json() == expected == {"auth": expected["auth"]}


@pytest.mark.parametrize("socket_id", ["1234", "abc.def", "1234.5678.9", "1234.5678\n",
                                       "-1.5", ""])
def test_a_malformed_socket_id_is_422(eduport: Served, socket_id: str) -> None:
    ann = driver.sign_up(eduport.client, "student")
    channel = f"private-user.{driver.user_id(eduport.client, ann)}"
    problem = driver.assert_problem(authorize(eduport, ann, socket_id, channel), 422)
    assert "socket_id" in (problem.get("detail", "") + str(problem.get("errors", "")))


@pytest.mark.parametrize(("form", "field"), [
    ({"socket_id": "1234.5678"}, "channel_name"),
    ({"channel_name": "private-admin"}, "socket_id"),
])
def test_a_missing_field_is_422_naming_it(eduport: Served, form: dict[str, str],
                                          field: str) -> None:
    ann = driver.sign_up(eduport.client, "student")
    answer = eduport.client.post("/broadcasting/auth", headers=ann, data=form)
    assert field in driver.assert_problem(answer, 422)["errors"]


@pytest.mark.parametrize("channel", ["private-user.bad name", "course.42", "job-board",
                                     "private-" + "x" * 157])
def test_a_malformed_or_public_channel_is_422(eduport: Served, channel: str) -> None:
    ann = driver.sign_up(eduport.client, "student")
    driver.assert_problem(authorize(eduport, ann, "1234.5678", channel), 422)


def test_without_a_bearer_token_it_is_401(eduport: Served, pusher_js: StartClient) -> None:
    ann = driver.sign_up(eduport.client, "student")
    channel = f"private-user.{driver.user_id(eduport.client, ann)}"
    driver.assert_problem(authorize(eduport, None, "1234.5678", channel), 401)
    driver.assert_problem(authorize(eduport, driver.bearer("forged"), "1234.5678", channel), 401)
    anonymous = pusher_js([channel], auth_endpoint=eduport.auth_endpoint)
    outcome = anonymous.wait_subscription(channel)
    assert outcome["type"] == "subscription_error" and outcome["status"] == 401


@pytest.fixture
def without_channels(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    yield from serve(request, tmp_path)


def test_without_a_channel_service_it_is_404_saying_so(without_channels: Served) -> None:
    from bootstrap import describe_adapters

    assert describe_adapters(without_channels.injector)["RealtimePublisher"] == \
        "LogRealtimePublisher"
    ann = driver.sign_up(without_channels.client, "student")
    channel = f"private-user.{driver.user_id(without_channels.client, ann)}"
    problem = driver.assert_problem(authorize(without_channels, ann, "1234.5678", channel), 404)
    assert problem["type"].endswith("/channels-unavailable")
    assert "notifications" in problem["detail"]
    # the inbox still works, and a notification is stored without a channel service
    assert without_channels.client.post("/auth/verify-email/resend", headers=ann
                                        ).status_code == 202
    inbox = without_channels.client.get("/me/notifications", headers=ann).get_json()
    assert inbox["items"][0]["kind"] == "verify_email"
