"""Whole encoded answers to anonymous GETs of public pages (the catalog listing), served
before the view runs: no query, no schema, no JSON encoding on a hit.

Freshness: every successful write to the catalog (a POST, PATCH, PUT or DELETE handled by a
blueprint named in ``invalidated_by``) bumps a version in the shared ``Cache``; a page stored
under an older version is never served. Each process reads the version at most once per
``version_check_seconds``, and pages live ``ttl_seconds`` at most, which bounds staleness
across processes (with Redis: about one second; with process memory: the TTL).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, Response, g, request

from application.shared.ports import Cache

WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class _Page:
    version: int
    expires: float
    body: bytes
    etag: str


class PublicPageCache:
    def __init__(self, versions: Cache, endpoints: Iterable[str], invalidated_by: Iterable[str],
                 ttl_seconds: int = 5, version_check_seconds: float = 1.0,
                 max_pages: int = 512, name: str = "catalog") -> None:
        self.versions, self.ttl, self.check_every = versions, ttl_seconds, version_check_seconds
        self.endpoints, self.writers = frozenset(endpoints), frozenset(invalidated_by)
        self.key, self.max_pages = f"page-version:{name}", max_pages
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self._lock = threading.Lock()
        self._version, self._checked = 0, 0.0

    def install(self, app: Flask) -> None:
        if self.ttl > 0:
            app.before_request(self._serve)
            app.after_request(self._remember)

    def _cacheable(self) -> bool:
        return (request.method == "GET" and request.endpoint in self.endpoints
                and "Authorization" not in request.headers)

    def _page_key(self) -> str:
        query = "&".join(sorted(request.query_string.decode("latin-1").split("&")))
        return f"{request.path}?{query}"

    def _current_version(self) -> int:
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            raw = self.versions.get(self.key)
            self._version, self._checked = int(raw) if raw else 0, now
        return self._version

    def _serve(self) -> Response | None:
        if not self._cacheable():
            return None
        with self._lock:
            page = self._pages.get(self._page_key())
        version = self._current_version()
        if page is None or page.version != version or page.expires < time.monotonic():
            # Remember the version as it was before the query: a write landing meanwhile
            # bumps it, and the page built from older data is then never served.
            g.page_cache_miss_version = version
            return None
        if page.etag in request.if_none_match:
            response = Response(status=304)
        else:
            response = Response(page.body, mimetype="application/json")
        response.headers["ETag"] = f'"{page.etag}"'
        response.headers["Cache-Control"] = f"public, max-age={self.ttl}"
        return response

    def _remember(self, response: Response) -> Response:
        if request.method in WRITES and request.blueprint in self.writers \
                and response.status_code < 400:
            self._version, self._checked = self.versions.incr(self.key), time.monotonic()
        elif "page_cache_miss_version" in g and response.status_code == 200:
            body = response.get_data()
            page = _Page(g.page_cache_miss_version, time.monotonic() + self.ttl, body,
                         hashlib.sha256(body).hexdigest()[:32])
            with self._lock:
                self._pages[self._page_key()] = page
                while len(self._pages) > self.max_pages:
                    self._pages.popitem(last=False)
            response.headers["ETag"] = f'"{page.etag}"'
            response.headers["Cache-Control"] = f"public, max-age={self.ttl}"
        return response
