"""Signed tokens with PyJWT (HS256): bearer access tokens and one-time email tokens."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from application.accounts.ports import IssuedAccessToken, OneTimeClaims
from application.shared.ports import Clock, Principal
from domain.shared.errors import AuthenticationFailed, InvalidToken

_ISSUER = "eduport"
_ALGORITHMS = ["HS256"]
_LEEWAY = timedelta(seconds=5)  # clocks of several servers differ a little
VERIFIED_TOKENS_KEPT = 4096  # per process: a few hundred bytes each


class JwtAccessTokens:
    def __init__(self, secret: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret, self._ttl, self._clock = secret, ttl_seconds, clock
        # Tokens verified lately, with their claims: a client sends the same token on every
        # call for its lifetime (a live class's every 30 s), and each request reads it twice
        # (the per-user rate limit, then authentication). The same string verifies the same
        # under the same secret; a forged one raises and is never kept. Its times are
        # checked on every read, against the Clock.
        self._verified = functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)(self._verify)

    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        now = self._clock.now()
        claims = {
            "iss": _ISSUER, "aud": "access", "sub": user_id, "role": role,
            "iat": now, "nbf": now, "exp": now + timedelta(seconds=self._ttl),
            "jti": uuid.uuid4().hex,
        }
        return IssuedAccessToken(jwt.encode(claims, self._secret, "HS256"), self._ttl)

    def read(self, token: str) -> Principal:
        principal, expires = self._verified(token)
        # Times are checked against our Clock, which issued them, not the host's.
        now = self._clock.now()
        if expires <= now - _LEEWAY:
            raise AuthenticationFailed("the access token has expired")
        if principal.issued_at is not None and principal.issued_at > now + _LEEWAY:
            raise AuthenticationFailed("the access token is not valid yet")
        return principal

    def _verify(self, token: str) -> tuple[Principal, datetime]:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=_ALGORITHMS, audience="access", issuer=_ISSUER,
                options={"require": ["exp", "sub", "iat"], "verify_exp": False,
                         "verify_nbf": False, "verify_iat": False},
            )
            issued = datetime.fromtimestamp(int(claims["iat"]), tz=UTC)
            expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError) as error:
            raise AuthenticationFailed("the access token is not valid") from error
        return Principal(user_id=str(claims["sub"]), role=str(claims.get("role", "")),
                         issued_at=issued), expires


class JwtOneTimeTokens:
    def __init__(self, secret: str, clock: Clock) -> None:
        self._secret, self._clock = secret, clock

    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        now = self._clock.now()
        claims = {"iss": _ISSUER, "aud": purpose, "sub": user_id, "iat": now,
                  "exp": now + ttl, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._secret, "HS256")

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=_ALGORITHMS, audience=purpose, issuer=_ISSUER,
                options={"require": ["exp", "sub", "jti"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken("the link is not valid") from error
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        # Expiry is checked against our Clock, not the host's, so tests can move time.
        if expires_at <= self._clock.now():
            raise InvalidToken("the link has expired; ask for a new one")
        issued = claims.get("iat")
        return OneTimeClaims(token_id=str(claims["jti"]), user_id=str(claims["sub"]),
                             expires_at=expires_at,
                             issued_at=datetime.fromtimestamp(int(issued), tz=UTC)
                             if isinstance(issued, int | float) else None)
