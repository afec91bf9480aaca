"""The ``RealtimePublisher`` contract, run against the fake, the log publisher and Pusher's
(against the session's soketi, with a pusher-js client subscribed), then what only the
Pusher adapter does: its failures, as the SDK and soketi report them."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from adapters.outbound.realtime.log import LogRealtimePublisher
from adapters.outbound.realtime.pusher import PusherRealtimePublisher, build_pusher_client
from application.messaging.published import (
    MAX_EVENT_BYTES,
    ChannelsUnavailable,
    RealtimePublisher,
)
from application.shared.errors import DeliveryFailed
from tests.contracts import Contract
from tests.unit.messaging.fakes import FakeRealtimePublisher
from tests.vendor_servers import soketi as peers
from tests.vendor_servers.base import LocalServer
from tests.vendor_servers.soketi import PusherJsClient, Soketi

soketi_server = peers.soketi_server
pusher_js = peers.pusher_js

REALTIME = Contract(RealtimePublisher, {"fake": FakeRealtimePublisher,
                                        "log": LogRealtimePublisher,
                                        "pusher": PusherRealtimePublisher})
PUBLIC, OTHER = "contract.board", "contract.other"  # public channels an observer listens on
MEMBER = {"user_id": "u-7", "user_info": {"name": "Grace Hopper", "role": "teacher"}}
# The biggest data allowed: {"x":"aaa..."} of exactly MAX_EVENT_BYTES.
BIGGEST = {"x": "a" * (MAX_EVENT_BYTES - len('{"x":""}'))}


def pusher_publisher(soketi: Soketi, **changes: Any) -> PusherRealtimePublisher:
    options: dict[str, Any] = {"app_id": soketi.app_id, "key": soketi.key,
                               "secret": soketi.secret, "host": soketi.host,
                               "port": soketi.port, "scheme": "http", "timeout_seconds": 5,
                               **changes}
    app_id, key, secret = options.pop("app_id"), options.pop("key"), options.pop("secret")
    return PusherRealtimePublisher(build_pusher_client(app_id, key, secret, **options))


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class AuthEndpoint:
    """What ``/broadcasting/auth`` does, reduced to the port: pusher-js's form in, the
    publisher's answer out (the member signed for presence channels)."""

    publisher: RealtimePublisher
    answers: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        form = Request(environ).form
        socket_id, channel = form["socket_id"], form["channel_name"]
        member = MEMBER if channel.startswith("presence-") else None
        answer = self.publisher.authorize(socket_id, channel, member)
        with self.lock:
            self.answers.append((socket_id, channel, answer))
        return Response(json.dumps(answer), mimetype="application/json")(environ, start_response)


@dataclass
class Realtime:
    """One implementation, and how a test sees what reached subscribers through it."""

    name: str
    publisher: Any
    key: str  # the app key an authorization starts with
    received: Callable[[], list[tuple[str, str, Any]]]  # (channel, event, data or None)
    wait_for: Callable[[str, str], Any]  # (channel, event) -> data, once it arrived
    # (channel) -> the answer to a subscription, once the service accepted it
    subscribe: Callable[[str], dict[str, str]] | None = None


