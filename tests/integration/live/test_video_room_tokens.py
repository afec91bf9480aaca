"""What each vendor reads from a pass, read the way the vendor does: Jitsi's and JaaS's JWTs
decoded and verified by PyJWT with the checks Prosody and 8x8 make, Agora's ``006`` token
unpacked byte by byte and its HMAC recomputed from the app certificate."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.types import Options

from adapters.outbound.live.agora import AgoraVideoRooms
from adapters.outbound.live.jitsi import JaasVideoRooms, JitsiTokenVideoRooms, JitsiVideoRooms
from application.live.ports import Attendee
from domain.live.model import RoomRole

# A fraction of a second past the minute: every expiry must round down, never up.
NOW = datetime(2031, 3, 4, 9, 30, 15, 750000, tzinfo=UTC)
ROOM = "maths-101"

JITSI_DOMAIN, JITSI_APP, JITSI_SECRET = "meet.eduport.test", "eduport", "s" * 40
JAAS_APP, JAAS_KEY = "vpaas-magic-cookie-0123456789abcdef0123456789abcdef", "a1b2c3"
AGORA_APP, AGORA_CERT = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"

JOIN, PUBLISH_AUDIO, PUBLISH_VIDEO, PUBLISH_DATA = 1, 2, 3, 4  # AccessToken's privileges
JAAS_FEATURES = ("livestreaming", "recording", "transcription", "outbound-call")
# The window is checked against NOW by the tests: PyJWT would check it on the host's clock.
AT_ANY_TIME: Options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
NOT_AFTER = [timedelta(seconds=1), timedelta(minutes=30, seconds=0.7), timedelta(hours=2),
             timedelta(hours=2, seconds=1), timedelta(days=3)]


def attendee(role: RoomRole, uid: int = 7, **changes: Any) -> Attendee:
    values: dict[str, Any] = {"user_id": "u-42", "name": "Ada Lovelace",
                              "email": "ada@example.test", "role": role, "uid": uid, **changes}
    return Attendee(**values)


def unix(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- Agora's 006 token, read without the library ---------------------------------------------


@dataclass(frozen=True)
class AgoraToken:
    app_id: str
    salt: int
    ts: int  # when the token itself lapses (the library's: its host's clock + 24 h)
    privileges: dict[int, int]  # privilege -> when it lapses (unix seconds)


def _unpack(fmt: str, data: bytes, at: int) -> tuple[tuple[Any, ...], int]:
    return struct.unpack_from(fmt, data, at), at + struct.calcsize(fmt)


def _string(data: bytes, at: int) -> tuple[bytes, int]:
    (size,), at = _unpack("<H", data, at)
    if at + size > len(data):
        raise ValueError("a packed string runs past the end")
    return data[at:at + size], at + size


def open_agora_token(token: str, app_id: str, certificate: str, channel: str,
                     uid: int) -> AgoraToken:
    """The token's content once its signature is recomputed from ``certificate`` over
    app id, channel, uid and message; ValueError when anything does not match."""
    if token[:3] != "006" or token[3:3 + len(app_id)] != app_id:
        raise ValueError("not a 006 token for this app id")
    content = base64.b64decode(token[3 + len(app_id):], validate=True)
    signature, at = _string(content, 0)
    (crc_channel, crc_uid), at = _unpack("<II", content, at)
    message, at = _string(content, at)
    if at != len(content):
        raise ValueError("bytes after the message")
    (salt, ts, count), at = _unpack("<IIH", message, 0)
    privileges = {}
    for _ in range(count):
        (key, value), at = _unpack("<HI", message, at)
        privileges[key] = value
    if at != len(message):
        raise ValueError("bytes after the privileges")
    uid_text = str(uid).encode()
    if (crc_channel, crc_uid) != (zlib.crc32(channel.encode()), zlib.crc32(uid_text)):
        raise ValueError("the token names another channel or uid")
    expected = hmac.new(certificate.encode(), app_id.encode() + channel.encode() + uid_text
                        + message, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("the signature does not match the certificate")
    return AgoraToken(app_id, salt, ts, privileges)


def agora() -> AgoraVideoRooms:
    return AgoraVideoRooms(AGORA_APP, AGORA_CERT)


def test_agora_pass_is_what_the_sdk_joins_with() -> None:
    room_pass = agora().admit(ROOM, attendee(RoomRole.SPEAKER, uid=4242), NOW,
                              NOW + timedelta(hours=5))
    assert (room_pass.provider, room_pass.room, room_pass.display_name) == (
        "agora", ROOM, "Ada Lovelace")
    assert (room_pass.app_id, room_pass.uid, room_pass.join_url) == (AGORA_APP, 4242, None)
    assert room_pass.token is not None and room_pass.token.startswith(f"006{AGORA_APP}")
    assert room_pass.expires_at == NOW.replace(microsecond=0) + timedelta(hours=1)
    assert open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 4242).app_id == AGORA_APP


def test_agora_audience_may_join_and_not_publish() -> None:
    not_after = NOW + timedelta(hours=5)
    room_pass = agora().admit(ROOM, attendee(RoomRole.AUDIENCE), NOW, not_after)
    assert room_pass.token is not None
    token = open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 7)
    assert token.privileges == {JOIN: unix(NOW + timedelta(hours=1))}


@pytest.mark.parametrize("role", [RoomRole.HOST, RoomRole.SPEAKER])
def test_agora_host_and_speaker_publish_audio_video_and_data(role: RoomRole) -> None:
    room_pass = agora().admit(ROOM, attendee(role), NOW, NOW + timedelta(hours=5))
    assert room_pass.token is not None
    token = open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 7)
    expiry = unix(NOW + timedelta(hours=1))
    assert token.privileges == dict.fromkeys(
        (JOIN, PUBLISH_AUDIO, PUBLISH_VIDEO, PUBLISH_DATA), expiry)


@pytest.mark.parametrize("later", NOT_AFTER, ids=str)
def test_agora_privileges_lapse_at_not_after_or_the_ttl_by_the_given_clock(
    later: timedelta,
) -> None:
    # NOW is years away from the host's clock: an expiry taken from time.time() would show.
    not_after = NOW + later
    room_pass = agora().admit(ROOM, attendee(RoomRole.HOST), NOW, not_after)
    assert room_pass.token is not None
    token = open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 7)
    expiry = unix(min(not_after, NOW + timedelta(hours=1)))
    assert set(token.privileges.values()) == {expiry}
    assert expiry <= not_after.timestamp() and expiry <= (NOW + timedelta(hours=1)).timestamp()
    assert room_pass.expires_at == datetime.fromtimestamp(expiry, UTC)


def test_agora_token_ttl_is_the_limit() -> None:
    rooms = AgoraVideoRooms(AGORA_APP, AGORA_CERT, token_ttl=timedelta(minutes=10))
    room_pass = rooms.admit(ROOM, attendee(RoomRole.AUDIENCE), NOW, NOW + timedelta(hours=5))
    assert room_pass.token is not None
    token = open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 7)
    assert token.privileges == {JOIN: unix(NOW + timedelta(minutes=10))}


def test_agora_token_from_another_certificate_fails_the_recomputation() -> None:
    forged = AgoraVideoRooms(AGORA_APP, "0" * 32).admit(
        ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    assert forged.token is not None
    with pytest.raises(ValueError, match="signature"):
        open_agora_token(forged.token, AGORA_APP, AGORA_CERT, ROOM, 7)


def test_agora_token_admits_its_channel_and_uid_only() -> None:
    room_pass = agora().admit(ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    assert room_pass.token is not None
    with pytest.raises(ValueError, match="another channel or uid"):
        open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, "maths-102", 7)
    with pytest.raises(ValueError, match="another channel or uid"):
        open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, 8)


def test_agora_audience_token_given_publish_rights_fails_the_recomputation() -> None:
    room_pass = agora().admit(ROOM, attendee(RoomRole.AUDIENCE), NOW, NOW + timedelta(hours=1))
    assert room_pass.token is not None
    content = base64.b64decode(room_pass.token[3 + len(AGORA_APP):])
    signature, at = _string(content, 0)
    crcs, at = content[at:at + 8], at + 8
    message, _ = _string(content, at)
    (salt, ts, _count, key, value) = struct.unpack("<IIHHI", message)
    assert key == JOIN
    widened = struct.pack("<IIHHIHI", salt, ts, 2, JOIN, value, PUBLISH_AUDIO, value)
    body = struct.pack("<H", len(signature)) + signature + crcs + struct.pack(
        "<H", len(widened)) + widened
    tampered = f"006{AGORA_APP}{base64.b64encode(body).decode()}"
    with pytest.raises(ValueError, match="signature"):
        open_agora_token(tampered, AGORA_APP, AGORA_CERT, ROOM, 7)


@pytest.mark.parametrize("uid", [1, 2**32 - 1])
def test_agora_uid_range_ends_are_signed(uid: int) -> None:
    room_pass = agora().admit(ROOM, attendee(RoomRole.AUDIENCE, uid=uid), NOW,
                              NOW + timedelta(hours=1))
    assert room_pass.token is not None and room_pass.uid == uid
    assert open_agora_token(room_pass.token, AGORA_APP, AGORA_CERT, ROOM, uid).privileges


@pytest.mark.parametrize("uid", [0, -1, 2**32, True])
def test_agora_uid_outside_the_range_is_refused(uid: int) -> None:
    with pytest.raises(ValueError, match="uid"):
        agora().admit(ROOM, attendee(RoomRole.AUDIENCE, uid=uid), NOW, NOW + timedelta(hours=1))


@pytest.mark.parametrize(("app_id", "certificate", "ttl"), [
    ("", AGORA_CERT, timedelta(hours=1)), (AGORA_APP, "", timedelta(hours=1)),
    (AGORA_APP, AGORA_CERT, timedelta(0)), (AGORA_APP, AGORA_CERT, timedelta(hours=25)),
])
def test_agora_refuses_a_configuration_that_cannot_sign(app_id: str, certificate: str,
                                                        ttl: timedelta) -> None:
    with pytest.raises(ValueError):
        AgoraVideoRooms(app_id, certificate, token_ttl=ttl)


# --- Self-hosted Jitsi ----------------------------------------------------------------------


def jitsi_token_rooms(**changes: Any) -> JitsiTokenVideoRooms:
    options: dict[str, Any] = {"domain": JITSI_DOMAIN, "app_id": JITSI_APP,
                               "app_secret": JITSI_SECRET, **changes}
    return JitsiTokenVideoRooms(**options)


def decode_jitsi(token: str, *, on_the_real_clock: bool = False) -> dict[str, Any]:
    """As Prosody's token module checks it: signature, issuer, audience and the claims it
    requires (exp and nbf against NOW, the suite's clock, unless asked otherwise)."""
    options: Options = {"require": ["iss", "aud", "sub", "room", "iat", "nbf", "exp"]}
    if not on_the_real_clock:
        options |= AT_ANY_TIME
    claims: dict[str, Any] = jwt.decode(token, JITSI_SECRET, algorithms=["HS256"],
                                        audience="jitsi", issuer=JITSI_APP, options=options)
    return claims


def test_jitsi_token_is_what_prosody_checks() -> None:
    rooms = jitsi_token_rooms(domain="Meet.Eduport.TEST")
    room_pass = rooms.admit(ROOM, attendee(RoomRole.SPEAKER), NOW, NOW + timedelta(hours=5))
    assert room_pass.token is not None
    assert jwt.get_unverified_header(room_pass.token)["alg"] == "HS256"
    claims = decode_jitsi(room_pass.token)
    start = unix(NOW)
    assert claims == {
        "iss": JITSI_APP, "aud": "jitsi", "sub": JITSI_DOMAIN, "room": ROOM,
        "iat": start, "nbf": start, "exp": unix(NOW + timedelta(hours=2)),
        "context": {"user": {"id": "u-42", "name": "Ada Lovelace", "email": "ada@example.test",
                             "affiliation": "member", "moderator": "false"}},
    }
    assert room_pass.join_url == f"https://{JITSI_DOMAIN}/{ROOM}?jwt={room_pass.token}"
    assert (room_pass.provider, room_pass.display_name) == ("jitsi", "Ada Lovelace")
    assert room_pass.expires_at == datetime.fromtimestamp(claims["exp"], UTC)
    assert (room_pass.app_id, room_pass.uid) == (None, None)


@pytest.mark.parametrize(("role", "affiliation", "moderator"), [
    (RoomRole.HOST, "owner", "true"), (RoomRole.SPEAKER, "member", "false"),
    (RoomRole.AUDIENCE, "member", "false"),
])
def test_jitsi_only_the_host_is_made_moderator(role: RoomRole, affiliation: str,
                                               moderator: str) -> None:
    room_pass = jitsi_token_rooms().admit(ROOM, attendee(role), NOW, NOW + timedelta(hours=1))
    assert room_pass.token is not None
    user = decode_jitsi(room_pass.token)["context"]["user"]
    # token_affiliation: owner when affiliation is owner or moderator is "true".
    assert (user["affiliation"], user["moderator"]) == (affiliation, moderator)
    assert all(isinstance(value, str) for value in user.values())


@pytest.mark.parametrize("later", NOT_AFTER, ids=str)
def test_jitsi_token_never_outlives_not_after_nor_two_hours(later: timedelta) -> None:
    not_after = NOW + later
    room_pass = jitsi_token_rooms().admit(ROOM, attendee(RoomRole.HOST), NOW, not_after)
    assert room_pass.token is not None
    claims = decode_jitsi(room_pass.token)
    assert claims["exp"] == unix(min(not_after, NOW + timedelta(hours=2)))
    assert claims["exp"] <= not_after.timestamp()
    assert claims["exp"] <= (NOW + timedelta(hours=2)).timestamp()
    assert claims["nbf"] == claims["iat"] == unix(NOW) < claims["exp"]


def test_jitsi_max_ttl_is_the_limit() -> None:
    rooms = jitsi_token_rooms(max_ttl=timedelta(minutes=15))
    room_pass = rooms.admit(ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    assert room_pass.token is not None
    assert decode_jitsi(room_pass.token)["exp"] == unix(NOW + timedelta(minutes=15))


def test_jitsi_token_is_accepted_by_a_verifier_on_the_real_clock() -> None:
    now = datetime.now(UTC)
    room_pass = jitsi_token_rooms().admit(ROOM, attendee(RoomRole.HOST), now,
                                          now + timedelta(hours=1))
    assert room_pass.token is not None
    assert decode_jitsi(room_pass.token, on_the_real_clock=True)["room"] == ROOM


def test_jitsi_token_from_another_secret_or_app_is_refused() -> None:
    args = (ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    forged = jitsi_token_rooms(app_secret="t" * 40).admit(*args).token
    other_app = jitsi_token_rooms(app_id="someone-else").admit(*args).token
    assert forged is not None and other_app is not None
    with pytest.raises(jwt.InvalidSignatureError):
        decode_jitsi(forged)
    with pytest.raises(jwt.InvalidIssuerError):
        decode_jitsi(other_app)


def test_jitsi_token_refuses_a_null_user_field() -> None:
    with pytest.raises(ValueError, match="email"):
        jitsi_token_rooms().admit(ROOM, attendee(RoomRole.HOST, email=None), NOW,
                                  NOW + timedelta(hours=1))


@pytest.mark.parametrize("name", ["Ada Lovelace", "أحمد & \"Zed\" #1 100%"])
def test_public_jitsi_prefills_the_name_and_carries_no_token(name: str) -> None:
    room_pass = JitsiVideoRooms().admit(ROOM, attendee(RoomRole.AUDIENCE, name=name), NOW,
                                        NOW + timedelta(hours=1))
    assert (room_pass.token, room_pass.expires_at, room_pass.provider) == (None, None, "jitsi")
    assert room_pass.join_url is not None
    url = urlsplit(room_pass.join_url)
    assert (url.scheme, url.netloc, url.path, url.query) == ("https", "meet.jit.si",
                                                             f"/{ROOM}", "")
    key, _, value = url.fragment.partition("=")
    assert key == "userInfo.displayName" and "#" not in value and "&" not in value
    assert json.loads(unquote(value)) == name


def test_public_jitsi_link_for_a_plain_name() -> None:
    room_pass = JitsiVideoRooms("meet.eduport.test").admit(
        ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    assert room_pass.join_url == (
        "https://meet.eduport.test/maths-101#userInfo.displayName=%22Ada%20Lovelace%22")


# --- JaaS ------------------------------------------------------------------------------------


def jaas_rooms(key: rsa.RSAPrivateKey, **changes: Any) -> JaasVideoRooms:
    options: dict[str, Any] = {"app_id": JAAS_APP, "key_id": JAAS_KEY,
                               "private_key_pem": pem(key), **changes}
    return JaasVideoRooms(**options)


def decode_jaas(token: str, key: rsa.RSAPrivateKey, *,
                on_the_real_clock: bool = False) -> dict[str, Any]:
    options: Options = {"require": ["iss", "aud", "sub", "room", "nbf", "exp"]}
    if not on_the_real_clock:
        options |= AT_ANY_TIME
    claims: dict[str, Any] = jwt.decode(token, key.public_key(), algorithms=["RS256"],
                                        audience="jitsi", issuer="chat", options=options)
    return claims


@pytest.mark.parametrize(("role", "flag"), [
    (RoomRole.HOST, "true"), (RoomRole.SPEAKER, "false"), (RoomRole.AUDIENCE, "false"),
])
def test_jaas_token_is_what_8x8_checks(rsa_key: rsa.RSAPrivateKey, role: RoomRole,
                                       flag: str) -> None:
    room_pass = jaas_rooms(rsa_key).admit(ROOM, attendee(role), NOW, NOW + timedelta(hours=5))
    assert room_pass.token is not None
    assert jwt.get_unverified_header(room_pass.token) == {
        "alg": "RS256", "kid": f"{JAAS_APP}/{JAAS_KEY}", "typ": "JWT"}
    claims = decode_jaas(room_pass.token, rsa_key)
    assert claims == {
        "iss": "chat", "aud": "jitsi", "sub": JAAS_APP, "room": ROOM,
        "nbf": unix(NOW), "exp": unix(NOW + timedelta(hours=2)),
        "context": {"user": {"id": "u-42", "name": "Ada Lovelace", "email": "ada@example.test",
                             "moderator": flag},
                    "features": dict.fromkeys(JAAS_FEATURES, flag)},
    }
    assert room_pass.join_url == f"https://8x8.vc/{JAAS_APP}/{ROOM}?jwt={room_pass.token}"
    assert (room_pass.provider, room_pass.expires_at) == (
        "jaas", datetime.fromtimestamp(claims["exp"], UTC))


@pytest.mark.parametrize("later", NOT_AFTER, ids=str)
def test_jaas_token_never_outlives_not_after_nor_two_hours(rsa_key: rsa.RSAPrivateKey,
                                                           later: timedelta) -> None:
    not_after = NOW + later
    room_pass = jaas_rooms(rsa_key).admit(ROOM, attendee(RoomRole.AUDIENCE), NOW, not_after)
    assert room_pass.token is not None
    claims = decode_jaas(room_pass.token, rsa_key)
    assert claims["exp"] == unix(min(not_after, NOW + timedelta(hours=2)))
    assert claims["exp"] <= not_after.timestamp()
    assert claims["nbf"] == unix(NOW) < claims["exp"]


def test_jaas_key_id_is_taken_in_full_or_short(rsa_key: rsa.RSAPrivateKey) -> None:
    args = (ROOM, attendee(RoomRole.HOST), NOW, NOW + timedelta(hours=1))
    full = jaas_rooms(rsa_key, key_id=f"{JAAS_APP}/{JAAS_KEY}").admit(*args).token
    assert full is not None
    assert jwt.get_unverified_header(full)["kid"] == f"{JAAS_APP}/{JAAS_KEY}"
    with pytest.raises(ValueError, match="does not belong"):
        jaas_rooms(rsa_key, key_id=f"vpaas-magic-cookie-other/{JAAS_KEY}")


def test_jaas_token_signed_by_another_key_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jaas_rooms(other).admit(ROOM, attendee(RoomRole.HOST), NOW,
                                     NOW + timedelta(hours=1)).token
    assert forged is not None
    with pytest.raises(jwt.InvalidSignatureError):
        decode_jaas(forged, rsa_key)


def test_jaas_token_is_accepted_by_a_verifier_on_the_real_clock(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    now = datetime.now(UTC)
    room_pass = jaas_rooms(rsa_key).admit(ROOM, attendee(RoomRole.HOST), now,
                                          now + timedelta(hours=1))
    assert room_pass.token is not None
    assert decode_jaas(room_pass.token, rsa_key, on_the_real_clock=True)["sub"] == JAAS_APP


def test_jaas_refuses_a_key_that_is_not_rsa() -> None:
    with pytest.raises(ValueError, match="RSA"):
        JaasVideoRooms(JAAS_APP, JAAS_KEY, pem(ec.generate_private_key(ec.SECP256R1())))
