"""Readiness checks for the database and Redis."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import Engine, text


class DatabaseHealth:
    name = "database"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))


class RedisHealth:
    name = "redis"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def check(self) -> None:
        self._redis.ping()