@pytest.fixture(params=REALTIME.params())
def realtime(request: pytest.FixtureRequest) -> Iterator[Realtime]:
    if request.param == "fake":
        fake = REALTIME.build("fake", FakeRealtimePublisher)

        def fake_received() -> list[tuple[str, str, Any]]:
            return [(channel, e.event, e.data) for e in fake.published for channel in e.channels]

        def fake_subscribe(channel: str) -> dict[str, str]:
            socket_id = "1234.5678"
            member = MEMBER if channel.startswith("presence-") else None
            answer = fake.authorize(socket_id, channel, member)
            assert fake.verify(socket_id, channel, answer)
            assert not fake.verify("1234.5679", channel, answer)
            assert not FakeRealtimePublisher(secret="another").verify(socket_id, channel, answer)
            return answer

        def fake_wait(channel: str, event: str) -> Any:
            return next(d for c, e, d in fake_received() if (c, e) == (channel, event))

        yield Realtime("fake", fake, fake.key, fake_received, fake_wait, fake_subscribe)
    elif request.param == "log":
        lines = LogLines()
        logger = logging.getLogger("adapters.outbound.realtime.log")
        logger.addHandler(lines)
        previous, logger.level = logger.level, logging.DEBUG
        try:
            log_publisher = REALTIME.build("log", LogRealtimePublisher)

            def log_received() -> list[tuple[str, str, Any]]:
                return [(channel, r.__dict__["event"], None) for r in lines.records
                        for channel in r.__dict__["channels"]]

            def log_wait(channel: str, event: str) -> Any:
                assert (channel, event, None) in log_received()
                # The data is never logged, whatever it holds.
                assert not any("secret-value" in str(r.__dict__) + r.getMessage()
                               for r in lines.records)

            yield Realtime("log", log_publisher, "", log_received, log_wait)
        finally:
            logger.removeHandler(lines)
            logger.setLevel(previous)
    else:
        soketi: Soketi = request.getfixturevalue("soketi_server")
        start: Callable[..., PusherJsClient] = request.getfixturevalue("pusher_js")
        publisher = REALTIME.build("pusher", lambda: pusher_publisher(soketi))
        observer = start([PUBLIC, OTHER])
        observer.wait_subscribed(PUBLIC)
        observer.wait_subscribed(OTHER)
        endpoint = AuthEndpoint(publisher)

        with LocalServer(endpoint) as server:
            def pusher_received() -> list[tuple[str, str, Any]]:
                return [(m["channel"], m["event"], m["data"]) for m in observer.events()]

            def pusher_wait(channel: str, event: str) -> Any:
                return observer.wait_event(channel, event, timeout=5)["data"]

            def pusher_subscribe(channel: str) -> dict[str, str]:
                client = start([channel], auth_endpoint=f"{server.url}/auth")
                socket_id = client.wait_connected()
                subscribed = client.wait_subscribed(channel)  # soketi accepted the signature
                if channel.startswith("presence-"):
                    grace = {"id": "u-7", "info": MEMBER["user_info"]}
                    assert subscribed["me"] == grace and subscribed["members"] == [grace]
                # ... and the subscription carries events
                publisher.publish([channel], "after.subscribing", {"n": 1})
                assert client.wait_event(channel, "after.subscribing")["data"] == {"n": 1}
                [(asked_socket, asked_channel, answer)] = [
                    a for a in endpoint.answers if a[1] == channel]
                assert (asked_socket, asked_channel) == (socket_id, channel)
                return answer

            yield Realtime("pusher", publisher, soketi.key, pusher_received, pusher_wait,
                           pusher_subscribe)


def sentinel(realtime: Realtime) -> None:
    """An accepted event sent last: when it is here, anything sent before it would be too."""
    realtime.publisher.publish([PUBLIC], "sentinel", {"n": 0})
    realtime.wait_for(PUBLIC, "sentinel")


# --- what every implementation promises ------------------------------------------------------


def test_realtime_contract_delivers_an_event_to_every_channel_named(realtime: Realtime) -> None:
    data = {"lesson": 7, "note": "secret-value", "title": "Ünïcode ✓"}
    realtime.publisher.publish([PUBLIC, OTHER], "lesson.started", data)
    for channel in (PUBLIC, OTHER):
        # The log keeps the name and channels only.
        assert realtime.wait_for(channel, "lesson.started") == (
            None if realtime.name == "log" else data)
    assert len(realtime.received()) == 2


def test_realtime_contract_delivers_the_biggest_event_allowed(realtime: Realtime) -> None:
    realtime.publisher.publish([PUBLIC], "big", BIGGEST)
    data = realtime.wait_for(PUBLIC, "big")
    assert realtime.name == "log" or data == BIGGEST


