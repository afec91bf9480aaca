"""The ``VideoRooms`` contract, run against every vendor: public Jitsi, self-hosted Jitsi with
tokens, JaaS and Agora. Each signed pass is read back the way its vendor reads it (the JWT
verified with the secret or public key, Agora's token with its HMAC recomputed) and reduced
to what it admits to: the room, the rights, the window."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.outbound.live.agora import AgoraVideoRooms
from adapters.outbound.live.jitsi import JaasVideoRooms, JitsiTokenVideoRooms, JitsiVideoRooms
from application.live.ports import Attendee, RoomPass, VideoRooms
from domain.live.model import RoomRole
from tests.contracts import Contract
from tests.integration.live.test_video_room_tokens import AT_ANY_TIME, open_agora_token, pem

VIDEO_ROOMS = Contract(VideoRooms, {"jitsi": JitsiVideoRooms,
                                    "jitsi-token": JitsiTokenVideoRooms,
                                    "jaas": JaasVideoRooms, "agora": AgoraVideoRooms})
SIGNED = ("jitsi-token", "jaas", "agora")  # what a public room cannot promise: a token

NOW = datetime(2031, 3, 4, 9, 30, 15, 750000, tzinfo=UTC)
ROOM = "physics-2b"
JITSI_APP, JITSI_SECRET = "eduport", "contract-secret-" + "x" * 32
JAAS_APP, JAAS_KEY = "vpaas-magic-cookie-contract0123456789abcdef0123", "k-1"
AGORA_APP, AGORA_CERT = "abcdef0123456789abcdef0123456789", "0123456789abcdef0123456789abcdef"

# What each role may do, in the words of any vendor; a vendor says what it can of it.
RIGHTS = {RoomRole.HOST: frozenset({"join", "publish", "moderate", "record"}),
          RoomRole.SPEAKER: frozenset({"join", "publish"}),
          RoomRole.AUDIENCE: frozenset({"join"})}


@dataclass(frozen=True)
class Granted:
    """What a signed pass admits to, as its vendor reads it."""

    room: str
    who: str
    rights: frozenset[str]
    not_before: int | None  # unix seconds; None: the vendor has no start
    not_after: int


@dataclass
class RoomsUnderTest:
    rooms: Any
    provider: str
    limit: timedelta | None  # the vendor's longest pass; None: a public room, no token
    expressible: frozenset[str]  # the rights the vendor's pass can say
    read: Callable[[RoomPass], Granted]  # verifies the signature, or fails
    who: Callable[[Attendee], str]  # how the vendor names the attendee


def params(*names: str) -> list[Any]:
    return [p for p in VIDEO_ROOMS.params() if (p if isinstance(p, str) else p.values[0]) in names]


def student(role: RoomRole = RoomRole.SPEAKER) -> Attendee:
    return Attendee("u-7", "Grace Hopper", "grace@example.test", role, 31337)


def _jitsi() -> RoomsUnderTest:
    def cannot_read(room_pass: RoomPass) -> Granted:
        raise AssertionError("a public room has no token to read")

    return RoomsUnderTest(VIDEO_ROOMS.build("jitsi", JitsiVideoRooms), "jitsi", None,
                          frozenset(), cannot_read, lambda attendee: attendee.user_id)


def _jwt_granted(claims: dict[str, Any], moderates: bool, records: bool) -> Granted:
    rights = {"join"} | ({"moderate"} if moderates else set()) | (
        {"record"} if records else set())
    return Granted(claims["room"], claims["context"]["user"]["id"], frozenset(rights),
                   claims["nbf"], claims["exp"])


def _jitsi_token() -> RoomsUnderTest:
    rooms = VIDEO_ROOMS.build("jitsi-token", lambda: JitsiTokenVideoRooms(
        "meet.eduport.test", JITSI_APP, JITSI_SECRET))

    def read(room_pass: RoomPass) -> Granted:
        assert room_pass.token is not None
        claims = jwt.decode(room_pass.token, JITSI_SECRET, algorithms=["HS256"],
                            audience="jitsi", issuer=JITSI_APP, options=AT_ANY_TIME)
        user = claims["context"]["user"]
        # Either claim makes an owner under token_affiliation.
        return _jwt_granted(claims, user["affiliation"] == "owner" or user["moderator"] == "true",
                            records=False)

    return RoomsUnderTest(rooms, "jitsi", timedelta(hours=2), frozenset({"join", "moderate"}),
                          read, lambda attendee: attendee.user_id)


def _jaas(key: rsa.RSAPrivateKey) -> RoomsUnderTest:
    rooms = VIDEO_ROOMS.build("jaas", lambda: JaasVideoRooms(JAAS_APP, JAAS_KEY, pem(key)))

    def read(room_pass: RoomPass) -> Granted:
        assert room_pass.token is not None
        claims = jwt.decode(room_pass.token, key.public_key(), algorithms=["RS256"],
                            audience="jitsi", issuer="chat", options=AT_ANY_TIME)
        assert claims["sub"] == JAAS_APP
        features = claims["context"]["features"].values()
        return _jwt_granted(claims, claims["context"]["user"]["moderator"] == "true",
                            records="true" in features)

    return RoomsUnderTest(rooms, "jaas", timedelta(hours=2),
                          frozenset({"join", "moderate", "record"}), read,
                          lambda attendee: attendee.user_id)


def _agora() -> RoomsUnderTest:
    rooms = VIDEO_ROOMS.build("agora", lambda: AgoraVideoRooms(AGORA_APP, AGORA_CERT))

    def read(room_pass: RoomPass) -> Granted:
        assert room_pass.token is not None and room_pass.uid is not None
        token = open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, room_pass.room,
                                 room_pass.uid)
        rights = {"join"} if 1 in token.privileges else set()
        if {2, 3, 4} & token.privileges.keys():
            rights.add("publish")
        return Granted(room_pass.room, str(room_pass.uid), frozenset(rights), None,
                       max(token.privileges.values()))

    return RoomsUnderTest(rooms, "agora", timedelta(hours=1), frozenset({"join", "publish"}),
                          read, lambda attendee: str(attendee.uid))


@pytest.fixture(scope="module")
def jaas_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _build(request: pytest.FixtureRequest) -> RoomsUnderTest:
    name = request.param
    if name == "jitsi":
        return _jitsi()
    if name == "jitsi-token":
        return _jitsi_token()
    if name == "jaas":
        return _jaas(request.getfixturevalue("jaas_key"))
    return _agora()


@pytest.fixture(params=VIDEO_ROOMS.params())
def rooms(request: pytest.FixtureRequest) -> RoomsUnderTest:
    return _build(request)


@pytest.fixture(params=params(*SIGNED))
def signed_rooms(request: pytest.FixtureRequest) -> RoomsUnderTest:
    return _build(request)


@pytest.fixture(params=params("jitsi"))
def public_rooms(request: pytest.FixtureRequest) -> RoomsUnderTest:
    return _build(request)


def unix(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def test_video_rooms_contract_the_pass_names_the_room_and_the_attendee(
    rooms: RoomsUnderTest,
) -> None:
    room_pass = rooms.rooms.admit(ROOM, student(), NOW, NOW + timedelta(hours=1))
    assert rooms.rooms.provider == room_pass.provider == rooms.provider
    assert (room_pass.room, room_pass.display_name) == (ROOM, "Grace Hopper")
    # The client can enter: by a link, or with what the SDK joins with.
    if room_pass.join_url is None:
        assert None not in (room_pass.app_id, room_pass.uid, room_pass.token)
    else:
        assert room_pass.join_url.startswith("https://")
        assert f"/{ROOM}" in room_pass.join_url
        assert room_pass.token is None or room_pass.join_url.endswith(f"?jwt={room_pass.token}")


@pytest.mark.parametrize("not_after", [NOW, NOW - timedelta(seconds=1)], ids=["now", "before"])
def test_video_rooms_contract_not_after_must_be_after_now(rooms: RoomsUnderTest,
                                                          not_after: datetime) -> None:
    with pytest.raises(ValueError):
        rooms.rooms.admit(ROOM, student(), NOW, not_after)


@pytest.mark.parametrize("room", ["", "Physics", "physics 2b", "physics_2b", "a/b", "a@b", "*",
                                  "café", "x" * 64, "physics-2b\n"])
def test_video_rooms_contract_a_room_outside_a_z_0_9_dash_is_refused(rooms: RoomsUnderTest,
                                                                     room: str) -> None:
    with pytest.raises(ValueError):
        rooms.rooms.admit(room, student(), NOW, NOW + timedelta(hours=1))


@pytest.mark.parametrize("room", ["a", "0", "x" * 63, "-edge-"])
def test_video_rooms_contract_every_name_of_the_rule_is_accepted(rooms: RoomsUnderTest,
                                                                 room: str) -> None:
    assert rooms.rooms.admit(room, student(), NOW, NOW + timedelta(hours=1)).room == room


@pytest.mark.parametrize("now", [NOW.replace(tzinfo=None),
                                 NOW.astimezone(timezone(timedelta(hours=2)))],
                         ids=["naive", "not-utc"])
def test_video_rooms_contract_now_is_an_aware_utc_time(rooms: RoomsUnderTest,
                                                       now: datetime) -> None:
    with pytest.raises(ValueError):
        rooms.rooms.admit(ROOM, student(), now, NOW + timedelta(hours=1))


def test_video_rooms_contract_the_same_arguments_give_an_equivalent_pass(
    rooms: RoomsUnderTest,
) -> None:
    args = (ROOM, student(RoomRole.HOST), NOW, NOW + timedelta(minutes=45))
    first, second = rooms.rooms.admit(*args), rooms.rooms.admit(*args)
    # Agora salts each token: equivalent, not equal. The link holds the token.
    skip = {"token", "join_url"} if rooms.provider == "agora" else set()
    for field in fields(RoomPass):
        if field.name not in skip:
            assert getattr(first, field.name) == getattr(second, field.name), field.name
    if rooms.limit is not None:
        assert rooms.read(first) == rooms.read(second)


def test_video_rooms_contract_a_public_pass_has_no_token_and_no_end(
    public_rooms: RoomsUnderTest,
) -> None:
    room_pass = public_rooms.rooms.admit(ROOM, student(RoomRole.HOST), NOW,
                                         NOW + timedelta(minutes=5))
    assert (room_pass.token, room_pass.expires_at) == (None, None)


def test_video_rooms_contract_a_signed_pass_admits_to_this_room_and_attendee_only(
    signed_rooms: RoomsUnderTest,
) -> None:
    attendee = student()
    granted = signed_rooms.read(signed_rooms.rooms.admit(ROOM, attendee, NOW,
                                                         NOW + timedelta(hours=1)))
    assert (granted.room, granted.who) == (ROOM, signed_rooms.who(attendee))


@pytest.mark.parametrize("role", list(RoomRole))
def test_video_rooms_contract_a_signed_pass_grants_the_roles_rights_and_no_more(
    signed_rooms: RoomsUnderTest, role: RoomRole,
) -> None:
    granted = signed_rooms.read(signed_rooms.rooms.admit(ROOM, student(role), NOW,
                                                         NOW + timedelta(hours=1)))
    assert granted.rights == RIGHTS[role] & signed_rooms.expressible


@pytest.mark.parametrize("later", [timedelta(seconds=1), timedelta(minutes=10, seconds=0.9),
                                   timedelta(minutes=59, seconds=59)], ids=str)
def test_video_rooms_contract_a_signed_pass_lapses_at_not_after_when_it_comes_first(
    signed_rooms: RoomsUnderTest, later: timedelta,
) -> None:
    not_after = NOW + later
    room_pass = signed_rooms.rooms.admit(ROOM, student(), NOW, not_after)
    granted = signed_rooms.read(room_pass)
    assert granted.not_after == unix(not_after) <= not_after.timestamp()
    assert room_pass.expires_at == datetime.fromtimestamp(granted.not_after, UTC)
    assert granted.not_before in (None, unix(NOW))


@pytest.mark.parametrize("later", [timedelta(hours=2, seconds=1), timedelta(days=30)], ids=str)
def test_video_rooms_contract_a_signed_pass_lapses_at_the_vendors_limit_when_it_comes_first(
    signed_rooms: RoomsUnderTest, later: timedelta,
) -> None:
    assert signed_rooms.limit is not None
    room_pass = signed_rooms.rooms.admit(ROOM, student(), NOW, NOW + later)
    granted = signed_rooms.read(room_pass)
    assert granted.not_after == unix(NOW + signed_rooms.limit)
    assert room_pass.expires_at == datetime.fromtimestamp(granted.not_after, UTC)
