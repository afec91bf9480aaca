"""The shared kernel's ports' contracts, run against the fake and every real adapter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from adapters.outbound.cache import MemoryCache, RedisCache
from application.shared.ports import Cache
from tests.contracts import Contract

# --- Cache -----------------------------------------------------------------------------------


CACHE = Contract(Cache, {"memory": MemoryCache, "redis": RedisCache},
                 marks={"redis": pytest.mark.redis})


@pytest.fixture(params=CACHE.params())
def cache(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return CACHE.build("memory", MemoryCache)
    from redis import Redis

    client = Redis.from_url(request.getfixturevalue("redis_url"))
    return CACHE.build("redis", lambda: RedisCache(client, prefix=f"test:{uuid.uuid4().hex}:"))


def test_cache_contract(cache: Any) -> None:
    assert cache.get("missing") is None
    cache.set("page", b"bytes", ttl_seconds=60)
    assert cache.get("page") == b"bytes"
    assert [cache.incr("version") for _ in range(3)] == [1, 2, 3]
    assert cache.get("version") == b"3"