@pytest.mark.parametrize(("channels", "event", "data"), [
    ([PUBLIC], "too.big", {"x": "a" * (MAX_EVENT_BYTES - len('{"x":""}') + 1)}),
    ([PUBLIC], "too.big", {"x": "é" * (MAX_EVENT_BYTES // 2)}),  # bytes, not characters
    ([PUBLIC, "bad channel"], "e", {}),
    ([PUBLIC, "x" * 165], "e", {}),
    ([], "e", {}),
    ([PUBLIC] + [f"c{n}" for n in range(100)], "e", {}),
    (PUBLIC, "e", {}),  # a string is not a list of channels
    ([PUBLIC], "", {}),
    ([PUBLIC], "pusher:subscribe", {}),
    ([PUBLIC], "x" * 201, {}),
], ids=["too-big", "too-big-in-bytes", "bad-name", "long-name", "no-channel", "101-channels",
        "string", "no-event-name", "reserved-event", "long-event-name"])
def test_realtime_contract_refuses_a_bad_event_before_sending(
        realtime: Realtime, channels: Any, event: str, data: Mapping[str, Any]) -> None:
    with pytest.raises(ValueError):
        realtime.publisher.publish(channels, event, data)
    sentinel(realtime)
    assert [e for _, e, _ in realtime.received()] == ["sentinel"]


def test_realtime_contract_sends_to_a_hundred_channels(realtime: Realtime) -> None:
    channels = [PUBLIC] + [f"contract.c{n}" for n in range(99)]
    realtime.publisher.publish(channels, "wide", {"n": 1})
    assert realtime.wait_for(PUBLIC, "wide") == (None if realtime.name == "log" else {"n": 1})
    assert len(realtime.received()) == (100 if realtime.name != "pusher" else 1)  # one observed


@pytest.mark.parametrize("channel", ["private-user.u-7", "presence-class.9"])
def test_realtime_contract_authorizes_a_subscription_or_says_there_are_no_channels(
        realtime: Realtime, channel: str) -> None:
    member = MEMBER if channel.startswith("presence-") else None
    if realtime.subscribe is None:
        with pytest.raises(ChannelsUnavailable):
            realtime.publisher.authorize("1234.5678", channel, member)
        return
    answer = realtime.subscribe(channel)
    assert answer["auth"].startswith(f"{realtime.key}:")
    if member is None:
        assert set(answer) == {"auth"}
    else:
        assert set(answer) == {"auth", "channel_data"}
        assert json.loads(answer["channel_data"]) == member


@pytest.mark.parametrize(("socket_id", "channel", "member"), [
    ("1234", "private-user.u-7", None),
    ("1234.5678\n", "private-user.u-7", None),
    ("1234.5678", "private-user u-7", None),
    ("1234.5678", "presence-class.9", None),  # a presence channel needs its member
])
def test_realtime_contract_refuses_a_malformed_authorization(
        realtime: Realtime, socket_id: str, channel: str, member: Any) -> None:
    expected = ChannelsUnavailable if realtime.subscribe is None else ValueError
    with pytest.raises(expected):
        realtime.publisher.authorize(socket_id, channel, member)


# --- the Pusher adapter's failures -----------------------------------------------------------


@pytest.fixture
def observed(soketi_server: Soketi, pusher_js: Callable[..., PusherJsClient]) -> PusherJsClient:
    client = pusher_js([PUBLIC])
    client.wait_subscribed(PUBLIC)
    return client


def test_a_wrong_secret_is_a_delivery_failure_though_soketi_answers_200(
        soketi_server: Soketi, observed: PusherJsClient) -> None:
    forged = pusher_publisher(soketi_server, secret="not-the-secret")
    with pytest.raises(DeliveryFailed, match="refused"):
        forged.publish([PUBLIC], "forged", {"n": 1})
    pusher_publisher(soketi_server).publish([PUBLIC], "sentinel", {"n": 0})
    observed.wait_event(PUBLIC, "sentinel")
    assert [m["event"] for m in observed.events()] == ["sentinel"]


def test_an_unknown_app_is_a_delivery_failure(soketi_server: Soketi) -> None:
    with pytest.raises(DeliveryFailed):
        pusher_publisher(soketi_server, app_id="999").publish([PUBLIC], "e", {})


def test_an_unreachable_service_is_a_delivery_failure(soketi_server: Soketi) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    with pytest.raises(DeliveryFailed):
        pusher_publisher(soketi_server, port=closed_port, timeout_seconds=2).publish(
            [PUBLIC], "e", {})


@pytest.mark.parametrize(("status", "body"), [(413, "too large"), (500, "oops"),
                                              (401, "bad auth"), (200, "not json")])
def test_an_error_answer_is_a_delivery_failure(soketi_server: Soketi, status: int,
                                               body: str) -> None:
    calls: list[str] = []

    def answer(environ: Any, start_response: Any) -> Any:
        calls.append(Request(environ).path)
        return Response(body, status=status)(environ, start_response)

    with LocalServer(answer) as server, pytest.raises(DeliveryFailed):
        pusher_publisher(soketi_server, port=server.port).publish([PUBLIC], "e", {})
    assert calls == [f"/apps/{soketi_server.app_id}/events"]


def test_a_signature_of_another_secret_is_refused_by_soketi(
        soketi_server: Soketi, pusher_js: Callable[..., PusherJsClient]) -> None:
    endpoint = AuthEndpoint(pusher_publisher(soketi_server, secret="not-the-secret"))
    with LocalServer(endpoint) as server:
        client = pusher_js(["private-user.u-7"], auth_endpoint=f"{server.url}/auth")
        outcome = client.wait_subscription("private-user.u-7")
    assert len(endpoint.answers) == 1  # signed, and refused by soketi
    assert outcome["type"] == "subscription_error" and outcome["status"] == 401
