"""Benchmark: live-class heartbeats against bare Flask, on SQLite (and PostgreSQL).

Sets up one live class through the app's own use cases (outside the measured window): a
teacher, a free published course, ``--participants`` students (default 1,000) registered,
logged in (each with a real access token) and enrolled, one live session scheduled and
started, and every student joined. Then starts eduport (``bootstrap:wsgi()``) and
``bench.bare_app:app`` under the same gunicorn configuration as ``bench.listing``, checks
that a heartbeat answers 200 ``{"present": true, ...}``, and measures
``POST /live-sessions/{id}/heartbeat`` against ``POST /bare-webhook`` in alternating rounds.
Every client thread beats for its own slice of the students, in turn, with their bearer
tokens: each request is one participant's heartbeat, and no participant beats twice at once.

The question is how many participants one server can keep present. Clients beat every 30 s,
so a rate of R heartbeats/s supports 30 R participants, and a 1,000-student class needs
33.3 heartbeats/s. Target: such a class uses under 10 % of one server's heartbeat capacity,
that is eduport accepts at least 333 heartbeats/s (``compare``'s ratio target is that rate
over the bare endpoint's of the same run).

The database: the embedded default (SQLite in a temporary EDUPORT_DATA_DIR) always; and, when
DATABASE_URL is set, PostgreSQL too, in a schema of its own (``bench.listing``'s
``bench_database``), with its backends' CPU counted as eduport's. Jobs run inline in both
(REDIS_URL is blanked): a heartbeat emits no event, so the queue plays no part.

Run: ``python -m bench.live [--participants 1000] [--duration 10] [--workers 2]``. Exits 0
even when the target is missed: it is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from injector import Binder, Injector, InstanceProvider, Module
from sqlalchemy import Engine, func, select

from adapters.outbound.persistence.database import build_engine
from adapters.outbound.persistence.live import live_participants, live_presences
from adapters.outbound.persistence.migrations_runner import upgrade
from application.accounts.log_in import LogIn, LogInCommand
from application.accounts.register_user import RegisterUser, RegisterUserCommand
from application.catalog.add_lesson import AddLesson, AddLessonCommand
from application.catalog.create_course import CreateCourse, CreateCourseCommand
from application.catalog.enroll import Enroll, EnrollCommand
from application.catalog.publish_course import PublishCourse, PublishCourseCommand
from application.live.join_live_session import JoinLiveSession, JoinLiveSessionCommand
from application.live.schedule_live_session import (
    ScheduleLiveSession,
    ScheduleLiveSessionCommand,
)
from application.live.start_live_session import StartLiveSession, StartLiveSessionCommand
from application.shared.ports import Principal, TaskQueue
from bench.harness import (
    GunicornConfig,
    Result,
    Server,
    compare,
    measure_interleaved,
    start_gunicorn,
)
from bench.listing import (
    DatabaseBackedServer,
    add_server_arguments,
    app_env,
    bench_database,
    check_server_arguments,
    describe_split,
)
from bench.webhooks import post
from domain.shared.money import Money

BARE_PATH = "/bare-webhook"
HEARTBEAT_EVERY_S = 30  # what clients do (domain.live.model: 90 s of silence is a leave)
CLASS_SIZE = 1_000
TARGET_SHARE = 0.10  # a 1,000-student class uses under 10 % of one server's capacity
# The rate that meets the target: 33.3 heartbeats/s is 10 % of it.
TARGET_RPS = CLASS_SIZE / HEARTBEAT_EVERY_S / TARGET_SHARE
DEFAULT_PARTICIPANTS = 1_000
PASSWORD = "bench live passphrase 2026"  # noqa: S105 - throwaway accounts of the run

# Set-up only: hashing 1,000 passwords at the production cost would take minutes, and the
# measured requests never hash (they carry access tokens). Both processes get the same.
_CHEAP_HASHING = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "8"}
# The teacher publishes without an admin's approval (ADR 21); heartbeats never look at it.
_NO_TEACHER_APPROVAL = {"TEACHER_APPROVAL": "false"}


# --------------------------------------------------------------------------------------------
# the class: set up through the app's use cases, outside the measured window
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveClass:
    session_id: str
    tokens: tuple[str, ...]  # one access token per joined student
    teacher_token: str
    seconds: float  # the set-up's wall time


def bench_env(database_url: str, data_dir: str) -> dict[str, str]:
    """eduport's environment: ``bench.listing``'s, plus cheap password hashing (set-up only),
    a teacher who needs no approval, and inline jobs. An empty DATABASE_URL is the embedded
    default, SQLite in the data dir."""
    return {**app_env(database_url, data_dir), **_CHEAP_HASHING, **_NO_TEACHER_APPROVAL,
            "REDIS_URL": ""}


class _LeftForTheRelay:
    """Set-up only: the outbox's messages stay in the outbox (written, committed, never
    run). Registration mails each student twice, which would be 70 % of the set-up."""

    def enqueue(self, job: str, *args: str) -> None:
        return None


class _SetUpOnly(Module):
    def configure(self, binder: Binder) -> None:
        binder.bind(TaskQueue, to=InstanceProvider(_LeftForTheRelay()))  # type: ignore[type-abstract]


def set_up_class(env: Mapping[str, str], participants: int) -> LiveClass:
    """Migrate; then, through the use cases: a teacher, a free published course, a live
    session started, and the students (registered, logged in, enrolled) joined to it."""
    from bootstrap import build_injector, read_settings

    started = time.perf_counter()
    settings = read_settings(env)
    injector = build_injector(settings, _SetUpOnly())
    engine = injector.get(Engine)
    try:
        upgrade(engine)
        teacher, teacher_token = _account(injector, "teacher", 0, "Dr. Amina El-Sayed")
        course = injector.get(CreateCourse)(CreateCourseCommand(
            teacher, "Compilers, live", "compilers-live", "Ten evenings, live.",
            Money(0, "USD")))
        injector.get(AddLesson)(AddLessonCommand(teacher, course.id, "Welcome", "welcome"))
        injector.get(PublishCourse)(PublishCourseCommand(teacher, course.id))
        session = injector.get(ScheduleLiveSession)(ScheduleLiveSessionCommand(
            teacher, course.id, "Parsing, live", datetime.now(UTC), 120))
        injector.get(StartLiveSession)(StartLiveSessionCommand(teacher, session.id))
        join, enroll = injector.get(JoinLiveSession), injector.get(Enroll)
        join(JoinLiveSessionCommand(teacher, session.id))
        tokens = []
        for n in range(1, participants + 1):
            student, token = _account(injector, "student", n, f"Student {n:04d}")
            enroll(EnrollCommand(student, course.id))
            join(JoinLiveSessionCommand(student, session.id))
            tokens.append(token)
    finally:
        engine.dispose()
    return LiveClass(session.id, tuple(tokens), teacher_token, time.perf_counter() - started)


def _account(injector: Injector, role: str, n: int, name: str) -> tuple[Principal, str]:
    address = f"{role}{n:04d}@bench.example"
    injector.get(RegisterUser)(RegisterUserCommand(address, PASSWORD, name, role))
    session = injector.get(LogIn)(LogInCommand(address, PASSWORD))
    return Principal(session.user_id, session.role), session.access_token


# --------------------------------------------------------------------------------------------
# the load: every client thread beats for its own students, in turn
# --------------------------------------------------------------------------------------------


def _shared_counters(n: int) -> Any:
    return mp.get_context("fork").RawArray("q", n)  # shared memory, inherited by the forks


@dataclass(frozen=True)
class Heartbeats:
    """The body factory: an empty body and the next participant's bearer token.

    It runs in the harness's forked client threads. On its first call a thread takes the
    next slot (a counter shared by the forks; every round starts ``concurrency`` threads,
    so the threads of one round hold different slots modulo ``concurrency``) and from then
    on beats for that slot's students only, in turn, carrying on where the slot's thread of
    the previous round stopped. So every student beats as often as the others over the
    run, and no participant is beaten by two requests at once (those would race on its
    version, and one would get 409)."""

    tokens: tuple[str, ...]
    concurrency: int
    slots: Any = field(default_factory=lambda: _shared_counters(1))
    turns: Any = None  # how far each slot has gone through its students
    mine: threading.local = field(default_factory=threading.local)
    claim: Any = field(default_factory=lambda: mp.get_context("fork").Lock())

    def __post_init__(self) -> None:
        if self.turns is None:
            object.__setattr__(self, "turns", _shared_counters(self.concurrency))

    def __call__(self) -> tuple[bytes, Mapping[str, str]]:
        slot: int | None = getattr(self.mine, "slot", None)
        if slot is None:
            with self.claim:
                slot = self.mine.slot = self.slots[0] % self.concurrency
                self.slots[0] += 1
            self.mine.students = self.tokens[slot :: self.concurrency]
        students: tuple[str, ...] = self.mine.students
        turn = self.turns[slot]
        self.turns[slot] = turn + 1  # only this thread holds the slot in this round
        return b"", {"Authorization": f"Bearer {students[turn % len(students)]}"}


def heartbeat_path(session_id: str) -> str:
    return f"/live-sessions/{session_id}/heartbeat"


def check_heartbeat(app: Server, bare: Server, live: LiveClass) -> None:
    """One student's heartbeat answers 200 and present; a teacher's too; bare answers 200."""
    problems = []
    for who, token in (("a student", live.tokens[0]), ("the teacher", live.teacher_token)):
        status, got = post(app, heartbeat_path(live.session_id), b"",
                           {"Authorization": f"Bearer {token}"})
        print(f"POST {heartbeat_path('{id}')} ({who}): {status} {json.dumps(got)}", flush=True)
        if status != 200 or not isinstance(got, dict) or got.get("present") is not True:
            problems.append(f"{who}: {status} {got!r}")
    status, got = post(bare, BARE_PATH, b"", {})
    print(f"POST {BARE_PATH}: {status} {json.dumps(got)}", flush=True)
    if status != 200:
        problems.append(f"{BARE_PATH} answered {status}")
    if problems:
        print(f"eduport's gunicorn log (tail):\n{app.log_tail(3000)}", flush=True)
        raise SystemExit("heartbeats are not accepted as expected: " + "; ".join(problems))


def count_beaten(url: str, since: datetime) -> tuple[int, int]:
    """(participants that beat since ``since``, presence stretches in all): every student
    should have beaten, each on one stretch (no 90 s of silence opened a second)."""
    engine = build_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            beaten = connection.execute(
                select(func.count(func.distinct(live_presences.c.participant_id)))
                .where(live_presences.c.last_seen_at >= since)).scalar_one()
            stretches = connection.execute(
                select(func.count()).select_from(live_presences)
                .join(live_participants,
                      live_participants.c.id == live_presences.c.participant_id)).scalar_one()
    finally:
        engine.dispose()
    return int(beaten), int(stretches)


def summarise(name: str, ours: Result, baseline: Result) -> str:
    ratio = ours.rps / baseline.rps if baseline.rps else float("nan")
    supported = ours.rps * HEARTBEAT_EVERY_S
    needed = CLASS_SIZE / HEARTBEAT_EVERY_S
    share = needed / ours.rps if ours.rps else float("inf")
    missed = []
    if not share < TARGET_SHARE:
        missed.append(f"{share:.1%} >= {TARGET_SHARE:.0%}")
    if ours.error_count:
        missed.append(f"{ours.error_count} heartbeats not accepted")
    return (
        f"\n== summary: heartbeats on {name} ==\n"
        f"  eduport accepts {ours.rps:,.1f} heartbeats/s; the bare endpoint "
        f"{baseline.rps:,.1f} req/s; ratio {ratio:.3f}\n"
        f"  at one heartbeat per {HEARTBEAT_EVERY_S} s, one server (the configuration above) "
        f"keeps {supported:,.0f} participants present\n"
        f"  a {CLASS_SIZE:,}-student class ({needed:.1f} heartbeats/s) uses {share:.1%} of "
        f"one server's heartbeat capacity (target < {TARGET_SHARE:.0%}): "
        + (f"TARGET MISSED: {'; '.join(missed)}" if missed else "target met")
    )


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


def bench_one(name: str, env: Mapping[str, str], check_url: str, bare: Server,
              gunicorn: GunicornConfig, args: argparse.Namespace, concurrency: int,
              as_measured: Callable[[Server], Server] = lambda server: server) -> None:
    print(f"\n--- {name} ---", flush=True)
    live = set_up_class(env, args.participants)
    print(
        f"set-up through the use cases: 1 teacher and {len(live.tokens)} students registered, "
        f"logged in, enrolled and joined to one live session, in {live.seconds:.1f}s",
        flush=True,
    )
    with start_gunicorn("bootstrap:wsgi()", env, **gunicorn) as app:
        check_heartbeat(app, bare, live)
        ours_server = as_measured(app)
        since = datetime.now(UTC)  # after the check: the teacher's beat is not counted
        ours, baseline = measure_interleaved(
            app.url(heartbeat_path(live.session_id)),
            bare.url(BARE_PATH),
            ours_server=ours_server,
            baseline_server=bare,
            duration_s=args.duration,
            concurrency=concurrency,
            rounds=args.rounds,
            method="POST",
            body_factory=Heartbeats(live.tokens, concurrency),
        )
        app_log = app.log_tail(2000)
    # compare()'s target: the rate a 1,000-student class needs for under 10 % of it,
    # as a ratio over this run's bare endpoint.
    target_ratio = TARGET_RPS / baseline.rps if baseline.rps else float("inf")
    compare(f"POST {heartbeat_path('{id}')} ({name}) vs POST {BARE_PATH}", ours, baseline,
            target_ratio)
    if isinstance(ours_server, DatabaseBackedServer):
        print(describe_split(ours_server, ours), flush=True)
    beaten, stretches = count_beaten(check_url, since)
    print(f"  students whose heartbeats landed in the run: {beaten} of {len(live.tokens)}; "
          f"presence stretches: {stretches} for {len(live.tokens) + 1} participants (the "
          "teacher included)", flush=True)
    if ours.error_count and app_log:
        print(f"eduport's gunicorn log (tail):\n{app_log}", flush=True)
    print(summarise(name, ours, baseline), flush=True)


def run(args: argparse.Namespace) -> None:
    gunicorn: GunicornConfig = {
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": args.worker_class,
    }
    concurrency: int = args.concurrency or max(8, args.workers * args.threads)
    if args.participants < concurrency:
        raise SystemExit(f"--participants must be at least the {concurrency} clients")
    base_url = os.environ.get("DATABASE_URL")
    with start_gunicorn("bench.bare_app:app", {}, **gunicorn) as bare:
        print(f"servers (both): {bare.describe()}; {concurrency} clients", flush=True)
        data_dir = tempfile.mkdtemp(prefix="bench-live-")
        try:
            bench_one("SQLite, the embedded default", bench_env("", data_dir),
                      f"sqlite:///{data_dir}/eduport.sqlite3", bare, gunicorn, args,
                      concurrency)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        if not base_url:
            print("\nDATABASE_URL is not set: PostgreSQL not measured", flush=True)
            return
        with bench_database(base_url, keep=args.keep_schema) as db:
            data_dir = tempfile.mkdtemp(prefix="bench-live-")
            try:
                bench_one(f"PostgreSQL, schema {db.schema}", bench_env(db.url, data_dir),
                          db.url, bare, gunicorn, args, concurrency,
                          lambda app: DatabaseBackedServer.of(app, db.backend_pids))
            finally:
                shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live",
        description="Heartbeats of a live class (POST /live-sessions/{id}/heartbeat, one per "
        "joined student, with their bearer tokens) against a bare Flask endpoint, on the same "
        "gunicorn configuration: on SQLite (the embedded default), and on PostgreSQL when "
        "DATABASE_URL is set (a schema of its own, dropped at the end).",
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--participants",
        type=int,
        default=DEFAULT_PARTICIPANTS,
        help=f"students joined to the session and beating (default {DEFAULT_PARTICIPANTS:,})",
    )
    return check_server_arguments(parser, parser.parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
