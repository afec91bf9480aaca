"""Benchmark: signed Stripe webhook deliveries against bare Flask, on PostgreSQL and Redis.

Part 1, accepted per second: migrates a PostgreSQL schema of its own (``bench_<random>``),
starts eduport (``bootstrap:wsgi()``, with ``STRIPE_WEBHOOK_SECRET`` set and jobs going to an
RQ queue of its own, ``bench-<random>``) and ``bench.bare_app:app`` under the same gunicorn
configuration as ``bench.listing``, checks that a signed delivery answers 200
``{"received": true, "duplicate": false}`` (and its replay ``"duplicate": true``), then
measures ``POST /webhooks/stripe`` against ``POST /bare-webhook`` in alternating rounds. Every
request is a new ``payment_intent.succeeded`` event (a new event id) signed with a fresh
timestamp, so eduport verifies the signature, stores the delivery, commits and enqueues
``process_webhook_event`` each time. Target: at least half the bare throughput.

The durable floor: ``bench.durable_floor_app:app``, on the same configuration, does only what a
durable accept cannot skip (HMAC check, one prepared INSERT, COMMIT, one Redis push; no
framework, pool, unit of work or RQ). It is measured against the bare endpoint in the same
run, so the report shows the ceiling the machine allows beside eduport's ratio.

Part 2, processed per second by one worker: after the load, the backlog the load left in the
queue (capped at ``--sample`` jobs, the oldest) is processed by ONE RQ worker, ``eduport worker
--burst`` (jobs run in its warm process: ``SimpleWorker``, ADR 8), timed from its start until
it exits (or until ``--worker-timeout``, when it is stopped; the rate is then over what it
processed). The events are for payments eduport does not know, so each is claimed,
interpreted, looked up and marked "acknowledged: the payment is not one of ours": no provider
re-fetch is involved.

Run: ``python -m bench.webhooks [--duration 10] [--concurrency N] [--workers 2]``. The schema
and the queue's Redis keys are removed at the end (the schema is kept with ``--keep-schema``).
Exits 0 even when the target is missed: it is a report, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from redis import Redis
from rq import Queue
from sqlalchemy import func, select, text

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.database import build_engine
from adapters.outbound.persistence.migrations_runner import upgrade
from bench.durable_floor_app import TABLE as FLOOR_TABLE
from bench.harness import (
    REPO_ROOT,
    GunicornConfig,
    Result,
    Server,
    _machine_cpu_seconds,
    compare,
    load_generator,
    measure_interleaved,
    start_gunicorn,
)
from bench.listing import (
    DEFAULT_DATABASE_URL,
    BenchDatabase,
    DatabaseBackedServer,
    _process_cpu_seconds,
    add_server_arguments,
    app_env,
    bench_database,
    check_server_arguments,
    describe_split,
)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
WEBHOOK_PATH = "/webhooks/stripe"
BARE_PATH = "/bare-webhook"
FLOOR_PATH = "/floor-webhook"
TARGET_RATIO = 0.5
API_VERSION = "2026-06-24.dahlia"  # the version tests/vendor_servers/stripe_server.py speaks
NOT_OURS = "acknowledged: the payment is not one of ours"

# The worker processes at most DEFAULT_SAMPLE jobs (the oldest of the backlog) and is stopped
# after DEFAULT_WORKER_TIMEOUT_S, whichever comes first: the run stays bounded whether the
# worker does a few events per second or hundreds.
DEFAULT_SAMPLE = 1_000
DEFAULT_WORKER_TIMEOUT_S = 60.0
_WORKER_STOP_TIMEOUT_S = 15.0


# --------------------------------------------------------------------------------------------
# signed deliveries
# --------------------------------------------------------------------------------------------


def stripe_event(now: int) -> bytes:
    """A new ``payment_intent.succeeded`` event: new event, PaymentIntent and payment ids.

    uuid4 draws from os.urandom, so ids stay unique across the forked client processes.
    """
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "type": "payment_intent.succeeded",
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {
            "object": {
                "id": f"pi_{uuid.uuid4().hex}",
                "object": "payment_intent",
                "amount": 1999,
                "amount_received": 1999,
                "currency": "usd",
                "status": "succeeded",
                "metadata": {"payment_id": str(uuid.uuid4())},
            }
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def stripe_signature(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, as Stripe signs (and as
    ``tests/vendor_servers/stripe_server.py``'s ``sign_stripe_payload`` does)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@dataclass(frozen=True)
class SignedDeliveries:
    """The body factory: each call is a new event, signed with the current time."""

    secret: str

    def __call__(self) -> tuple[bytes, Mapping[str, str]]:
        now = int(time.time())
        body = stripe_event(now)
        return body, {"Stripe-Signature": stripe_signature(self.secret, body, now)}


HEADERS = {"Content-Type": "application/json"}


# --------------------------------------------------------------------------------------------
# eduport's server CPU: gunicorn + its PostgreSQL backends + the Redis server
# --------------------------------------------------------------------------------------------


def local_redis_pid(redis: Redis) -> int | None:
    """The Redis server's pid when it runs on this machine (same pid namespace), else None."""
    pid = int(redis.info("server").get("process_id", 0))
    try:
        comm = Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return None
    return pid if pid > 0 and comm.startswith("redis") else None


