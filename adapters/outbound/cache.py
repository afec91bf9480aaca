"""Cache adapters: Redis when REDIS_URL is set, else process memory."""

from __future__ import annotations

import logging
import threading
import time

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class MemoryCache:
    """Per process: fine for one process, stale across gunicorn workers (use Redis there)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._values: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._values.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            if len(self._values) >= self._max:
                self._values.clear()  # crude but bounded: a cache may forget anything
            self._values[key] = (time.monotonic() + ttl_seconds, value)

    def incr(self, key: str) -> int:
        with self._lock:
            current = self._values.get(key)
            value = int(current[1]) + 1 if current else 1
            self._values[key] = (float("inf"), str(value).encode())
            return value


class RedisCache:
    def __init__(self, redis: Redis, prefix: str = "eduport:cache:") -> None:
        self._redis, self._prefix = redis, prefix

    def get(self, key: str) -> bytes | None:
        try:
            value = self._redis.get(self._prefix + key)
        except RedisError:
            log.warning("cache unreachable: reading %s as a miss", key)
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        try:
            self._redis.set(self._prefix + key, value, ex=ttl_seconds)
        except RedisError:
            log.warning("cache unreachable: %s not stored", key)

    def incr(self, key: str) -> int:
        try:
            return int(self._redis.incr(self._prefix + key))
        except RedisError:
            log.warning("cache unreachable: %s not incremented", key)
            return 0
