"""Benchmark: GenerateInvoices for 10,000 and for 100,000 institutions on PostgreSQL, with
eduport's own billing (no network): is the run linear, and is its memory flat?

For each size, a schema of its own (``bench_invoices_<random>``) is migrated and seeded
with that many active institutions (students reported, a billing customer), then a child
process runs ``GenerateInvoices`` for last month and reports its time and its peak resident
size (each size in its own process, so each peak is its own). Printed: institutions per
second for each, the ratio t(large) / t(small) against the size ratio (target: at most 11
for 10x the institutions) and both peaks (target: the large run's peak within 1.5x of the
small one's). A miss prints a line with ``TARGET MISSED``.

With ``REDIS_URL`` set, the run is the one production makes: each ``InvoiceGenerated``'s
email is queued on RQ (a queue of the benchmark's own, dropped after) for the workers,
which are not part of the run. Without it, jobs run inline and every email is rendered and
written within the run.

Run: ``python -m bench.invoices [--sizes 10000,100000]`` with ``DATABASE_URL`` set to the
PostgreSQL server (and ``REDIS_URL`` to Redis). Exits 0 even when a target is missed: it
is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from adapters.outbound.persistence.database import build_engine, normalise_url
from adapters.outbound.persistence.institutions import institutions
from adapters.outbound.persistence.migrations_runner import upgrade
from domain.institutions.invoices import previous_period

SEED_BATCH = 5_000


def last_month() -> str:
    return previous_period(datetime.now(UTC).date())


def seeded_schema(base: str, size: int) -> tuple[str, str]:
    schema = f"bench_invoices_{uuid.uuid4().hex[:10]}"
    admin = build_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = build_engine(rendered)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for start in range(0, size, SEED_BATCH):
            connection.execute(insert(institutions), [{
                "id": f"{n:08d}-0000-4000-8000-000000000000", "name": f"University {n}",
                "primary_email": f"billing@u{n}.example.edu", "domain": f"u{n}.example.edu",
                "plan": "basic", "storage_quota_bytes": 10**9, "created_at": now,
                "updated_at": now, "status": "active", "billing_customer_id": f"local_{n}",
                "students": 100 + n % 900, "faculty": 0, "storage_bytes": 0,
                "signing_secret": "whsec_" + "A" * 32, "version": 1}
                for n in range(start, min(size, start + SEED_BATCH))])
    engine.dispose()
    return schema, rendered


def drop(base: str, schema: str) -> None:
    admin = build_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def child(url: str) -> None:
    from application.institutions.generate_invoices import GenerateInvoices
    from bootstrap import build_injector, read_settings

    queue = f"bench-invoices-{uuid.uuid4().hex[:10]}"  # no worker takes it: dropped after
    redis = {"REDIS_URL": os.environ["REDIS_URL"], "EDUPORT_QUEUE": queue} \
        if os.environ.get("REDIS_URL") else {}
    settings = read_settings({"DATABASE_URL": url, "EDUPORT_DATA_DIR": os.environ["DATA_DIR"],
                              "JWT_SECRET": "bench-" + "x" * 40, "LOG_LEVEL": "ERROR",
                              "INVOICE_SEAT_PRICE_MINOR": "150", "EDUPORT_ENV": "test",
                              **redis})
    generate = build_injector(settings).get(GenerateInvoices)
    started = time.perf_counter()
    run = generate(last_month())
    seconds = time.perf_counter() - started
    if redis:
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(redis["REDIS_URL"])).delete(delete_jobs=True)
    print(json.dumps({"seconds": seconds, "invoiced": run.invoiced, "failed": len(run.failed),
                      "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def measure(base: str, size: int) -> dict[str, float]:
    import tempfile

    schema, url = seeded_schema(base, size)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            done = subprocess.run([sys.executable, "-m", "bench.invoices", "--child", url],
                                  env={**os.environ, "DATA_DIR": data_dir}, check=True,
                                  capture_output=True, text=True)
        found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return found
    finally:
        drop(base, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    base = normalise_url(os.environ.get("DATABASE_URL", ""))
    if not base.startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server")
    small, large = (int(size) for size in args.sizes.split(","))
    results = {size: measure(base, size) for size in (small, large)}
    for size, found in results.items():
        print(f"{size:>7} institutions: {found['seconds']:8.1f} s, "
              f"{size / found['seconds']:8.0f} institutions/s, invoiced {found['invoiced']:.0f}, "
              f"failed {found['failed']:.0f}, peak resident {found['peak_kib'] / 1024:.0f} MiB")
    ratio = results[large]["seconds"] / results[small]["seconds"]
    memory = results[large]["peak_kib"] / results[small]["peak_kib"]
    limit = 1.1 * large / small
    print(f"time ratio t({large}) / t({small}) = {ratio:.2f} (target <= {limit:.1f})"
          + ("" if ratio <= limit else "  TARGET MISSED"))
    print(f"peak memory ratio = {memory:.2f} (target <= 1.5)"
          + ("" if memory <= 1.5 else "  TARGET MISSED"))


if __name__ == "__main__":
    main()
