"""The real-time test peers work end to end, without any eduport code.

A real soketi, a real pusher-js (Node) client and a tiny channel-authorization endpoint served
by werkzeug on 127.0.0.1 that signs with the ``pusher`` SDK's ``authenticate``: the same path a
browser takes to ``/broadcasting/auth`` and back, so later adapter tests can trust the harness.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pusher
import pytest
from werkzeug.wrappers import Request, Response

from tests.vendor_servers import soketi as peers
from tests.vendor_servers.base import LocalServer
from tests.vendor_servers.soketi import PusherJsClient, Soketi

# The peers' fixtures, registered for this module (a conftest may register them instead).
soketi_server = peers.soketi_server
pusher_js = peers.pusher_js

StartClient = Callable[..., PusherJsClient]

USERS = {
    "Bearer alice-token": {"user_id": "u-1", "user_info": {"name": "Alice", "role": "student"}},
    "Bearer bob-token": {"user_id": "u-2", "user_info": {"name": "Bob", "role": "teacher"}},
}
REFUSED = "Bearer refused-token"


@dataclass
class AuthCall:
    authorization: str | None
    socket_id: str
    channel_name: str
    status: int
    body: Any


@dataclass
class AuthEndpoint:
    """``POST /auth``: pusher-js's form-encoded ``socket_id`` and ``channel_name`` in,
    ``{"auth": ...}`` (plus ``channel_data`` for presence) out, signed by the pusher SDK.
    """

    signer: pusher.Pusher
    calls: list[AuthCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        authorization = request.headers.get("Authorization")
        socket_id = request.form.get("socket_id", "")
        channel = request.form.get("channel_name", "")
        user = USERS.get(authorization or "")
        if request.method != "POST" or request.path != "/auth":
            status, body = 404, {"error": "not found"}
        elif authorization == REFUSED or user is None:
            status, body = 403, {"error": "forbidden"}
        elif channel.startswith("presence-"):
            status, body = 200, self.signer.authenticate(channel, socket_id, custom_data=user)
        else:
            status, body = 200, self.signer.authenticate(channel, socket_id)
        with self.lock:
            self.calls.append(AuthCall(authorization, socket_id, channel, status, body))
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        return response(environ, start_response)


@pytest.fixture
def auth_endpoint(soketi_server: Soketi) -> Iterator[tuple[AuthEndpoint, str]]:
    endpoint = AuthEndpoint(signer=soketi_server.pusher_client())
    with LocalServer(endpoint) as server:
        yield endpoint, f"{server.url}/auth"


def subscribe(
    pusher_js: StartClient,
    endpoint_url: str,
    channel: str,
    token: str,
    **options: Any,
) -> PusherJsClient:
    return pusher_js(
        [channel],
        auth_endpoint=endpoint_url,
        auth_headers={"Authorization": token},
        **options,
    )


def test_soketi_listens_on_loopback_only(soketi_server: Soketi) -> None:
    sockets = soketi_server.sockets()
    ports = {port for _, _, port in sockets}
    assert {soketi_server.port, soketi_server.metrics_port, soketi_server.cluster_port} <= ports
    assert {address for _, address, _ in sockets} == {"127.0.0.1"}, sockets


def test_private_channel_receives_an_event_triggered_after_subscribing(
    soketi_server: Soketi, pusher_js: StartClient, auth_endpoint: tuple[AuthEndpoint, str]
) -> None:
    endpoint, url = auth_endpoint
    channel = "private-course.42"
    client = subscribe(pusher_js, url, channel, "Bearer alice-token")

    socket_id = client.wait_connected()
    assert client.wait_subscribed(channel) == {"type": "subscribed", "channel": channel}
    [call] = endpoint.calls
    assert (call.authorization, call.socket_id, call.channel_name) == (
        "Bearer alice-token",
        socket_id,
        channel,
    )
    assert call.body["auth"].startswith(f"{soketi_server.key}:")

    answer = soketi_server.pusher_client().trigger(channel, "lesson.started", {"lesson": 7})
    assert "error" not in answer, answer

    event = client.wait_event(channel, "lesson.started", timeout=5)
    assert event["data"] == {"lesson": 7}
    assert len(client.events()) == 1


def test_presence_channel_lists_the_member_with_the_signed_user_info(
    pusher_js: StartClient, auth_endpoint: tuple[AuthEndpoint, str]
) -> None:
    endpoint, url = auth_endpoint
    channel = "presence-class.9"
    client = subscribe(pusher_js, url, channel, "Bearer bob-token")

    subscribed = client.wait_subscribed(channel)
    bob = {"id": "u-2", "info": {"name": "Bob", "role": "teacher"}}
    assert subscribed["members"] == [bob]
    assert subscribed["me"] == bob
    assert subscribed["count"] == 1
    [call] = endpoint.calls
    assert json.loads(call.body["channel_data"]) == USERS["Bearer bob-token"]

    other = subscribe(pusher_js, url, channel, "Bearer alice-token")
    assert sorted(m["id"] for m in other.wait_subscribed(channel)["members"]) == ["u-1", "u-2"]
    added = client.wait_for(lambda m: m["type"] == "member_added", timeout=5, what="member_added")
    assert added["member"] == {"id": "u-1", "info": {"name": "Alice", "role": "student"}}


def test_refused_authorization_is_a_subscription_error(
    soketi_server: Soketi, pusher_js: StartClient, auth_endpoint: tuple[AuthEndpoint, str]
) -> None:
    endpoint, url = auth_endpoint
    channel, public = "private-course.13", "course.13.news"
    client = pusher_js(
        [channel, public], auth_endpoint=url, auth_headers={"Authorization": REFUSED}
    )

    outcome = client.wait_subscription(channel)
    assert outcome["type"] == "subscription_error"
    assert outcome["status"] == 403
    assert [call.status for call in endpoint.calls] == [403]
    # soketi did not subscribe it: one trigger to both channels reaches the public one only
    client.wait_subscribed(public)
    soketi_server.pusher_client().trigger([channel, public], "plan", {"x": 1})
    client.wait_event(public, "plan", timeout=5)
    assert [(m["channel"], m["event"]) for m in client.events()] == [(public, "plan")]


def test_authorization_signed_with_another_secret_is_refused_by_soketi(
    soketi_server: Soketi, pusher_js: StartClient
) -> None:
    forger = AuthEndpoint(signer=soketi_server.pusher_client(secret="not-the-secret"))
    channel = "private-course.77"
    with LocalServer(forger) as server:
        client = subscribe(pusher_js, f"{server.url}/auth", channel, "Bearer alice-token")
        outcome = client.wait_subscription(channel)
    assert [call.status for call in forger.calls] == [200]  # the endpoint said yes ...
    assert outcome["type"] == "subscription_error", outcome  # ... and soketi said no
    assert outcome["status"] == 401


def test_trigger_with_a_wrong_secret_answers_200_and_delivers_nothing(
    soketi_server: Soketi, pusher_js: StartClient, auth_endpoint: tuple[AuthEndpoint, str]
) -> None:
    _, url = auth_endpoint
    channel = "private-course.5"
    client = subscribe(pusher_js, url, channel, "Bearer alice-token")
    client.wait_subscribed(channel)

    forged = soketi_server.pusher_client(secret="not-the-secret")
    answer = forged.trigger(channel, "grade.changed", {"grade": "A+"})
    # soketi refuses with HTTP 200 and an error body, so the SDK does not raise
    assert answer.get("code") == 401, answer
    assert "error" in answer

    # A sentinel sent afterwards with the right secret arrives on the same connection, so the
    # forged event, had soketi accepted it, would already be here.
    soketi_server.pusher_client().trigger(channel, "sentinel", {"n": 1})
    client.wait_event(channel, "sentinel", timeout=5)
    assert [m["event"] for m in client.events(channel)] == ["sentinel"]
