"""Real-time channels: who may subscribe (AuthorizeChannel over the areas' rules), what a
channel name and an event may be, and the notification event published after the inbox
stores one."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from application.messaging.authorize_channel import AuthorizeChannel, AuthorizeChannelCommand
from application.messaging.channels import ChannelRule, ChannelRules, encode_event
from application.messaging.notify import Notify
from application.messaging.publish_notification import PublishNotification
from application.messaging.published import (
    MAX_EVENT_BYTES,
    ChannelsUnavailable,
    Notice,
    Recipient,
)
from application.shared.errors import DeliveryFailed
from application.shared.ports import Principal
from application.shared.process_outbox_message import (
    EventHandler,
    EventHandlers,
    ProcessOutboxMessage,
)
from domain.accounts.model import User
from domain.messaging.events import NotificationCreated
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.roles import Role
from tests.unit.conftest import World
from tests.unit.messaging.fakes import FakeRealtimePublisher

ANN = Principal("u-ann", Role.STUDENT)
BOB = Principal("u-bob", Role.TEACHER)
ROOT = Principal("u-root", Role.PLATFORM_ADMIN)
SOCKET = "1234.5678"


def add_user(world: World, principal: Principal, name: str) -> None:
    world.db.users[principal.user_id] = User(
        principal.user_id, f"{principal.user_id}@example.test", name, Role(principal.role),
        "hashed:x", world.clock.now())


def authorizer(world: World, rules: ChannelRules | None = None
               ) -> tuple[AuthorizeChannel, FakeRealtimePublisher]:
    """The use case as wired (the areas' rules, the accounts' names), but for the fake
    channel service, or for the rules given."""
    publisher = FakeRealtimePublisher()
    given = {"publisher": publisher, **({"rules": rules} if rules is not None else {})}
    return world.build(AuthorizeChannel, **given), publisher


def authorize(use_case: AuthorizeChannel, principal: Principal, channel: str,
              socket_id: str = SOCKET) -> dict[str, str]:
    return use_case(AuthorizeChannelCommand(principal, socket_id, channel))


# --- the accounts area's rules, as wired -----------------------------------------------------


def test_a_person_may_subscribe_to_their_own_channel_signed_by_the_service(world: World) -> None:
    use_case, publisher = authorizer(world)
    answer = authorize(use_case, ANN, "private-user.u-ann")
    assert set(answer) == {"auth"}
    assert answer["auth"].startswith(f"{publisher.key}:")
    assert publisher.verify(SOCKET, "private-user.u-ann", answer)
    assert not publisher.verify("1234.5679", "private-user.u-ann", answer)  # bound to the socket


def test_another_persons_channel_is_refused(world: World) -> None:
    use_case, _ = authorizer(world)
    with pytest.raises(PermissionDenied):
        authorize(use_case, BOB, "private-user.u-ann")
    with pytest.raises(PermissionDenied):  # the id is the whole segment, not a prefix of it
        authorize(use_case, Principal("u-an", Role.STUDENT), "private-user.u-ann")
    with pytest.raises(PermissionDenied):  # nor a part of a longer name
        authorize(use_case, ANN, "private-user.u-ann.extra")


def test_the_admins_channel_is_for_platform_admins(world: World) -> None:
    use_case, publisher = authorizer(world)
    assert publisher.verify(SOCKET, "private-admin", authorize(use_case, ROOT, "private-admin"))
    for caller in (ANN, BOB, Principal("u-inst", Role.INSTITUTION_ADMIN)):
        with pytest.raises(PermissionDenied):
            authorize(use_case, caller, "private-admin")


def test_a_channel_no_rule_covers_is_refused(world: World) -> None:
    use_case, _ = authorizer(world)
    for channel in ("private-course.7", "presence-user.u-ann", "private-admin.extra"):
        with pytest.raises(PermissionDenied, match="no channel"):
            authorize(use_case, ROOT, channel)


@pytest.mark.parametrize("socket_id", ["", "1234", "1234.", ".5678", "12a4.5678", "1.2.3",
                                       "1234.5678\n", " 1234.5678", "1234,5678"])
def test_a_malformed_socket_id_is_invalid(world: World, socket_id: str) -> None:
    use_case, publisher = authorizer(world)
    with pytest.raises(InvalidValue, match="socket_id"):
        authorize(use_case, ANN, "private-user.u-ann", socket_id)
    assert publisher.published == []


@pytest.mark.parametrize("channel", ["", "private-user.u ann", "private-user.u-ann/x",
                                     "private-user.ü", "private-user.u-ann\n",
                                     "private-" + "x" * 157])
def test_a_malformed_channel_name_is_invalid(world: World, channel: str) -> None:
    use_case, _ = authorizer(world)
    with pytest.raises(InvalidValue, match="channel name"):
        authorize(use_case, ANN, channel)


def test_the_longest_channel_name_is_164_characters(world: World) -> None:
    rules = ChannelRules((ChannelRule("private-{id}", lambda caller, _: True),))
    use_case, publisher = authorizer(world, rules)
    longest = "private-" + "x" * 156
    assert len(longest) == 164
    assert publisher.verify(SOCKET, longest, authorize(use_case, ANN, longest))


@pytest.mark.parametrize("channel", ["course.42", "job-board", "private-encrypted-user.u-ann"])
def test_public_and_encrypted_channels_are_not_authorized_here(world: World,
                                                               channel: str) -> None:
    use_case, _ = authorizer(world)
    with pytest.raises(InvalidValue, match=r"public|encrypted"):
        authorize(use_case, ANN, channel)


def test_without_a_channel_service_authorizing_says_so(world: World) -> None:
    use_case = world.build(AuthorizeChannel)  # the embedded default: the log publisher
    with pytest.raises(ChannelsUnavailable):
        authorize(use_case, ANN, "private-user.u-ann")


# --- rules, presence ------------------------------------------------------------------------


def test_the_first_rule_whose_pattern_fits_decides() -> None:
    seen: list[str] = []

    def note(result: bool) -> Callable[[Principal, str], bool]:
        def check(caller: Principal, part: str) -> bool:
            seen.append(part)
            return result

        return check

    rules = ChannelRules((ChannelRule("private-course.{id}.teachers", note(False)),
                          ChannelRule("private-course.{id}", note(True)),
                          ChannelRule("private-course.{id}", note(False))))
    rules.decide(ANN, "private-course.42")
    assert seen == ["42"]
    with pytest.raises(PermissionDenied):
        rules.decide(ANN, "private-course.42.teachers")  # the first fits, and refuses
    assert seen == ["42", "42"]


def test_a_rule_is_for_private_or_presence_channels_with_one_id() -> None:
    with pytest.raises(ValueError, match="private- or presence-"):
        ChannelRule("course.{id}", lambda caller, _: True)
    with pytest.raises(ValueError, match="at most one"):
        ChannelRule("private-{id}.{id}", lambda caller, _: True)
    assert ChannelRule("private-admin", lambda caller, _: True).match("private-admin") == ""
    assert ChannelRule("private-admin", lambda caller, _: True).match("private-admins") is None


def test_a_presence_channel_shows_the_member_by_id_name_and_role(world: World) -> None:
    add_user(world, BOB, "Bob Baker")
    rules = ChannelRules((ChannelRule("presence-class.{id}", lambda caller, _: True),))
    use_case, publisher = authorizer(world, rules)
    answer = authorize(use_case, BOB, "presence-class.9")
    assert json.loads(answer["channel_data"]) == {
        "user_id": "u-bob", "user_info": {"name": "Bob Baker", "role": "teacher"}}
    assert publisher.verify(SOCKET, "presence-class.9", answer)
    forged = {**answer, "channel_data": answer["channel_data"].replace("teacher", "admin")}
    assert not publisher.verify(SOCKET, "presence-class.9", forged)  # the member is signed


def test_a_presence_channel_refuses_an_account_that_is_gone(world: World) -> None:
    rules = ChannelRules((ChannelRule("presence-class.{id}", lambda caller, _: True),))
    use_case, _ = authorizer(world, rules)
    with pytest.raises(PermissionDenied, match="account"):
        authorize(use_case, BOB, "presence-class.9")


# --- what an event may be --------------------------------------------------------------------


def test_an_event_is_checked_before_anything_is_sent() -> None:
    publisher = FakeRealtimePublisher()
    biggest = {"x": "a" * (MAX_EVENT_BYTES - len('{"x":""}'))}
    assert len(encode_event(["job-board"], "e", biggest).encode()) == MAX_EVENT_BYTES
    publisher.publish(["job-board"], "e", biggest)
    refused = [
        ([], "e", {}), (["c"] * 101, "e", {}), ("job-board", "e", {}),
        (["bad name"], "e", {}), (["x" * 165], "e", {}), (["c"], "", {}),
        (["c"], "x" * 201, {}), (["c"], "pusher:subscribe", {}),
        (["c"], "e", {"x": "a" * (MAX_EVENT_BYTES - len('{"x":""}') + 1)}),
        (["c"], "e", {"x": "é" * (MAX_EVENT_BYTES // 2)}),  # bytes, not characters
        (["c"], "e", {"when": object()}),
    ]
    for channels, event, data in refused:
        with pytest.raises(ValueError):
            publisher.publish(channels, event, data)  # type: ignore[arg-type]
    assert len(publisher.published) == 1
    publisher.publish(["c"] * 100, "e", {})
    assert len(publisher.published) == 2


# --- the notification event -------------------------------------------------------------------


def test_a_stored_notification_is_published_on_its_owners_channel(world: World) -> None:
    world.build(Notify)(Notice(Recipient("u-ann", "ann@example.test", "Ann"), "welcome",
                               "outbox:1:welcome", context={"role": "student", "link": "x"}))
    (note,) = world.db.notifications.values()
    [message_id] = [key for key, row in world.db.outbox.items()
                    if row["message"].event_type == "NotificationCreated"]
    publisher = FakeRealtimePublisher()
    handlers = EventHandlers({NotificationCreated: (EventHandler(
        "realtime", lambda event, key: PublishNotification(publisher)(event, key)),)})
    assert world.build(ProcessOutboxMessage, handlers=handlers)(message_id).ran == ("realtime",)
    (published,) = publisher.published
    assert published.channels == ("private-user.u-ann",)
    assert published.event == "notification.created"
    assert published.data == {"id": note.id, "kind": "welcome"}


def test_the_messaging_area_wires_the_handler(world: World,
                                              caplog: pytest.LogCaptureFixture) -> None:
    event = NotificationCreated("n-1", "u-ann", "welcome")
    (handler,) = world.injector.get(EventHandlers).for_event(event)
    assert handler.name == "realtime"
    with caplog.at_level(logging.INFO, logger="adapters.outbound.realtime.log"):
        handler.run(event, "outbox:9:realtime")  # the log publisher, on a fresh machine
    (record,) = [r for r in caplog.records if r.name == "adapters.outbound.realtime.log"]
    assert record.__dict__["event"] == "notification.created"
    assert record.__dict__["channels"] == ["private-user.u-ann"]
    assert "n-1" not in record.getMessage() + str(record.__dict__.get("data", ""))


def test_a_channel_service_failure_is_left_to_the_outbox_to_retry() -> None:
    publisher = FakeRealtimePublisher()
    publisher.failures.append(DeliveryFailed("pusher is down"))
    event = NotificationCreated("n-1", "u-ann", "welcome")
    with pytest.raises(DeliveryFailed):
        PublishNotification(publisher)(event, "outbox:9:realtime")
    PublishNotification(publisher)(event, "outbox:9:realtime")
    assert [e.data["id"] for e in publisher.published] == ["n-1"]
