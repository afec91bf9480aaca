"""Benchmark: GET /courses (the public catalog listing) against bare Flask, on PostgreSQL.

Seeds a PostgreSQL schema of its own (``bench_<random>``) with 1 teacher and 1,000 published
courses of 3 lessons each, starts eduport (``bootstrap:wsgi()``) and ``bench.bare_app:app``
under the same gunicorn configuration, checks that ``GET /courses?page=1&page_size=20``
answers 200 with 20 items and a total of 1,000, then measures it against ``GET /bare`` in
alternating rounds and prints the figures and the ratios. Target: the listing reaches at
least half the bare throughput.

eduport's ``server cpu`` includes the CPU of the PostgreSQL backends that serve it, when the
database runs on this machine: the listing's cost is also its queries, and the database's CPU
is then not mistaken for disturbance by other processes.

Run: ``python -m bench.listing [--duration 10] [--concurrency N] [--workers 2]``. The schema is
dropped at the end unless ``--keep-schema``. Exits 0 even when the target is missed: it is a
report, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from adapters.outbound.persistence import tables as t
from adapters.outbound.persistence.database import build_engine, normalise_url
from adapters.outbound.persistence.migrations_runner import upgrade
from bench.harness import (
    GunicornConfig,
    Result,
    Server,
    compare,
    measure_interleaved,
    start_gunicorn,
)
from domain.catalog.model import CourseStatus
from domain.shared.roles import Role

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
LISTING_PATH = "/courses?page=1&page_size=20"
BARE_PATH = "/bare"
COURSES = 1_000
LESSONS_PER_COURSE = 3
PAGE_SIZE = 20
TARGET_RATIO = 0.5

# One process per core, and threads so that a worker keeps its core busy while one request
# waits on PostgreSQL; gthread also keeps connections alive (see README, "Course listing").
DEFAULT_GUNICORN: GunicornConfig = {"workers": 2, "threads": 4, "worker_class": "gthread"}

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# the database: a schema of its own, seeded with plain inserts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDatabase:
    schema: str
    url: str  # the app's DATABASE_URL: search_path is the schema, application_name tags it
    admin: Engine  # on the base URL: creates and drops the schema, finds the app's backends

    def backend_pids(self, application_name: str | None = None) -> list[int]:
        """Process ids of the PostgreSQL backends the app has open (its pool connections):
        those named after the schema, or ``application_name`` when given."""
        with self.admin.connect() as connection:
            rows = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name or self.schema},
            )
            return [int(pid) for (pid,) in rows]


@contextmanager
def bench_database(base_url: str, *, keep: bool) -> Iterator[BenchDatabase]:
    """Create schema ``bench_<random>``; yield it. Dropped on the way out unless ``keep``."""
    base = normalise_url(base_url)
    if make_url(base).get_backend_name() != "postgresql":
        raise SystemExit(f"bench.listing needs PostgreSQL; DATABASE_URL is {base_url!r}")
    schema = f"bench_{secrets.token_hex(6)}"
    admin = build_engine(base, pool_size=1)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = make_url(base).update_query_dict(
                {"options": f"-csearch_path={schema}", "application_name": schema}
            )
            yield BenchDatabase(schema, url.render_as_string(hide_password=False), admin)
        finally:
            if keep:
                print(f"schema {schema} kept (--keep-schema)", flush=True)
            else:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


_ADJECTIVES = (
    "Practical",
    "Modern",
    "Complete",
    "Applied",
    "Hands-on",
    "Essential",
    "Advanced",
    "Beginner's",
    "Intensive",
    "Professional",
)
_TOPICS = (
    "Python",
    "Linear Algebra",
    "Organic Chemistry",
    "Web Design",
    "Data Analysis",
    "Arabic Grammar",
    "Financial Accounting",
    "Machine Learning",
    "Photography",
    "Statistics",
    "French Conversation",
    "SQL",
    "Physics",
    "Public Speaking",
    "Graphic Design",
    "Calculus",
    "Marketing",
    "Project Management",
    "Creative Writing",
    "Music Theory",
)
_SUFFIXES = (
    "from Scratch",
    "for Engineers",
    "in 30 Days",
    "Bootcamp",
    "Masterclass",
    "for Exams",
    "Step by Step",
    "with Projects",
    "Fundamentals",
    "Deep Dive",
)
_LESSON_TITLES = ("Welcome and overview", "Core ideas", "Putting it into practice")
# (price in minor units, currency): mostly USD, some EUR, EGP and JPY (no decimals), one free.
_PRICES = (
    (1999, "USD"),
    (4999, "USD"),
    (8900, "EUR"),
    (0, "USD"),
    (150000, "EGP"),
    (2500, "JPY"),
    (12999, "USD"),
    (2900, "EUR"),
)


def _slugify(title: str) -> str:
    kept = "".join(c.lower() if c.isalnum() else " " for c in title)
    return "-".join(kept.split())


def seed(url: str, courses: int = COURSES, lessons_per_course: int = LESSONS_PER_COURSE) -> None:
    """Migrate the schema behind ``url``; insert 1 teacher and ``courses`` published courses."""
    engine = build_engine(url, pool_size=1)
    try:
        upgrade(engine)
        _insert(engine, random.Random(1234), courses, lessons_per_course)  # same data each run
    finally:
        engine.dispose()


def _insert(engine: Engine, rng: random.Random, courses: int, lessons_per_course: int) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    teacher_id = str(uuid.uuid4())
    course_rows: list[dict[str, Any]] = []
    lesson_rows: list[dict[str, Any]] = []
    for i in range(courses):
        title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_TOPICS)} {rng.choice(_SUFFIXES)}"
        course_id = str(uuid.uuid4())
        created = now - timedelta(days=courses + 100 - i, minutes=rng.randrange(600))
        published = created + timedelta(hours=rng.randrange(1, 72))
        price_minor, currency = rng.choice(_PRICES)
        course_rows.append(
            {
                "id": course_id,
                "teacher_id": teacher_id,
                "title": title,
                "slug": f"{_slugify(title)}-{i + 1}",
                "description": f"{title}: {rng.randrange(4, 40)} hours of video, exercises and a "
                "final project. No prior knowledge needed beyond the basics.",
                "price_minor": price_minor,
                "price_currency": currency,
                "thumbnail_key": None if i % 10 == 0 else f"thumbnails/{course_id}.jpg",
                "status": CourseStatus.PUBLISHED,
                "created_at": created,
                "updated_at": published,
                "published_at": published,
            }
        )
        for position, lesson_title in enumerate(_LESSON_TITLES[:lessons_per_course], start=1):
            lesson_rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "course_id": course_id,
                    "title": lesson_title,
                    "slug": _slugify(lesson_title),
                    "position": position,
                    "is_free_preview": position == 1,
                    "video_ref": f"videos/{course_id}/{position}.mp4",
                }
            )
    with engine.begin() as connection:
        connection.execute(
            t.users.insert(),
            [
                {
                    "id": teacher_id,
                    "email": "teacher@bench.example",
                    "full_name": "Dr. Amina El-Sayed",
                    "role": Role.TEACHER,
                    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$bm90LWEtc2FsdA$bm90LWEtaGFzaA",
                    "created_at": now - timedelta(days=courses + 200),
                    "email_verified_at": now - timedelta(days=courses + 200),
                    "password_changed_at": None,
                }
            ],
        )
        connection.execute(t.courses.insert(), course_rows)
        connection.execute(t.lessons.insert(), lesson_rows)
        connection.execute(text("ANALYZE users, courses, lessons"))


# --------------------------------------------------------------------------------------------
# CPU of the database's backends, counted with eduport's server
# --------------------------------------------------------------------------------------------


def _process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process on this machine; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass(eq=False)
class DatabaseBackedServer(Server):
    """The eduport server as :func:`measure` sees it: gunicorn plus its PostgreSQL backends.

    Every ``cpu_seconds()`` reading (``measure`` takes one at the start and one at the end
    of each window) is kept, split into gunicorn and database, for :meth:`split`.
    """

    backend_pids: Callable[[], list[int]] = list
    readings: list[tuple[float, float]] = field(default_factory=list)
    backends_seen: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, server: Server, backend_pids: Callable[[], list[int]]) -> DatabaseBackedServer:
        """A view of a running ``server``; stopping stays with ``server`` (not this view)."""
        return cls(
            app_spec=server.app_spec,
            port=server.port,
            process=server.process,
            tmp_dir=server.tmp_dir,
            config=server.config,
            backend_pids=backend_pids,
        )

    def cpu_seconds(self) -> float:
        gunicorn = super().cpu_seconds()
        database = 0.0
        for pid in self.backend_pids():
            seconds = _process_cpu_seconds(pid)
            if seconds is not None:  # None: the database runs on another machine
                database += seconds
                self.backends_seen.add(pid)
        self.readings.append((gunicorn, database))
        return gunicorn + database

    def split(self) -> tuple[float, float]:
        """(gunicorn, database) CPU seconds summed over the measured windows."""
        pairs = zip(self.readings[::2], self.readings[1::2], strict=False)
        gunicorn = database = 0.0
        for (g0, d0), (g1, d1) in pairs:
            gunicorn += g1 - g0
            database += d1 - d0
        return gunicorn, database


def describe_split(server: DatabaseBackedServer, ours: Result, name: str = "eduport") -> str:
    gunicorn_s, database_s = server.split()
    if not server.backends_seen:
        return (
            f"  {name}'s server cpu: gunicorn only (PostgreSQL is not on this machine, its "
            "CPU is not counted)"
        )
    per_req = 1000 / ours.ok if ours.ok else float("nan")
    return (
        f"  {name}'s server cpu = gunicorn {gunicorn_s / ours.duration_s:.2f} cores "
        f"({gunicorn_s * per_req:.3f} ms/req) + its {len(server.backends_seen)} "
        f"PostgreSQL backends {database_s / ours.duration_s:.2f} cores "
        f"({database_s * per_req:.3f} ms/req)"
    )


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes


def fetch(server: Server, path: str) -> Fetched:
    # The harness binds every server to 127.0.0.1: a plain-http URL on the loopback.
    with urlopen(server.url(path), timeout=10) as response:  # noqa: S310
        return Fetched(response.status, response.read())


def check_listing(server: Server) -> Fetched:
    """The listing must answer 200 with a full page of 20 and the total of 1,000."""
    got = fetch(server, LISTING_PATH)
    page = json.loads(got.body)
    items = len(page.get("items", ()))
    problems = []
    if got.status != 200:
        problems.append(f"status {got.status}")
    if items != PAGE_SIZE:
        problems.append(f"{items} items, not {PAGE_SIZE}")
    if page.get("total") != COURSES:
        problems.append(f"total {page.get('total')}, not {COURSES}")
    if problems:
        raise SystemExit(f"GET {LISTING_PATH} is not as seeded: {'; '.join(problems)}")
    return got


def app_env(database_url: str, data_dir: str) -> dict[str, str]:
    return {
        "EDUPORT_ENV": "production",
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(36),  # 48 characters
        "EDUPORT_DATA_DIR": data_dir,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }


def run(args: argparse.Namespace) -> None:
    gunicorn: GunicornConfig = {
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": args.worker_class,
    }
    concurrency: int = args.concurrency or max(8, args.workers * args.threads)
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    started = time.perf_counter()
    with bench_database(base_url, keep=args.keep_schema) as db:
        seed(db.url)
        print(
            f"schema {db.schema}: 1 teacher, {COURSES} published courses, "
            f"{COURSES * LESSONS_PER_COURSE} lessons, seeded in "
            f"{time.perf_counter() - started:.1f}s",
            flush=True,
        )
        data_dir = tempfile.mkdtemp(prefix="bench-listing-")
        try:
            with (
                start_gunicorn("bench.bare_app:app", {}, **gunicorn) as bare,
                start_gunicorn("bootstrap:wsgi()", app_env(db.url, data_dir), **gunicorn) as app,
            ):
                listing = check_listing(app)
                bare_page = fetch(bare, BARE_PATH)
                print(f"servers (both): {app.describe()}; {concurrency} clients", flush=True)
                print(
                    f"GET {LISTING_PATH}: {listing.status}, {PAGE_SIZE} items, total "
                    f"{COURSES}, body {len(listing.body):,} bytes",
                    flush=True,
                )
                print(
                    f"GET {BARE_PATH}: {bare_page.status}, body {len(bare_page.body):,} bytes",
                    flush=True,
                )
                ours_server = DatabaseBackedServer.of(app, db.backend_pids)
                ours, baseline = measure_interleaved(
                    app.url(LISTING_PATH),
                    bare.url(BARE_PATH),
                    ours_server=ours_server,
                    baseline_server=bare,
                    duration_s=args.duration,
                    concurrency=concurrency,
                    rounds=args.rounds,
                )
                app_log = app.log_tail(2000)
            compare(f"GET {LISTING_PATH} vs GET {BARE_PATH}", ours, baseline, TARGET_RATIO)
            print(describe_split(ours_server, ours), flush=True)
            if ours.error_count and app_log:
                print(f"eduport's gunicorn log (tail):\n{app_log}", flush=True)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.listing",
        description="GET /courses (1,000 published courses, page of 20) on PostgreSQL "
        "against a bare Flask endpoint, on the same gunicorn configuration. "
        f"DATABASE_URL (default: {DEFAULT_DATABASE_URL}) names the database; a "
        "schema of its own is created in it and dropped at the end.",
    )
    add_server_arguments(parser)
    return check_server_arguments(parser, parser.parse_args(argv))



def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark here shares: the load and the gunicorn configuration."""
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="measured seconds per side, split over the rounds (default 10)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="closed-loop clients (default: max(8, workers x threads))",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_GUNICORN["workers"],
        help="gunicorn workers of both servers (default 2)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_GUNICORN["threads"],
        help="threads per gunicorn worker, both servers (default 4)",
    )
    parser.add_argument(
        "--worker-class",
        default=DEFAULT_GUNICORN["worker_class"],
        choices=("gthread", "sync"),
        help="gunicorn worker class of both servers (default gthread)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds per side (default 3)"
    )
    parser.add_argument(
        "--keep-schema",
        action="store_true",
        help="do not drop the bench_<random> schema at the end",
    )


def check_server_arguments(parser: argparse.ArgumentParser,
                           args: argparse.Namespace) -> argparse.Namespace:
    """Refuses what :func:`add_server_arguments` cannot run with; returns ``args``."""
    if args.duration <= 0 or args.workers < 1 or args.threads < 1 or args.rounds < 1:
        parser.error("--duration > 0 and --workers, --threads, --rounds >= 1 are required")
    if args.concurrency is not None and args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    return args

def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
