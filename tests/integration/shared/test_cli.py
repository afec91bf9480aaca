"""The `eduport` command as an operator runs it: real processes, real ports."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import JWT_SECRET

EDUPORT = [sys.executable, "-c", "import bootstrap; bootstrap.main()"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET")}
    env.update({"EDUPORT_DATA_DIR": str(tmp_path), "LOG_FORMAT": "text", **extra})
    return env


def eduport(tmp_path: Path, *args: str, timeout: float = 120,
            **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDUPORT, *args], env=_env(tmp_path, **extra), capture_output=True,
                          text=True, timeout=timeout, check=False, cwd=tmp_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_runs_the_whole_scenario_offline(tmp_path: Path) -> None:
    done = eduport(tmp_path, "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "demo finished: every step did what it should" in done.stdout
    assert "enrollments: 1, students_count: 1" in done.stdout
    assert "welcome emails: 3, undelivered outbox messages: 0" in done.stdout  # and Root's
    assert ("identity manual review: Approved; application approved; told "
            "['grace@demo.eduport']") in done.stdout
    assert "payment succeeded; students 1, revenue 49.00 EUR" in done.stdout
    assert "webhook deliveries stored: 2 -> 2; students still 1" in done.stdout
    assert "payment refunded; students 0, revenue 0.00" in done.stdout
    # The live class, on the real clock: a few seconds, so a minute each (a minute begun
    # counts), and the enrolled student who stayed away.
    assert ("session live on jitsi; notices mailed to ['ada@demo.eduport', "
            "'alan@demo.eduport']") in done.stdout
    assert "host: https://meet.jit.si/eduport-" in done.stdout
    assert len(re.findall(r"/live-sessions/[^/ ]+/heartbeat -> 200", done.stdout)) == 3
    assert "/leave -> 200\n      present False, " in done.stdout
    assert "/end -> 200" in done.stdout and "/heartbeat -> 409" in done.stdout
    assert "Grace Hopper, host: 1 min (" in done.stdout
    assert "Alan Turing, audience: 1 min (" in done.stdout
    assert "never joined: Ada Lovelace" in done.stdout
    # The consultation, paid from a credit pack: a minute begun together, billed once.
    assert "paid 10.00 USD; credits available 1000 (minor units)" in done.stdout
    assert "held 7.50 USD; both have a pass of their own" in done.stdout
    assert ": 1 min billed (a minute begun counts), 5.50 USD; credits left 450, held 0" in \
        done.stdout


def test_serve_refuses_an_unmigrated_database_then_serves_after_migrate(tmp_path: Path) -> None:
    port = free_port()
    refused = eduport(tmp_path, "serve", "--port", str(port))
    assert refused.returncode != 0
    assert "run `eduport migrate` first" in refused.stderr
    migrated = eduport(tmp_path, "migrate")
    assert migrated.returncode == 0 and "database migrated" in migrated.stdout
    assert "already at" in eduport(tmp_path, "migrate").stdout

    server = subprocess.Popen([*EDUPORT, "serve", "--port", str(port), "--workers", "1"],
                              env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert '"alive"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=5) as docs:
            assert b"swagger" in docs.read().lower()
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"Swagger UI: http://127.0.0.1:{port}/docs" in out


def test_serve_without_redis_runs_the_schedule_itself(tmp_path: Path) -> None:
    """A message a crash left undispatched is relayed by the cron that `serve` starts when
    there is no Redis (and so no `eduport worker`); stopping the server stops the cron."""
    from sqlalchemy import select

    from adapters.outbound.persistence import tables as t
    from adapters.outbound.persistence.database import build_engine
    from tests.integration.mail import messages
    from tests.integration.outbox_processes import KILLED_AFTER_COMMIT

    extra = {"DATABASE_URL": f"sqlite:///{tmp_path / 'eduport.sqlite3'}", "JWT_SECRET": JWT_SECRET,
             "OUTBOX_RELAY_INTERVAL_SECONDS": "1", "OUTBOX_RELAY_GRACE_SECONDS": "0",
             "MAIL_JOURNAL": str(tmp_path / "journal.jsonl")}
    assert eduport(tmp_path, "migrate", **extra).returncode == 0
    crashed = subprocess.run([sys.executable, "-m", "tests.integration.outbox_processes",
                              "register", "cron@example.test"], env=_env(tmp_path, **extra),
                             capture_output=True, timeout=60, check=False)
    assert crashed.returncode == KILLED_AFTER_COMMIT, crashed.stderr.decode()[-2000:]
    engine = build_engine(extra["DATABASE_URL"])

    def processed() -> list[bool]:
        with engine.connect() as connection:
            # The message the crash stranded (the notices it leads to are messages too).
            return [r.processed_at is not None for r in connection.execute(
                select(t.outbox.c.processed_at).where(t.outbox.c.event_type == "UserRegistered"))]

    assert processed() == [False]
    server = subprocess.Popen([*EDUPORT, "serve", "--port", str(free_port()), "--workers", "1"],
                              env=_env(tmp_path, **extra), cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and processed() != [True]:
            time.sleep(0.3)
        assert processed() == [True]
        subjects = sorted(str(m["Subject"]) for m in messages(tmp_path / "mail"))
        assert subjects == ["Confirm your email address", "Welcome to eduport"]
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
        engine.dispose()
    assert "cron" in out and "no REDIS_URL" in out, out + err
    assert "Traceback" not in out + err, err[-3000:]  # e.g. exit hooks in forked workers
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the whole process group, the cron included, is gone
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(server.pid, 9)
        pytest.fail("a process of the server outlived it")


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _killed_outright_leaves_no_child(tmp_path: Path, command: list[str], children_expected: int,
                                     **extra: str) -> None:
    process = subprocess.Popen([*EDUPORT, *command], env=_env(tmp_path, **extra), cwd=tmp_path,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_children(process.pid)) < children_expected:
            time.sleep(0.2)
        children = _children(process.pid)
        assert len(children) >= children_expected, children
        process.kill()  # SIGKILL: no handler of the parent's runs
        process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children), "a child outlived its parent"
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_the_inline_cron_does_not_outlive_a_server_killed_outright(tmp_path: Path) -> None:
    extra = {"DATABASE_URL": f"sqlite:///{tmp_path / 'eduport.sqlite3'}", "JWT_SECRET": JWT_SECRET}
    assert eduport(tmp_path, "migrate", **extra).returncode == 0
    # the cron and one gunicorn worker
    _killed_outright_leaves_no_child(
        tmp_path, ["serve", "--port", str(free_port()), "--workers", "1"], 2, **extra)


@pytest.mark.redis
def test_the_cron_does_not_outlive_a_worker_killed_outright(tmp_path: Path,
                                                            redis_url: str) -> None:
    extra = {"DATABASE_URL": f"sqlite:///{tmp_path / 'eduport.sqlite3'}", "JWT_SECRET": JWT_SECRET,
             "REDIS_URL": redis_url, "EDUPORT_QUEUE": f"orphan-{os.getpid()}-{time.time_ns()}"}
    assert eduport(tmp_path, "migrate", **extra).returncode == 0
    _killed_outright_leaves_no_child(tmp_path, ["worker"], 1, **extra)  # RQ's CronScheduler


def test_create_admin_from_the_command_line(tmp_path: Path) -> None:
    assert eduport(tmp_path, "migrate").returncode == 0
    created = eduport(tmp_path, "users", "create-admin", "--email", "root@example.test",
                      "--full-name", "Root", EDUPORT_ADMIN_PASSWORD="a long admin passphrase")
    assert created.returncode == 0, created.stderr
    assert "platform admin created" in created.stdout
    again = eduport(tmp_path, "users", "create-admin", "--email", "root@example.test",
                    "--full-name", "Root", EDUPORT_ADMIN_PASSWORD="a long admin passphrase")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_bad_configuration_names_the_variable(tmp_path: Path) -> None:
    failed = eduport(tmp_path, "migrate", JWT_SECRET="short", DATABASE_URL="mysql://x")
    assert failed.returncode != 0
    assert "JWT_SECRET" in failed.stderr and "DATABASE_URL" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_the_worker_needs_redis(tmp_path: Path) -> None:
    failed = eduport(tmp_path, "worker", "--burst")
    assert failed.returncode != 0 and "REDIS_URL" in failed.stderr


@pytest.mark.postgres
def test_migrate_targets_postgres(tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from adapters.outbound.persistence.database import build_engine, normalise_url
    from tests.conftest import need_service

    base = normalise_url(need_service("DATABASE_URL"))
    schema = f"cli_{uuid.uuid4().hex[:12]}"  # empty, so the command has all to do
    admin = build_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        done = eduport(tmp_path, "migrate", JWT_SECRET=JWT_SECRET,
                       DATABASE_URL=url.render_as_string(hide_password=False))
        assert done.returncode == 0, done.stderr
        assert "database migrated: empty -> " in done.stdout
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
