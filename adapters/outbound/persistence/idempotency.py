"""The ``IdempotencyStore`` on table ``idempotency_keys``, in short transactions of its own.

A key is held by one request at a time: ``begin`` inserts it "in_flight" with a lease; the
holder ends it with ``finish`` (state "done", the response kept for replays) or ``abandon``
(the row is deleted, so a retry runs afresh). A holder that died is replaced once its lease
ran out. The primary key (scope, key) decides races: exactly one concurrent ``begin`` wins.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from adapters.outbound.persistence import tables as t
from application.shared.errors import IdempotencyMismatch
from application.shared.ports import Clock, StoredResponse
from domain.shared.errors import Conflict

IN_FLIGHT, DONE = "in_flight", "done"
_ATTEMPTS = 5
_keys = t.idempotency_keys


class SqlIdempotencyStore:
    def __init__(self, engine: Engine, clock: Clock,
                 lease: timedelta = timedelta(seconds=60)) -> None:
        self.engine, self.clock, self.lease = engine, clock, lease

    def begin(self, scope: str, key: str, request_hash: str) -> StoredResponse | None:
        for _ in range(_ATTEMPTS):
            now = self.clock.now()
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(_keys).values(
                        scope=scope, key=key, request_hash=request_hash, state=IN_FLIGHT,
                        created_at=now, locked_until=now + self.lease))
                return None
            except IntegrityError:
                pass  # the key exists: read it below
            with self.engine.begin() as connection:
                row = connection.execute(select(_keys).where(
                    _keys.c.scope == scope, _keys.c.key == key)).first()
                if row is None:
                    continue  # abandoned in between: try to take it afresh
                if row.request_hash != request_hash:
                    raise IdempotencyMismatch(
                        "this Idempotency-Key was already used with a different request; "
                        "send a new key for a new request")
                if row.state == DONE:
                    return StoredResponse(int(row.response_status), row.response_body or "")
                taken = connection.execute(
                    update(_keys)
                    .where(_keys.c.scope == scope, _keys.c.key == key,
                           _keys.c.state == IN_FLIGHT, _keys.c.request_hash == request_hash,
                           or_(_keys.c.locked_until.is_(None), _keys.c.locked_until <= now))
                    .values(locked_until=now + self.lease))
                if taken.rowcount == 1:
                    return None  # the first holder's lease ran out: this request takes over
            raise Conflict("a request with this Idempotency-Key is still in progress")
        raise Conflict("a request with this Idempotency-Key is still in progress")

    def finish(self, scope: str, key: str, response: StoredResponse) -> None:
        """Keeps the first answer; a second finish (after a lease takeover) changes nothing."""
        with self.engine.begin() as connection:
            connection.execute(
                update(_keys)
                .where(_keys.c.scope == scope, _keys.c.key == key, _keys.c.state == IN_FLIGHT)
                .values(state=DONE, response_status=response.status,
                        response_body=response.body, locked_until=None))

    def abandon(self, scope: str, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(_keys).where(
                _keys.c.scope == scope, _keys.c.key == key, _keys.c.state == IN_FLIGHT))

    def purge(self, older_than: timedelta = timedelta(hours=24)) -> int:
        """Deletes finished keys created more than ``older_than`` ago (Stripe keeps keys 24 h);
        returns how many. For a scheduled clean-up job."""
        cutoff = self.clock.now() - older_than
        with self.engine.begin() as connection:
            result = connection.execute(delete(_keys).where(
                _keys.c.state == DONE, _keys.c.created_at < cutoff))
        return int(result.rowcount)
