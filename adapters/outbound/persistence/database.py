"""Engines for the two supported databases: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Accepts the ``postgres://`` and ``postgresql://`` forms hosts hand out; uses psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def build_engine(url: str, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_transactions(engine)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    ping_after_idle(engine)
    return engine


# A pooled connection idle for longer than this is pinged before it is handed out again.
IDLE_BEFORE_PING_S = 5.0
_IDLE_SINCE = "eduport_idle_since"


def ping_after_idle(engine: Engine, idle_s: float = IDLE_BEFORE_PING_S) -> None:
    """``pool_pre_ping``, but only for a connection that sat idle in the pool for ``idle_s``.

    Pinging on every checkout cost a round trip (and two autocommit switches) on every
    request and on each of a job's transactions. A connection returned moments ago is as good
    as the ping would say; one that idled (a server restart, an idle timeout, a failover) is
    checked as before, and a dead one is replaced transparently. A connection that dies inside
    the window fails its statement; SQLAlchemy then recognises the disconnect and invalidates
    every pooled connection of that generation, so the next checkout reconnects (the request
    answers 5xx and the provider delivers again; a job's record is released and retried).
    """
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < idle_s:
            return  # new, or back in the pool only just now
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards it and connects anew
            raise DisconnectionError("a pooled connection failed its ping") from error


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs and upgrades read locks late,
    # which fails concurrent writers with "database is locked". We begin transactions
    # ourselves, IMMEDIATE, so writers queue on the busy timeout instead; connections marked
    # read-only begin DEFERRED, which under WAL never waits for a writer.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


READ_ONLY = "eduport_read_only"


def read_only(engine: Engine) -> Engine:
    """The same pool for queries that only read: no write lock on SQLite, and no BEGIN and
    ROLLBACK round trips on PostgreSQL (each statement runs in autocommit)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