@dataclass(eq=False)
class QueueBackedServer(DatabaseBackedServer):
    """:class:`DatabaseBackedServer` plus the CPU of the Redis server (every accepted delivery
    is an RQ enqueue). Redis is shared: its CPU in ours' windows is counted whole."""

    redis_pid: int | None = None
    redis_readings: list[float] = field(default_factory=list)

    @classmethod
    def over(cls, server: Server, db: BenchDatabase, redis_pid: int | None,
             backend_pids: Callable[[], list[int]] | None = None) -> QueueBackedServer:
        """A view of a running ``server``; stopping stays with ``server`` (not this view).
        Its backends are the schema's unless ``backend_pids`` says otherwise."""
        return cls(
            app_spec=server.app_spec,
            port=server.port,
            process=server.process,
            tmp_dir=server.tmp_dir,
            config=server.config,
            backend_pids=backend_pids or db.backend_pids,
            redis_pid=redis_pid,
        )

    def cpu_seconds(self) -> float:
        rest = super().cpu_seconds()
        redis = _process_cpu_seconds(self.redis_pid) if self.redis_pid is not None else None
        self.redis_readings.append(redis or 0.0)
        return rest + (redis or 0.0)

    def describe_redis(self, ours: Result) -> str:
        if self.redis_pid is None:
            return "  Redis is not on this machine: its CPU is not counted"
        pairs = zip(self.redis_readings[::2], self.redis_readings[1::2], strict=False)
        seconds = sum(after - before for before, after in pairs)
        per_req = seconds * 1000 / ours.ok if ours.ok else float("nan")
        return (
            f"  + the Redis server (pid {self.redis_pid}, shared: counted whole) "
            f"{seconds / ours.duration_s:.2f} cores ({per_req:.3f} ms/req)"
        )


# --------------------------------------------------------------------------------------------
# the RQ queue of the run
# --------------------------------------------------------------------------------------------


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw


@dataclass
class BenchQueue:
    name: str
    redis: Redis
    job_ids: set[str] = field(default_factory=set)  # every job seen, for the cleanup

    @property
    def queue(self) -> Queue:
        return Queue(self.name, connection=self.redis)

    def snapshot_ids(self) -> list[str]:
        """The ids waiting in the queue, oldest first; remembered for the cleanup."""
        ids = [_text(raw) for raw in self.redis.lrange(self.queue.key, 0, -1)]
        self.job_ids.update(ids)
        return ids

    def keep_oldest(self, n: int) -> int:
        """Cut the waiting list to its ``n`` oldest jobs (RQ pops from the head)."""
        self.redis.ltrim(self.queue.key, 0, n - 1)
        return int(self.redis.llen(self.queue.key))

    def cleanup(self) -> int:
        """Delete every Redis key of this queue: the queue, its registries and its jobs."""
        queue = self.queue
        with contextlib.suppress(Exception):
            self.snapshot_ids()
        for registry in (
            queue.failed_job_registry,
            queue.started_job_registry,
            queue.finished_job_registry,
            queue.deferred_job_registry,
            queue.scheduled_job_registry,
            queue.canceled_job_registry,
        ):
            with contextlib.suppress(Exception):
                self.job_ids.update(registry.get_job_ids(cleanup=False))
        doomed: list[bytes | str] = []
        for key in self.redis.scan_iter(match="rq:*", count=1000):
            parts = _text(key).split(":")
            if self.name in parts or not self.job_ids.isdisjoint(parts):
                doomed.append(key)
        for start in range(0, len(doomed), 1000):
            self.redis.delete(*doomed[start : start + 1000])
        self.redis.srem(Queue.redis_queues_keys, queue.key)
        return len(doomed)


