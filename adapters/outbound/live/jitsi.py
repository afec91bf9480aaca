"""Jitsi Meet rooms (vendor-contracts.md, section 11): public rooms on any deployment, rooms
on a self-hosted deployment that checks tokens, and 8x8's JaaS. A pass is a link, signed
with PyJWT when the deployment checks tokens; nothing goes over the network.

Self-hosted tokens are what Prosody's ``token`` authentication checks (jitsi/jitsi-meet
resources/prosody-plugins/token/util.lib.lua): the HS256 signature with ``app_secret``, ``iss``
among ``asap_accepted_issuers`` (only ``app_id`` by default), ``aud``, a ``room`` claim
(compared with the lower-cased room; ``*`` would open every room, so it is never used), ``sub``
(the domain, when domain verification is on), ``exp`` and ``nbf``. That module keeps
``context.user`` for the session but grants no rights from it: moderators come from
jitsi-contrib/prosody-plugins ``token_affiliation``, which makes the occupant ``owner`` when
``context.user.affiliation`` is ``owner`` (or ``moderator``, ``teacher``) or
``context.user.moderator`` is ``"true"``, ``member`` otherwise. Tokens carry both claims, set
for the host only. The deployment must enable ``token_verification`` and ``token_affiliation``
and turn Jicofo's ``enable-auto-owner`` off, or whoever comes first moderates."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from adapters.outbound.live.rules import check_admission
from application.live.ports import Attendee, RoomPass
from domain.live.model import RoomRole

_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")
# What a JaaS moderator may switch on; 8x8 ignores the flags for anyone else.
_JAAS_FEATURES = ("livestreaming", "recording", "transcription", "outbound-call")


def _window(now: datetime, not_after: datetime, limit: timedelta) -> tuple[int, int]:
    """``nbf`` and ``exp`` in unix seconds, both rounded down so the token never outlives
    ``not_after`` nor the limit."""
    start = math.floor(now.timestamp())
    end = math.floor(min(not_after, now + limit).timestamp())
    if end <= start:
        raise ValueError("the pass would be valid for less than a second")
    return start, end


def _domain(domain: str) -> str:
    host = domain.strip().lower()
    if not _DOMAIN.fullmatch(host):
        raise ValueError(f"{domain!r} is not a host name (no scheme, no path)")
    return host


def _text(value: str, what: str) -> str:
    # Prosody's token code fails on a null user field; every one is a string.
    if not isinstance(value, str):
        raise ValueError(f"the attendee's {what} must be a string")
    return value


def _user(attendee: Attendee) -> dict[str, str]:
    return {"id": _text(attendee.user_id, "user_id"), "name": _text(attendee.name, "name"),
            "email": _text(attendee.email, "email")}


def _ttl(limit: timedelta) -> timedelta:
    if limit <= timedelta(0):
        raise ValueError("the token lifetime must be positive")
    return limit


class JitsiVideoRooms:
    """Public rooms: the link is the pass, so roles are not enforced (whoever the deployment
    makes moderator moderates) and nothing expires; the name is only prefilled."""

    provider = "jitsi"

    def __init__(self, domain: str = "meet.jit.si") -> None:
        self._domain = _domain(domain)

    def admit(self, room: str, attendee: Attendee, now: datetime,
              not_after: datetime) -> RoomPass:
        check_admission(room, now, not_after)
        # Jitsi reads each hash parameter as JSON: a quoted string, percent-encoded.
        name = quote(json.dumps(attendee.name, ensure_ascii=False), safe="")
        return RoomPass(provider=self.provider, room=room, display_name=attendee.name,
                        join_url=f"https://{self._domain}/{room}#userInfo.displayName={name}")


class JitsiTokenVideoRooms:
    """A self-hosted deployment with ``authentication = "token"``: an HS256 token for one
    room, moderator rights for the host only (see the module's docstring)."""

    provider = "jitsi"

    def __init__(self, domain: str, app_id: str, app_secret: str,
                 max_ttl: timedelta = timedelta(hours=2)) -> None:
        if not app_id or not app_secret:
            raise ValueError("app_id and app_secret are required")
        self._domain = _domain(domain)
        self._subject = self._domain.split(":", 1)[0]  # the XMPP domain, never the port
        self._app_id, self._secret, self._max_ttl = app_id, app_secret, _ttl(max_ttl)

    def admit(self, room: str, attendee: Attendee, now: datetime,
              not_after: datetime) -> RoomPass:
        check_admission(room, now, not_after)
        start, end = _window(now, not_after, self._max_ttl)
        host = attendee.role is RoomRole.HOST
        user = {**_user(attendee), "affiliation": "owner" if host else "member",
                "moderator": "true" if host else "false"}
        claims: dict[str, Any] = {
            "iss": self._app_id, "aud": "jitsi", "sub": self._subject, "room": room,
            "iat": start, "nbf": start, "exp": end, "context": {"user": user},
        }
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        return RoomPass(provider=self.provider, room=room, display_name=attendee.name,
                        join_url=f"https://{self._domain}/{room}?jwt={token}", token=token,
                        expires_at=datetime.fromtimestamp(end, UTC))


class JaasVideoRooms:
    """8x8's Jitsi as a Service: an RS256 token signed with the key whose public half was
    uploaded to the JaaS console; moderator and the paid features for the host only."""

    provider = "jaas"

    def __init__(self, app_id: str, key_id: str, private_key_pem: str, domain: str = "8x8.vc",
                 max_ttl: timedelta = timedelta(hours=2)) -> None:
        if not app_id or "/" in app_id or not key_id:
            raise ValueError("app_id (vpaas-magic-cookie-...) and key_id are required")
        # The console shows the key's id in full, "<app_id>/<id>"; either form is taken.
        short = key_id.removeprefix(f"{app_id}/")
        if not short or "/" in short:
            raise ValueError(f"key_id {key_id!r} does not belong to {app_id!r}")
        key = load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("JaaS signs with an RSA private key")
        self._app_id, self._kid, self._key = app_id, f"{app_id}/{short}", key
        self._domain, self._max_ttl = _domain(domain), _ttl(max_ttl)

    def admit(self, room: str, attendee: Attendee, now: datetime,
              not_after: datetime) -> RoomPass:
        check_admission(room, now, not_after)
        start, end = _window(now, not_after, self._max_ttl)
        host = "true" if attendee.role is RoomRole.HOST else "false"
        claims: dict[str, Any] = {
            "iss": "chat", "aud": "jitsi", "sub": self._app_id, "room": room,
            "nbf": start, "exp": end,
            "context": {"user": {**_user(attendee), "moderator": host},
                        "features": dict.fromkeys(_JAAS_FEATURES, host)},
        }
        token = jwt.encode(claims, self._key, algorithm="RS256",
                           headers={"kid": self._kid, "typ": "JWT"})
        return RoomPass(provider=self.provider, room=room, display_name=attendee.name,
                        join_url=f"https://{self._domain}/{self._app_id}/{room}?jwt={token}",
                        token=token, expires_at=datetime.fromtimestamp(end, UTC))
