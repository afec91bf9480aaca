"""Engines for the two supported databases: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
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
    # read-only or optimistic begin DEFERRED, which under WAL never waits for a writer.
    turn = WriterTurn()

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options, info = connection.get_execution_options(), connection.info
        driver = connection.connection.driver_connection
        # Straight to the driver: this runs for every transaction, and a statement through
        # SQLAlchemy's execution path costs several times what SQLite takes to run it.
        _choose_synchronous(info, driver, lasting=not options.get(NOT_DURABLE, False))
        if options.get(READ_ONLY, False):
            info.pop(_LOCK_BEFORE_WRITING, None)
            driver.execute("BEGIN")
        elif options.get(OPTIMISTIC, False):
            info[_LOCK_BEFORE_WRITING] = True
            driver.execute("BEGIN")
        else:
            info.pop(_LOCK_BEFORE_WRITING, None)
            turn.begin_writing(info, driver.execute)

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_writing(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        info = connection.info
        if info.get(_LOCK_BEFORE_WRITING) and not _reads(statement):
            # An optimistic transaction's first write (or SAVEPOINT): its reads end here,
            # and from here on it is one IMMEDIATE transaction.
            del info[_LOCK_BEFORE_WRITING]
            cursor.execute("COMMIT")
            turn.begin_writing(info, cursor.execute)

    # The transaction ends here, and only then is the turn passed on (SQLAlchemy's own
    # COMMIT or ROLLBACK that follows finds no transaction, and does nothing).
    @event.listens_for(engine, "commit")
    def _commit(connection: Any) -> None:
        turn.end_writing(connection.info, connection.connection.driver_connection.commit)

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Any) -> None:
        turn.end_writing(connection.info, connection.connection.driver_connection.rollback)

    # Whatever happened before: a connection back in the pool, or closed after an error,
    # is no writer any more.
    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        turn.end_writing(record.info, lambda: dbapi_connection and dbapi_connection.rollback())

    @event.listens_for(engine, "invalidate")
    def _invalidate(_dbapi_connection: Any, record: Any, _error: Any) -> None:
        turn.end_writing(record.info, lambda: None)


def _choose_synchronous(info: dict[str, Any], driver: Any, lasting: bool) -> None:
    # Between transactions only (SQLite refuses it inside one), and only when it changes:
    # FULL syncs the WAL on every commit; NORMAL leaves that to the next checkpoint, so a
    # commit survives a crash of eduport but not of the machine (the database stays whole).
    if info.get(_NOT_SYNCED, False) is lasting:
        driver.execute("PRAGMA synchronous=FULL" if lasting else "PRAGMA synchronous=NORMAL")
        info[_NOT_SYNCED] = not lasting


BUSY_TIMEOUT_S = 30.0
_HAS_TURN = "eduport_has_writer_turn"


class WriterTurn:
    """This process's writers take SQLite's one write lock in turn, queued here.

    SQLite makes a writer that finds the lock taken sleep and retry, sleeping longer each
    time (1, 2, 5, 10 ... 100 ms): with several threads writing in one process, a writer
    often slept on long after the lock was free again. Here the threads of a process wait
    on a lock of their own,
    handed on as soon as a transaction ends; only one of them at a time contends in SQLite
    with the other processes' writers. A transaction that cannot have its turn within the
    busy timeout fails, as SQLite's would."""

    def __init__(self) -> None:
        # Not reentrant, and released by whichever thread ends the transaction: a thread
        # that opens a second writer waits out the busy timeout, as it did in SQLite.
        self._lock = threading.Lock()

    def begin_writing(self, info: dict[str, Any], execute: Callable[[str], Any]) -> None:
        if not self._lock.acquire(timeout=BUSY_TIMEOUT_S):
            raise sqlite3.OperationalError("database is locked (no writer's turn in time)")
        info[_HAS_TURN] = True
        try:
            execute("BEGIN IMMEDIATE")
        except BaseException:
            self.end_writing(info, lambda: None)
            raise

    def end_writing(self, info: dict[str, Any], end: Callable[[], Any]) -> None:
        if not info.get(_HAS_TURN):
            return
        try:
            end()
        finally:
            del info[_HAS_TURN]
            self._lock.release()


READ_ONLY = "eduport_read_only"
OPTIMISTIC = "eduport_optimistic"
_LOCK_BEFORE_WRITING = "eduport_lock_before_writing"  # an optimistic one that has not written
NOT_DURABLE = "eduport_not_durable"
_NOT_SYNCED = "eduport_not_synced"  # this SQLite connection commits without syncing


def reading(dialect: str) -> dict[str, Any]:
    """A connection's execution options for queries that only read: no write lock on
    SQLite, and no BEGIN and ROLLBACK round trips on PostgreSQL (each statement runs in
    autocommit, so nothing must write there)."""
    if dialect == "postgresql":
        return {"isolation_level": "AUTOCOMMIT", READ_ONLY: True}
    return {READ_ONLY: True}


def read_only(engine: Engine) -> Engine:
    """The same pool, for queries that only read (``reading``)."""
    return engine.execution_options(**reading(engine.dialect.name))


def optimistic(dialect: str) -> dict[str, Any]:
    """A connection's execution options for a transaction whose every write is checked
    against what it read (a versioned row's UPDATE names the version it read): its reads
    take no lock.

    PostgreSQL's READ COMMITTED transactions work so already. On SQLite the transaction
    begins DEFERRED, reading from a snapshot without waiting for the writer of the moment;
    before its first statement that is not a SELECT it ends that snapshot and begins
    IMMEDIATE, so it holds the write lock only while it writes and commits, and its writes
    see every commit made meanwhile (a version that moved on fails, as on PostgreSQL)."""
    return {OPTIMISTIC: True} if dialect == "sqlite" else {}


def optimistic_not_durable(dialect: str) -> dict[str, Any]:
    """``optimistic``, and on SQLite the commit does not wait for the disk
    (``synchronous=NORMAL`` for this transaction: it is lost only if the machine crashes
    before the next sync, and then wholly; the next synchronous commit makes it durable with
    its own). It saved a third of a heartbeat's CPU there. PostgreSQL commits as usual:
    ``SET LOCAL synchronous_commit`` would cost a round trip, and measured no gain."""
    return {**optimistic(dialect), NOT_DURABLE: True} if dialect == "sqlite" else {}


def _reads(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