@contextmanager
def bench_queue(redis_url: str) -> Iterator[BenchQueue]:
    """An RQ queue of its own, ``bench-<random>``; its keys are deleted on the way out."""
    redis = Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=30)
    redis.ping()
    bq = BenchQueue(f"bench-{secrets.token_hex(6)}", redis)
    try:
        yield bq
    finally:
        try:
            removed = bq.cleanup()
            print(f"queue {bq.name}: {removed} Redis keys removed", flush=True)
        finally:
            redis.close()


# --------------------------------------------------------------------------------------------
# checks before measuring
# --------------------------------------------------------------------------------------------


def post(server: Server, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, Any]:
    # The harness binds every server to 127.0.0.1: a plain-http URL on the loopback.
    url = server.url(path)
    request = Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, raw[:300].decode(errors="replace")


def check_stored_once(server: Server, path: str, name: str, secret: str) -> None:
    """A signed delivery is accepted and stored ({"received": true, "duplicate": false}); the
    same delivery again is recognised ({"duplicate": true})."""
    body, extra = SignedDeliveries(secret)()
    headers = {**HEADERS, **extra}
    expected: list[tuple[str, dict[str, bool]]] = [
        ("new event", {"received": True, "duplicate": False}),
        ("same event again", {"received": True, "duplicate": True}),
    ]
    problems = []
    for what, answer in expected:
        status, got = post(server, path, body, headers)
        print(f"POST {path} ({what}): {status} {json.dumps(got)}", flush=True)
        if status != 200 or got != answer:
            problems.append(f"{what}: {status} {got!r}, not 200 {answer}")
    if problems:
        print(f"{name}'s gunicorn log (tail):\n{server.log_tail(3000)}", flush=True)
        raise SystemExit(f"{name} does not answer as expected: " + "; ".join(problems))


def check_bare(bare: Server, secret: str) -> None:
    body, extra = SignedDeliveries(secret)()
    status, got = post(bare, BARE_PATH, body, {**HEADERS, **extra})
    print(f"POST {BARE_PATH}: {status} {json.dumps(got)}", flush=True)
    if status != 200:
        raise SystemExit(f"{BARE_PATH} answered {status}")


def create_floor_table(db: BenchDatabase) -> None:
    """The floor's own copy of webhook_events (same columns, same unique key)."""
    with db.admin.begin() as connection:
        connection.execute(text(
            f'CREATE TABLE "{db.schema}".{FLOOR_TABLE} '
            f'(LIKE "{db.schema}".webhook_events INCLUDING ALL)'))


def summarise(ours: Result, baseline: Result, least: Result, floor_baseline: Result) -> str:
    """What the target asks, against what the machine allows a durable accept at all."""
    ours_ratio = ours.rps / baseline.rps if baseline.rps else float("nan")
    floor_ratio = least.rps / floor_baseline.rps if floor_baseline.rps else float("nan")
    share = ours.rps / least.rps if least.rps else float("nan")
    return (
        "\n== summary: durable accepts against a bare endpoint ==\n"
        f"  eduport:           {ours_ratio:.3f} of the bare endpoint "
        f"(target >= {TARGET_RATIO:g})\n"
        f"  the durable floor: {floor_ratio:.3f} of the bare endpoint: signature, insert, commit,\n"
        "                     one Redis push and nothing else (a transaction per delivery;\n"
        "                     group commit measured no better, docs/adr/0008)\n"
        f"  eduport reaches {share:.3f} of the floor's throughput"
        + ("" if floor_ratio >= TARGET_RATIO else
           "\n  the floor itself misses the target: committing each delivery before answering\n"
           "  costs more on this machine than the target leaves (see docs/adr/0008)")
    )


