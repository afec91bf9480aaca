"""Rate-limit counters every worker shares without Redis: the embedded default's gunicorn
workers are separate processes, and counters kept in each one's memory let each worker allow
the whole limit again (20 of 40 logins got through a limit of 10 with two workers). With
``REDIS_URL`` the limiter uses Redis instead.

A storage for the ``limits`` package (flask-limiter's), registered under the scheme
``eduport+sqlite``: fixed-window counters in a small SQLite file of their own in the data
folder, each update one statement (its own transaction, under SQLite's write lock), so
concurrent workers count in turn. The file is in WAL mode with ``synchronous=NORMAL``: an
update is kept when the process dies, and may be lost only with the machine itself, when
the counters of the minute lost matter to nobody.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from limits.storage import Storage

_SCHEMA = ("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, "
           "count INTEGER NOT NULL, expires_at REAL NOT NULL)")


_INCREMENT = (
    "INSERT INTO counters (key, count, expires_at) VALUES (?1, ?2, ?3 + ?4) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN expires_at <= ?3 THEN excluded.count ELSE count + excluded.count END, "
    "expires_at = CASE WHEN expires_at <= ?3 THEN excluded.expires_at ELSE expires_at END "
    "RETURNING count"
)


class SqliteLimitStorage(Storage):
    STORAGE_SCHEME = ["eduport+sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._path = urlsplit(uri or "").path
        if not self._path:
            raise ValueError("eduport+sqlite:///path/to/file.sqlite3 names the counters' file")
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and process: a forked gunicorn worker opens its own.
        found: sqlite3.Connection | None = getattr(self._local, "db", None)
        if found is None or getattr(self._local, "pid", None) != os.getpid():
            os.makedirs(os.path.dirname(self._path) or ".", exist_ok=True)
            found = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            found.execute("PRAGMA journal_mode=WAL")
            found.execute("PRAGMA synchronous=NORMAL")  # no fsync per count: see above
            found.execute(_SCHEMA)
            self._local.db, self._local.pid = found, os.getpid()
        return found

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        # One statement: a window that ran out starts again from this count.
        (count,) = self._db().execute(_INCREMENT, (key, amount, time.time(), expiry)).fetchone()
        return int(count)

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires_at FROM counters WHERE key = ?",
                                 (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        self._db().execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        return int(self._db().execute("DELETE FROM counters").rowcount)

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
