"""What both file stores refuse and answer alike: keys, content types, link lifetimes and
the ``Content-Disposition`` of downloads."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from urllib.parse import quote

from domain.files.model import check_key
from domain.shared.errors import InvalidValue

MIN_LIFETIME = timedelta(seconds=1)
MAX_LIFETIME = timedelta(days=7)  # SigV4's and R2's limit: the local store keeps the same


def checked_key(key: str) -> str:
    """``check_key`` as a ``ValueError``: an adapter refuses a bad key as a programming
    error, before any call."""
    try:
        check_key(key)
    except InvalidValue as error:
        raise ValueError(error.message) from None
    return key


def check_content_type(content_type: str) -> str:
    # It travels as a header: a line break or non-ASCII would split or break the request.
    if (not content_type or not content_type.isascii() or not content_type.isprintable()
            or content_type != content_type.strip()):
        raise ValueError("content_type is a media type such as image/png")
    return content_type


def lifetime_seconds(expires_in: timedelta) -> int:
    """A link's lifetime in whole seconds, 1 s to 7 days (SigV4's and R2's range)."""
    if not MIN_LIFETIME <= expires_in <= MAX_LIFETIME:
        raise ValueError("a link lives from 1 second to 7 days")
    return int(expires_in.total_seconds())


def content_disposition(inline: bool, filename: str | None) -> str:
    """``inline`` or ``attachment``, with the file name as RFC 6266 gives it: an ASCII
    ``filename`` for old clients and the exact name in ``filename*`` (RFC 8187)."""
    kind = "inline" if inline else "attachment"
    if not filename:
        return kind
    quoted = quote(filename, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quoted}"


def _ascii_fallback(filename: str) -> str:
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    # Quotes and backslashes would end or escape the quoted string; slashes make a path of
    # it; some clients percent-decode the plain parameter.
    cleaned = "".join(c if c.isprintable() and c not in '"\\/%' else "_" for c in simple)
    return cleaned if cleaned.strip(" ._") else "download"