# --------------------------------------------------------------------------------------------
# one worker
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerRun:
    wall_s: float
    exit_code: int | None  # None: stopped at the timeout
    cpu_s: float  # the worker and its work-horses (user + system)
    machine_busy_s: float
    log_tail: str


def run_worker(env: Mapping[str, str], timeout_s: float, log_path: Path) -> WorkerRun:
    """``eduport worker --burst``: one RQ worker (jobs run in its warm process) that exits when
    the queue is empty. Stopped (warm, then killed) if it runs past ``timeout_s``."""
    cmd = [sys.executable, "-c", "import bootstrap; bootstrap.main()", "worker", "--burst"]
    # Every other child of this process has been waited for, so the RUSAGE_CHILDREN delta is
    # the worker plus the work-horses it reaped.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, _ = _machine_cpu_seconds()
    started = time.perf_counter()
    exit_code: int | None
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            exit_code = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            exit_code = None
            proc.send_signal(signal.SIGTERM)  # RQ: warm shutdown, finishes the current job
            try:
                proc.wait(timeout=_WORKER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # its own session: it and its horses
                proc.wait(timeout=_WORKER_STOP_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=_WORKER_STOP_TIMEOUT_S)
    wall = time.perf_counter() - started
    busy_after, _ = _machine_cpu_seconds()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        tail = log_path.read_text(errors="replace")[-3000:]
    except OSError:
        tail = ""
    return WorkerRun(wall, exit_code, cpu, busy_after - busy_before, tail)


@dataclass(frozen=True)
class Deliveries:
    stored: int
    processed: int
    with_errors: int  # last_error set: an attempt failed (and was released)
    first_processed: datetime | None
    last_processed: datetime | None
    outcomes: dict[str, int]


def count_deliveries(db: BenchDatabase) -> Deliveries:
    events = t.webhook_events
    with db.admin.connect() as plain:
        connection = plain.execution_options(schema_translate_map={None: db.schema})
        stored, processed, with_errors, first, last = connection.execute(
            select(
                func.count(),
                func.count(events.c.processed_at),
                func.count(events.c.last_error),
                func.min(events.c.processed_at),
                func.max(events.c.processed_at),
            )
        ).one()
        outcomes = {
            str(outcome): int(n)
            for outcome, n in connection.execute(
                select(events.c.outcome, func.count())
                .where(events.c.processed_at.is_not(None))
                .group_by(events.c.outcome)
                .order_by(func.count().desc())
            )
        }
    return Deliveries(int(stored), int(processed), int(with_errors), first, last, outcomes)


def report_processing(
    db: BenchDatabase, bq: BenchQueue, env: Mapping[str, str], args: argparse.Namespace
) -> None:
    before = count_deliveries(db)
    waiting = bq.snapshot_ids()
    print(
        f"\n== processing by one worker ==\n"
        f"  after the load: {before.stored} deliveries stored in webhook_events, "
        f"{len(waiting)} jobs in RQ queue {bq.name}",
        flush=True,
    )
    if len(waiting) != before.stored:
        print(
            f"  NOTE: {before.stored - len(waiting)} stored deliveries have no job in the "
            "queue (left for the relay) or the counts differ",
            flush=True,
        )
    sample = min(len(waiting), args.sample)
    if sample < len(waiting):
        sample = bq.keep_oldest(sample)
        print(
            f"  sample: the {sample} oldest jobs are kept (--sample {args.sample}); the other "
            f"{len(waiting) - sample} are dropped from the queue, not processed",
            flush=True,
        )
    if sample == 0:
        print("  nothing to process", flush=True)
        return
    print(
        f"  one `eduport worker --burst` (jobs run in its warm process), timeout "
        f"{args.worker_timeout:g}s ...",
        flush=True,
    )
    log_path = Path(env["EDUPORT_DATA_DIR"]) / "worker.log"
    run = run_worker(env, args.worker_timeout, log_path)
    after = count_deliveries(db)
    processed = after.processed - before.processed
    queue = bq.queue
    left = len(queue)
    failed = queue.failed_job_registry.count
    retrying = queue.scheduled_job_registry.count
    ended = (
        f"exited {run.exit_code}"
        if run.exit_code is not None
        else f"stopped at the {args.worker_timeout:g}s timeout (SIGTERM: RQ's warm shutdown)"
    )
    print(f"  worker {ended} after {run.wall_s:.2f}s", flush=True)
    print(
        f"  processed: {processed} of {sample} ({left} still queued, RQ failed jobs: {failed}, "
        f"scheduled for retry: {retrying}, deliveries with an error: {after.with_errors})",
        flush=True,
    )
    for outcome, n in after.outcomes.items():
        print(f"    outcome {outcome!r}: {n}", flush=True)
    rate = processed / run.wall_s if run.wall_s > 0 else float("nan")
    print(
        f"  events fully processed per second by one worker: {rate:.1f}/s "
        "(start of the worker process until it exits, its start-up included)",
        flush=True,
    )
    if after.first_processed and after.last_processed and processed > 1:
        span = (after.last_processed - after.first_processed).total_seconds()
        if span > 0:
            print(
                f"    steady state, first to last processed_at: {(processed - 1) / span:.1f}/s "
                f"over {span:.2f}s ({run.wall_s - span:.2f}s of start-up and exit excluded)",
                flush=True,
            )
    if processed:
        print(
            f"  worker CPU (worker + work-horses; PostgreSQL and Redis not included): "
            f"{run.cpu_s / run.wall_s:.2f} cores, {run.cpu_s * 1000 / processed:.2f} ms/event; "
            f"whole machine busy {run.machine_busy_s / run.wall_s:.2f} of "
            f"{os.cpu_count()} cores meanwhile",
            flush=True,
        )
    print(
        f"  these events are for payments eduport does not know: the outcome is {NOT_OURS!r}.\n"
        "  Each exercises claim, interpretation, lookup and marking, not a re-fetch of the "
        "payment from Stripe.",
        flush=True,
    )
    exited_early = run.exit_code is not None and (run.exit_code != 0 or processed < sample)
    if failed or retrying or exited_early:
        print(f"  worker log (tail):\n{run.log_tail}", flush=True)
    noop = noop_job_rate(bq, sample, args.worker_timeout)
    if noop is not None and rate == rate:
        print(
            f"  RQ's own no-op job rate, same machine, right after: {noop:.1f} jobs/s "
            f"({sample} jobs of `rq.utils.now`, enqueued with RQ's defaults, one "
            f"`rq worker --burst --worker-class rq.SimpleWorker`, timed the same way)\n"
            f"  == events/s against no-op jobs/s: {rate / noop:.3f} (target >= 0.5) ==",
            flush=True,
        )


def noop_job_rate(bq: BenchQueue, n: int, timeout_s: float) -> float | None:
    """RQ's own ceiling here: ``n`` jobs that do nothing, queued with RQ's defaults, processed
    by one ``rq worker --burst`` (a SimpleWorker: no fork per job, like eduport's), timed
    from the worker's start until it exits, like eduport's worker above."""
    queue = bq.queue
    with bq.redis.pipeline() as pipeline:
        for _ in range(n):
            bq.job_ids.add(queue.enqueue_call("rq.utils.now", pipeline=pipeline).id)
        pipeline.execute()
    cmd = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--worker-class",
           "rq.SimpleWorker", "--url", os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
           "--logging_level", "WARNING", bq.name]
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        print("  RQ's no-op worker did not finish in time", flush=True)
        return None
    wall = time.perf_counter() - started
    if done.returncode != 0 or len(queue):
        print(f"  RQ's no-op worker failed ({done.returncode}): {done.stderr[-2000:]}",
              flush=True)
        return None
    return n / wall


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


def migrate(url: str) -> None:
    engine = build_engine(url, pool_size=1)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> None:
    gunicorn: GunicornConfig = {
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": args.worker_class,
    }
    concurrency: int = args.concurrency or max(8, args.workers * args.threads)
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    secret = f"whsec_bench{secrets.token_hex(16)}"
    started = time.perf_counter()
    with bench_database(base_url, keep=args.keep_schema) as db, bench_queue(redis_url) as bq:
        migrate(db.url)
        create_floor_table(db)
        print(
            f"schema {db.schema} migrated in {time.perf_counter() - started:.1f}s; "
            f"RQ queue {bq.name}",
            flush=True,
        )
        data_dir = tempfile.mkdtemp(prefix="bench-webhooks-")
        floor_name = f"{db.schema}-floor"
        env = {
            **app_env(db.url, data_dir),
            "REDIS_URL": redis_url,
            "EDUPORT_QUEUE": bq.name,
            "STRIPE_WEBHOOK_SECRET": secret,
        }
        try:
            with (
                start_gunicorn("bench.bare_app:app", {}, **gunicorn) as bare,
                start_gunicorn("bootstrap:wsgi()", env, **gunicorn) as app,
                start_gunicorn("bench.durable_floor_app:app",
                               {**env, "FLOOR_APPLICATION_NAME": floor_name}, **gunicorn) as floor,
            ):
                print(f"servers (all three): {app.describe()}; {concurrency} clients; load "
                      f"generator: {load_generator()} (BENCH_LOAD_GENERATOR=python for the "
                      "Python client)", flush=True)
                check_stored_once(app, WEBHOOK_PATH, "eduport", secret)
                check_stored_once(floor, FLOOR_PATH, "the durable floor", secret)
                check_bare(bare, secret)
                redis_pid = local_redis_pid(bq.redis)
                ours_server = QueueBackedServer.over(app, db, redis_pid)
                floor_server = QueueBackedServer.over(
                    floor, db, redis_pid, backend_pids=partial(db.backend_pids, floor_name))
                load = {
                    "duration_s": args.duration, "concurrency": concurrency,
                    "rounds": args.rounds, "method": "POST", "headers": HEADERS,
                    "body_factory": SignedDeliveries(secret),
                }
                ours, baseline = measure_interleaved(
                    app.url(WEBHOOK_PATH), bare.url(BARE_PATH),
                    ours_server=ours_server, baseline_server=bare, **load,
                )
                app_log = app.log_tail(2000)
                least, floor_baseline = measure_interleaved(
                    floor.url(FLOOR_PATH), bare.url(BARE_PATH),
                    ours_server=floor_server, baseline_server=bare, **load,
                )
            compare(
                f"POST {WEBHOOK_PATH} (signed Stripe events) vs POST {BARE_PATH}",
                ours,
                baseline,
                TARGET_RATIO,
            )
            print(describe_split(ours_server, ours), flush=True)
            print(ours_server.describe_redis(ours), flush=True)
            if ours.error_count and app_log:
                print(f"eduport's gunicorn log (tail):\n{app_log}", flush=True)
            compare(
                f"the durable floor, POST {FLOOR_PATH} (bench/durable_floor_app.py) vs "
                f"POST {BARE_PATH}",
                least,
                floor_baseline,
                TARGET_RATIO,
            )
            print(describe_split(floor_server, least, "the floor"), flush=True)
            print(floor_server.describe_redis(least), flush=True)
            print(summarise(ours, baseline, least, floor_baseline), flush=True)
            report_processing(db, bq, env, args)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks",
        description="Signed Stripe webhook deliveries (POST /webhooks/stripe) on PostgreSQL "
        "and Redis against a bare Flask endpoint, on the same gunicorn configuration; then "
        "the events one RQ worker processes per second. DATABASE_URL (default: "
        f"{DEFAULT_DATABASE_URL}) and REDIS_URL (default: {DEFAULT_REDIS_URL}) name the "
        "servers; a schema and a queue of its own are created and removed at the end.",
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--sample",
        type=int,
        default=DEFAULT_SAMPLE,
        help=f"at most this many queued events (the oldest) are processed by the worker "
        f"(default {DEFAULT_SAMPLE})",
    )
    parser.add_argument(
        "--worker-timeout",
        type=float,
        default=DEFAULT_WORKER_TIMEOUT_S,
        help=f"stop the worker after this many seconds (default {DEFAULT_WORKER_TIMEOUT_S:g})",
    )
    args = check_server_arguments(parser, parser.parse_args(argv))
    if args.sample < 1 or args.worker_timeout <= 0:
        parser.error("--sample >= 1 and --worker-timeout > 0 are required")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
