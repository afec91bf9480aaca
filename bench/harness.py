"""Benchmark harness: start an app under gunicorn, load it, compare it against a baseline.

Public API:

* :func:`start_gunicorn` -> :class:`Server` (also a context manager; ``.stop()`` ends it).
* :func:`measure` -> :class:`Result`: a multi-process, keep-alive HTTP/1.1 load generator.
* :func:`compare`: prints (and returns) a table of ours vs baseline with the ratios.

Self-check: ``python -m bench.harness`` benchmarks ``bench.bare_app`` against itself.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import math
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from types import TracebackType
from typing import Any, TypedDict
from urllib.parse import urlsplit

__all__ = [
    "BodyFactory",
    "GunicornConfig",
    "Result",
    "Server",
    "ServerStartError",
    "compare",
    "measure",
    "measure_interleaved",
    "start_gunicorn",
]

#: Returns ``(body, extra_headers)`` for one request; called once per request, outside the
#: timed section (so e.g. a webhook signature with a fresh timestamp costs the client, not
#: the measurement).
BodyFactory = Callable[[], tuple[bytes, Mapping[str, str]]]


class GunicornConfig(TypedDict):
    """The part of the gunicorn configuration a benchmark chooses; ``**`` it into
    :func:`start_gunicorn` for both servers so that they run the same configuration."""

    workers: int
    threads: int
    worker_class: str


REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"

#: compare() warns when other processes took more CPU than this during a measurement.
DISTURBANCE_WARN_CORES = 0.05

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 15.0
_MAX_PORT_ATTEMPTS = 3


# --------------------------------------------------------------------------------------------
# gunicorn
# --------------------------------------------------------------------------------------------


class ServerStartError(RuntimeError):
    """gunicorn exited, or the health path did not answer 200 in time."""


@dataclass(eq=False)
class Server:
    """A running gunicorn master started by :func:`start_gunicorn`."""

    app_spec: str
    port: int
    process: subprocess.Popen[bytes]
    tmp_dir: Path  # holds the gunicorn log and the empty config file; removed by stop()
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` (``"/bare"`` -> ``"http://127.0.0.1:PORT/bare"``)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def describe(self) -> str:
        """The gunicorn configuration, for printing next to figures."""
        return "gunicorn " + " ".join(f"{k}={v}" for k, v in self.config.items())

    @property
    def log_path(self) -> Path:
        return self.tmp_dir / "gunicorn.log"

    def log_tail(self, max_chars: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-max_chars:]

    def pids(self) -> list[int]:
        """The master's pid and its direct children's (the workers)."""
        master = self.process.pid
        try:
            text = Path(f"/proc/{master}/task/{master}/children").read_text()
            children = [int(pid) for pid in text.split()]
        except OSError:  # kernel without CONFIG_PROC_CHILDREN: scan /proc
            children = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    stat = _read_stat(int(entry.name))
                    if stat is not None and int(stat[1]) == master:
                        children.append(int(entry.name))
        return [master, *children]

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the master and its live workers."""
        ticks = 0
        for pid in self.pids():
            stat = _read_stat(pid)
            if stat is not None:
                ticks += int(stat[11]) + int(stat[12])  # utime, stime
        return ticks / _CLOCK_TICKS

    def stop(self, timeout_s: float = _STOP_TIMEOUT_S) -> None:
        """SIGTERM the master (graceful), wait; SIGKILL its own process group if it hangs."""
        proc = self.process
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                # The master was started in its own session: its group is only it and its
                # workers.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout_s)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        _LIVE_SERVERS.discard(self)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Servers not stopped yet: stopped at interpreter exit, so a crashed script leaves no gunicorn.
_LIVE_SERVERS: weakref.WeakSet[Server] = weakref.WeakSet()


@atexit.register
def _stop_live_servers() -> None:
    for server in list(_LIVE_SERVERS):
        server.stop()


def _read_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 is the state, 1 the ppid)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _worker_tmp_dir() -> str:
    """tmpfs for the workers' heartbeat files, as gunicorn's docs recommend in containers."""
    shm = "/dev/shm"  # noqa: S108 - only gunicorn's heartbeat files, created by gunicorn itself
    return shm if os.path.isdir(shm) else tempfile.gettempdir()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _health_ok(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def start_gunicorn(
    app_spec: str,
    env: Mapping[str, str],
    workers: int = 2,
    threads: int = 1,
    worker_class: str = "sync",
    *,
    health_path: str = "/healthz",
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: float = _START_TIMEOUT_S,
) -> Server:
    """Start ``python -m gunicorn APP_SPEC`` on 127.0.0.1 at a free port; wait for health.

    ``app_spec`` is any gunicorn WSGI spec: ``"bench.bare_app:app"`` or a factory call such
    as ``"bench.apps:create_eduport()"``. ``env`` is layered over the current environment
    (``GUNICORN_CMD_ARGS`` is removed so that only the arguments given here configure the
    server). ``cwd`` (default: the repository root) is also gunicorn's ``--chdir``, so modules
    of the repository import. Only the given workers/threads/worker_class and fixed harness
    settings are used (a ``gunicorn.conf.py`` in ``cwd`` is ignored), so two servers started
    with the same arguments run the same configuration. Returns once ``health_path`` answers
    200; raises :class:`ServerStartError` (with the gunicorn log) otherwise.
    """
    workdir = Path(cwd) if cwd is not None else REPO_ROOT
    full_env = {**os.environ, **env}
    full_env.pop("GUNICORN_CMD_ARGS", None)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    config: dict[str, Any] = {
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class,
    }
    last_error = ""
    for _attempt in range(_MAX_PORT_ATTEMPTS):
        port = _free_port()
        tmp_dir = Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
        empty_conf = tmp_dir / "empty.conf.py"
        empty_conf.write_text("")
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(empty_conf),  # never pick up a ./gunicorn.conf.py of the work directory
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            worker_class,
            "--chdir",
            str(workdir),
            "--worker-tmp-dir",
            _worker_tmp_dir(),
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            app_spec,
        ]
        with (tmp_dir / "gunicorn.log").open("wb") as log_file:
            proc = subprocess.Popen(
                cmd,
                cwd=workdir,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(app_spec=app_spec, port=port, process=proc, tmp_dir=tmp_dir, config=config)
        _LIVE_SERVERS.add(server)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                if _health_ok(port, health_path):
                    return server
                time.sleep(0.1)
        except BaseException:
            server.stop()
            raise
        last_error = server.log_tail()
        exited = proc.poll() is not None
        server.stop()
        if exited and ("Connection in use" in last_error or "already in use" in last_error):
            continue  # lost the free-port race: try another port
        reason = "exited" if exited else f"did not answer 200 on {health_path} in {timeout_s}s"
        raise ServerStartError(f"gunicorn {app_spec!r} {reason}; log:\n{last_error}")
    raise ServerStartError(f"gunicorn {app_spec!r}: no free port; log:\n{last_error}")


# --------------------------------------------------------------------------------------------
# load generator
# --------------------------------------------------------------------------------------------


class RemoteDisconnected(ConnectionError):
    """The server closed the connection before the response was complete."""


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as this client understands it."""


_MAX_HEAD_BYTES = 64 * 1024
_RECV_BYTES = 256 * 1024


class _Connection:
    """A minimal HTTP/1.1 keep-alive client connection.

    Far cheaper per request than ``http.client`` (no email-parser headers), so the load
    generator leaves more of the 2 cores to the server. Handles Content-Length, chunked and
    read-to-close bodies, 1xx interim answers, and reconnects (inside the timed section, as a
    real client must) when the server closed the connection, as gunicorn's sync worker does
    after every response.
    """

    __slots__ = ("_address", "_buf", "_sock", "_timeout_s")

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self._address = (host, port)
        self._timeout_s = timeout_s
        self._sock: socket.socket | None = None
        self._buf = bytearray()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buf.clear()

    def exchange(self, request: bytes, *, head: bool = False) -> int:
        """Send one request, read its whole response; return the status code."""
        if self._sock is None:
            self._sock = socket.create_connection(self._address, timeout=self._timeout_s)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.sendall(request)
        while True:
            version, status, lines = self._read_head()
            if not (100 <= status < 200 and status != 101):
                break
        length: int | None = None
        chunked = conn_close = keep_alive = False
        for line in lines:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                token = value.strip().lower()
                conn_close = token == b"close"
                keep_alive = token == b"keep-alive"
        will_close = conn_close or (version == b"HTTP/1.0" and not keep_alive)
        if head or status in (204, 304):
            pass
        elif chunked:
            self._read_chunked()
        elif length is not None:
            self._consume(length)
        else:  # body delimited by the end of the connection
            while self._recv(allow_eof=True):
                pass
            will_close = True
        if will_close:
            self.close()
        return status

    def _recv(self, *, allow_eof: bool = False) -> int:
        assert self._sock is not None
        chunk = self._sock.recv(_RECV_BYTES)
        if not chunk and not allow_eof:
            raise RemoteDisconnected("server closed the connection mid-response")
        self._buf += chunk
        return len(chunk)

    def _read_head(self) -> tuple[bytes, int, list[bytes]]:
        while (end := self._buf.find(b"\r\n\r\n")) < 0:
            if len(self._buf) > _MAX_HEAD_BYTES:
                raise ProtocolError("response head too large")
            self._recv()
        lines = bytes(self._buf[:end]).split(b"\r\n")
        del self._buf[: end + 4]
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {lines[0][:80]!r}")
        return parts[0], int(parts[1]), lines[1:]

    def _consume(self, n: int) -> None:
        while len(self._buf) < n:
            self._recv()
        del self._buf[:n]

    def _read_line(self) -> bytes:
        while (end := self._buf.find(b"\r\n")) < 0:
            if len(self._buf) > _MAX_HEAD_BYTES:
                raise ProtocolError("chunk line too long")
            self._recv()
        line = bytes(self._buf[:end])
        del self._buf[: end + 2]
        return line

    def _read_chunked(self) -> None:
        while True:
            size = int(self._read_line().split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self._read_line():  # trailers, up to the empty line
                    pass
                return
            self._consume(size + 2)  # data + CRLF


def _build_request(
    method: str, target: str, host: str, headers: Mapping[str, str], body: bytes | None
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lower = {k.lower() for k in headers}
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n"):
            raise ValueError(f"CR/LF in header {name!r}")
        lines.append(f"{name}: {value}")
    if body is not None and "content-length" not in lower:
        lines.append(f"Content-Length: {len(body)}")
    elif body is None and method in ("POST", "PUT", "PATCH") and "content-length" not in lower:
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


@dataclass(frozen=True)
class _LoadSpec:
    host: str
    port: int
    host_header: str
    target: str
    method: str
    headers: dict[str, str]
    body_factory: BodyFactory | None
    measure_start: float  # time.monotonic() values: CLOCK_MONOTONIC is system-wide on Linux
    end: float
    max_requests_per_thread: int
    request_timeout_s: float


@dataclass
class _Stats:
    latencies_s: array[float] = field(default_factory=lambda: array("d"))
    errors: Counter[str] = field(default_factory=Counter)
    cpu_s: float = 0.0
    fatal: str = ""

    def merge(self, other: _Stats) -> None:
        self.latencies_s.extend(other.latencies_s)
        self.errors.update(other.errors)
        self.cpu_s += other.cpu_s
        if other.fatal and not self.fatal:
            self.fatal = other.fatal


def _client_thread(spec: _LoadSpec, stats: _Stats, lock: threading.Lock) -> None:
    latencies: array[float] = array("d")
    errors: Counter[str] = Counter()
    conn = _Connection(spec.host, spec.port, spec.request_timeout_s)
    fixed: bytes | None = None
    if spec.body_factory is None:
        fixed = _build_request(spec.method, spec.target, spec.host_header, spec.headers, None)
    head = spec.method == "HEAD"
    sent = 0
    try:
        while sent < spec.max_requests_per_thread and time.monotonic() < spec.end:
            if fixed is not None:
                data = fixed
            else:
                assert spec.body_factory is not None
                body, extra = spec.body_factory()
                data = _build_request(
                    spec.method, spec.target, spec.host_header, {**spec.headers, **extra}, body
                )
            sent += 1
            try:
                started = time.perf_counter()
                status = conn.exchange(data, head=head)
                elapsed = time.perf_counter() - started
            except (OSError, ProtocolError, ValueError) as exc:
                conn.close()
                if spec.measure_start <= time.monotonic() <= spec.end:
                    errors[type(exc).__name__] += 1
                time.sleep(0.01)  # do not spin on e.g. a refused connection
                continue
            done = time.monotonic()
            if spec.measure_start <= done <= spec.end:
                if 200 <= status < 300:
                    latencies.append(elapsed)
                else:
                    errors[str(status)] += 1
    except Exception as exc:  # a broken body_factory etc.: report it, do not hide it
        with lock:
            stats.fatal = stats.fatal or f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
        with lock:
            stats.latencies_s.extend(latencies)
            stats.errors.update(errors)


def _client_process(spec: _LoadSpec, n_threads: int, out: mp.Queue[_Stats]) -> None:
    stats = _Stats()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_client_thread, args=(spec, stats, lock), daemon=True)
        for _ in range(n_threads)
    ]
    for thread in threads:
        thread.start()
    # CPU of this process (all its threads) over the measurement window only.
    _sleep_until(spec.measure_start)
    cpu_start = time.process_time()
    _sleep_until(spec.end)
    stats.cpu_s = time.process_time() - cpu_start
    for thread in threads:
        thread.join()
    out.put(stats)


def _percentile(sorted_values: array[float], q: float) -> float:
    """Linear-interpolated percentile (q in [0, 100]) of an ascending sequence."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _machine_cpu_seconds() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return float("nan"), float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / _CLOCK_TICKS, steal / _CLOCK_TICKS


def _sleep_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


@dataclass(frozen=True)
class Result:
    """Figures of one :func:`measure` run (measurement window only, warm-up excluded).

    ``requests`` counts every request that completed in the window, ``ok`` the 2xx ones;
    ``errors`` maps an HTTP status (``"500"``) or an exception name (``"ConnectionResetError"``)
    to its count. ``rps`` and the latencies are of the 2xx requests only.
    ``client_cpu_cores`` is the load generator's CPU use in cores; ``server_cpu_cores`` and
    ``server_cpu_ms_per_req`` (CPU of the gunicorn master and workers per completed request)
    are only known when ``measure`` was given the ``server`` (else NaN). CPU per request does
    not depend on how much CPU the load generator took from the server. So are
    ``other_cpu_cores`` (the rest of the machine's busy CPU: other processes, kernel threads)
    and ``steal_cpu_cores`` (taken by the hypervisor), which tell a disturbed run.
    ``rounds`` > 1 for a result pooled by :meth:`combine` (figures over all its windows).
    """

    url: str
    method: str
    duration_s: float
    concurrency: int
    requests: int
    ok: int
    errors: dict[str, int]
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    client_cpu_cores: float
    server_cpu_cores: float = float("nan")
    server_cpu_ms_per_req: float = float("nan")
    other_cpu_cores: float = float("nan")
    steal_cpu_cores: float = float("nan")
    rounds: int = 1
    latencies_s: array[float] = field(
        default_factory=lambda: array("d"), repr=False, compare=False
    )  # sorted latencies of the 2xx requests, for pooling

    @classmethod
    def combine(cls, results: Sequence[Result]) -> Result:
        """Pool several results of the same request (e.g. rounds): totals over all windows."""
        if not results:
            raise ValueError("nothing to combine")
        duration = sum(r.duration_s for r in results)
        errors: Counter[str] = Counter()
        for r in results:
            errors.update(r.errors)

        def cpu_s(cores: Callable[[Result], float]) -> float:
            return sum(cores(r) * r.duration_s for r in results)

        lat = array("d", sorted(x for r in results for x in r.latencies_s))
        first = results[0]
        return _make_result(
            url=first.url,
            method=first.method,
            concurrency=first.concurrency,
            duration_s=duration,
            latencies=lat,
            errors=errors,
            client_cpu_s=cpu_s(lambda r: r.client_cpu_cores),
            server_cpu_s=cpu_s(lambda r: r.server_cpu_cores),
            other_cpu_s=cpu_s(lambda r: r.other_cpu_cores),
            steal_cpu_s=cpu_s(lambda r: r.steal_cpu_cores),
            rounds=sum(r.rounds for r in results),
        )

    @property
    def disturbance_cores(self) -> float:
        """CPU taken by anything but this server and load generator (incl. steal)."""
        return self.other_cpu_cores + self.steal_cpu_cores

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        errs = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"
        return (
            f"{self.method} {self.url}: {self.rps:.1f} req/s, p50 {self.p50_ms:.2f} ms, "
            f"p99 {self.p99_ms:.2f} ms, {self.requests} requests, errors: {errs}"
        )


def measure(
    url: str,
    *,
    duration_s: float = 10,
    concurrency: int = 8,
    warmup_s: float = 2,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    body_factory: BodyFactory | None = None,
    server: Server | None = None,
    processes: int = 2,
    max_requests: int = 5_000_000,
    request_timeout_s: float = 10,
    generator: str | None = None,
) -> Result:
    """Load ``url`` with ``concurrency`` closed-loop clients for ``warmup_s + duration_s``.

    ``generator`` is ``"wrk"`` or ``"python"``; by default :func:`load_generator` (wrk when
    it is installed, unless ``BENCH_LOAD_GENERATOR=python``). wrk is a C client that costs
    far less CPU per request, so more of the shared cores go to the server (see
    :func:`_measure_wrk`); the Python client below is the fallback.

    Clients are threads spread over ``processes`` forked processes (so the generator is not
    held back by one GIL), each holding one keep-alive HTTP/1.1 connection (reopened, inside
    the timed section, whenever the server closes it: gunicorn's sync worker does so after
    every response). Only requests completing inside the ``duration_s`` window after the
    warm-up are counted. With ``server`` (the :class:`Server` behind ``url``) the server's CPU
    use in the window is recorded too. Bounded: no request starts after the window ends, each
    has a ``request_timeout_s`` socket timeout, at most ``max_requests`` are sent in total,
    and client processes still alive past the deadline are terminated.

    ``body_factory`` is called in a forked child (closures and lambdas are fine).
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"only plain http:// URLs are supported: {url!r}")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load is only ever sent to the loopback interface, not {url!r}")
    if concurrency < 1 or duration_s <= 0 or warmup_s < 0:
        raise ValueError("concurrency >= 1, duration_s > 0 and warmup_s >= 0 are required")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if (generator or load_generator()) == "wrk":
        return _measure_wrk(
            url, target, parts.netloc, duration_s=duration_s, concurrency=concurrency,
            warmup_s=warmup_s, headers=dict(headers or {}), method=method.upper(),
            body_factory=body_factory, server=server, threads=max(1, min(processes,
                                                                        concurrency)),
            max_requests=max_requests, request_timeout_s=request_timeout_s)

    n_procs = max(1, min(processes, concurrency))
    per_proc = [
        concurrency // n_procs + (1 if i < concurrency % n_procs else 0) for i in range(n_procs)
    ]
    start = time.monotonic()
    spec = _LoadSpec(
        host=parts.hostname,
        port=parts.port or 80,
        host_header=parts.netloc,
        target=target,
        method=method.upper(),
        headers=dict(headers or {}),
        body_factory=body_factory,
        measure_start=start + warmup_s,
        end=start + warmup_s + duration_s,
        max_requests_per_thread=max(1, max_requests // concurrency),
        request_timeout_s=request_timeout_s,
    )
    if body_factory is None:  # fail fast on bad headers, not in every client thread
        _build_request(spec.method, target, spec.host_header, spec.headers, None)

    # fork: the spec (and a closure body_factory) is inherited, not pickled.
    ctx = mp.get_context("fork")
    queue: mp.Queue[_Stats] = ctx.Queue()
    procs = [
        ctx.Process(target=_client_process, args=(spec, n, queue), daemon=True) for n in per_proc
    ]
    for proc in procs:
        proc.start()
    deadline = spec.end + request_timeout_s + 10
    total = _Stats()
    server_cpu_s = machine_busy_s = machine_steal_s = float("nan")
    try:
        if server is not None:
            _sleep_until(spec.measure_start)
            cpu_before = server.cpu_seconds()
            busy_before, steal_before = _machine_cpu_seconds()
            _sleep_until(spec.end)
            server_cpu_s = server.cpu_seconds() - cpu_before
            busy_after, steal_after = _machine_cpu_seconds()
            machine_busy_s = busy_after - busy_before
            machine_steal_s = steal_after - steal_before
        for _ in procs:
            try:
                total.merge(queue.get(timeout=max(0.1, deadline - time.monotonic())))
            except Empty:
                raise RuntimeError("a load generator process did not report in time") from None
    finally:
        for proc in procs:
            proc.join(timeout=max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        queue.close()
    if total.fatal:
        raise RuntimeError(f"load generator failed: {total.fatal}")

    return _make_result(
        url=url,
        method=spec.method,
        concurrency=concurrency,
        duration_s=duration_s,
        latencies=array("d", sorted(total.latencies_s)),
        errors=total.errors,
        client_cpu_s=total.cpu_s,
        server_cpu_s=server_cpu_s,
        other_cpu_s=max(0.0, machine_busy_s - server_cpu_s - total.cpu_s),
        steal_cpu_s=machine_steal_s,
        rounds=1,
    )


def _make_result(
    *,
    url: str,
    method: str,
    concurrency: int,
    duration_s: float,
    latencies: array[float],
    errors: Mapping[str, int],
    client_cpu_s: float,
    server_cpu_s: float,
    other_cpu_s: float,
    steal_cpu_s: float,
    rounds: int,
) -> Result:
    ok = len(latencies)
    nan = float("nan")
    return Result(
        url=url,
        method=method,
        duration_s=duration_s,
        concurrency=concurrency,
        requests=ok + sum(errors.values()),
        ok=ok,
        errors=dict(errors),
        rps=ok / duration_s,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        mean_ms=(sum(latencies) / ok * 1000) if ok else nan,
        max_ms=(latencies[-1] * 1000) if ok else nan,
        client_cpu_cores=client_cpu_s / duration_s,
        server_cpu_cores=server_cpu_s / duration_s,
        server_cpu_ms_per_req=(server_cpu_s / ok * 1000) if ok else nan,
        other_cpu_cores=other_cpu_s / duration_s,
        steal_cpu_cores=steal_cpu_s / duration_s,
        rounds=rounds,
        latencies_s=latencies,
    )


# --------------------------------------------------------------------------------------------
# wrk: the C load generator
# --------------------------------------------------------------------------------------------

WRK_MAX_RPS = 8_000  # requests pre-built per second of load (bodies from body_factory)
_LATENCY_POINTS = 1_000  # quantiles wrk reports; the pooled latencies are rebuilt from them

# Each thread sends its own share of the pre-built requests (a file of length-prefixed raw
# HTTP requests), cycling if it runs out; done() prints the figures as one line of JSON.
_WRK_SCRIPT = r"""
local counter, threads = 0, {}
function setup(thread)
  thread:set("tid", counter); counter = counter + 1; table.insert(threads, thread)
end
function init(args)
  local file = assert(io.open(args[1], "rb")); local data = file:read("*a"); file:close()
  local n, reqs, pos, i = tonumber(args[2]), {}, 1, 0
  while pos <= #data do
    local nl = string.find(data, "\n", pos, true)
    local len = tonumber(string.sub(data, pos, nl - 1))
    if i %% n == tid then reqs[#reqs + 1] = string.sub(data, nl + 1, nl + len) end
    pos, i = nl + 1 + len, i + 1
  end
  _reqs, _next = reqs, 0
end
function request()
  _next = _next + 1; if _next > #_reqs then _next = 1 end
  return _reqs[_next]
end
function done(summary, latency, requests)
  local e = summary.errors
  local q = {}
  for k = 1, %d do q[k] = latency:percentile(100.0 * k / %d) end
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,' ..
    '"write":%%d,"status":%%d,"timeout":%%d,"quantiles_us":[%%s]}\n', summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout, table.concat(q, ",")))
end
""" % (_LATENCY_POINTS, _LATENCY_POINTS)  # noqa: UP031  (the Lua code is full of braces)


def load_generator() -> str:
    """``"wrk"`` when it is on PATH (and ``BENCH_LOAD_GENERATOR`` is not ``python``)."""
    wanted = os.environ.get("BENCH_LOAD_GENERATOR", "").strip().lower()
    if wanted == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if wanted == "wrk":
        raise RuntimeError("BENCH_LOAD_GENERATOR=wrk but wrk is not installed "
                           "(apt-get install wrk)")
    return "python"


def _write_requests(path: Path, n: int, method: str, target: str, host: str,
                    headers: Mapping[str, str], body_factory: BodyFactory | None) -> None:
    with path.open("wb") as out:
        for _ in range(n):
            if body_factory is None:
                raw = _build_request(method, target, host, headers, None)
            else:
                body, extra = body_factory()
                raw = _build_request(method, target, host, {**headers, **extra}, body)
            out.write(b"%d\n" % len(raw) + raw)
            if body_factory is None:
                break  # one fixed request, sent again and again


def _run_wrk(url: str, script: Path, requests: Path, *, threads: int, concurrency: int,
             seconds: float, timeout_s: float) -> tuple[dict[str, Any], float]:
    """One wrk run; returns its figures and its CPU (user + system) in seconds."""
    # wrk takes whole seconds only
    cmd = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
           f"--timeout={timeout_s:g}s", "-s", str(script), url, "--", str(requests),
           str(threads)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout_s + 30,
                          check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    import json

    return json.loads(line.removeprefix("WRKJSON ")), cpu


def _measure_wrk(url: str, target: str, host: str, *, duration_s: float, concurrency: int,
                 warmup_s: float, headers: dict[str, str], method: str,
                 body_factory: BodyFactory | None, server: Server | None, threads: int,
                 max_requests: int, request_timeout_s: float) -> Result:
    """:func:`measure` with wrk: ``threads`` wrk threads hold ``concurrency`` keep-alive
    connections. Requests are built before the run (a new body from ``body_factory`` for each,
    up to ``WRK_MAX_RPS`` per second of load, so signed deliveries stay fresh and unique), one
    file for the warm-up and one for the measured window: wrk cannot exclude a warm-up, so it
    is a run of its own. The server CPU is read around the measured run; wrk's latencies come
    back as 1,000 quantiles, from which the pooled latencies are rebuilt. Non-2xx answers
    are counted under ``"4xx/5xx"`` (wrk does not tell them apart), socket errors by kind."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "requests.lua"
        script.write_text(_WRK_SCRIPT)
        warm, measured = Path(tmp) / "warmup.http", Path(tmp) / "measured.http"
        cap = max(1, max_requests)
        if warmup_s > 0:
            _write_requests(warm, min(cap, int(WRK_MAX_RPS * warmup_s) + concurrency), method,
                            target, host, headers, body_factory)
        _write_requests(measured, min(cap, int(WRK_MAX_RPS * duration_s) + concurrency),
                        method, target, host, headers, body_factory)
        if warmup_s > 0:
            _run_wrk(url, script, warm, threads=threads, concurrency=concurrency,
                     seconds=warmup_s, timeout_s=request_timeout_s)
        cpu_before = server.cpu_seconds() if server is not None else float("nan")
        busy_before, steal_before = _machine_cpu_seconds()
        figures, client_cpu_s = _run_wrk(url, script, measured, threads=threads,
                                         concurrency=concurrency, seconds=duration_s,
                                         timeout_s=request_timeout_s)
        server_cpu_s = (server.cpu_seconds() - cpu_before) if server is not None \
            else float("nan")
        busy_after, steal_after = _machine_cpu_seconds()
    elapsed = figures["duration_us"] / 1e6
    errors: Counter[str] = Counter()
    for kind in ("connect", "read", "write", "timeout"):
        if figures[kind]:
            errors[f"wrk {kind} error"] += int(figures[kind])
    if figures["status"]:
        errors["4xx/5xx"] += int(figures["status"])
    ok = max(0, int(figures["requests"]) - int(figures["status"]))
    quantiles = [q / 1e6 for q in figures["quantiles_us"]]
    latencies = array("d", sorted(
        quantiles[min(len(quantiles) - 1, i * len(quantiles) // ok)] for i in range(ok)))
    machine_busy_s = busy_after - busy_before
    return _make_result(
        url=url, method=method, concurrency=concurrency, duration_s=elapsed,
        latencies=latencies, errors=errors, client_cpu_s=client_cpu_s,
        server_cpu_s=server_cpu_s,
        other_cpu_s=(max(0.0, machine_busy_s - server_cpu_s - client_cpu_s)
                     if server is not None else float("nan")),
        steal_cpu_s=(steal_after - steal_before) if server is not None else float("nan"),
        rounds=1,
    )


def measure_interleaved(
    ours_url: str,
    baseline_url: str,
    *,
    rounds: int = 3,
    ours_server: Server | None = None,
    baseline_server: Server | None = None,
    duration_s: float = 10,
    concurrency: int = 8,
    warmup_s: float = 2,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    body_factory: BodyFactory | None = None,
    processes: int = 2,
    generator: str | None = None,
) -> tuple[Result, Result]:
    """Measure two already running servers in alternating rounds; return (ours, baseline).

    Drift and bursts of other work on a shared machine then hit both sides about equally:
    rounds alternate which side goes first (ours, baseline | baseline, ours | ...), and each
    side's rounds are pooled with :meth:`Result.combine`. ``duration_s`` is each side's
    total measured time, split over the rounds; the first round of each side warms up for
    ``warmup_s``, later ones for at most 0.5 s (the server is warm by then). Both sides get
    the same request (method, headers, bodies): the baseline ignores what it does not read.
    """
    if rounds < 1:
        raise ValueError("rounds >= 1 is required")
    sides = {
        "ours": (ours_url, ours_server),
        "baseline": (baseline_url, baseline_server),
    }
    done: dict[str, list[Result]] = {"ours": [], "baseline": []}
    for i in range(rounds):
        order = ("ours", "baseline") if i % 2 == 0 else ("baseline", "ours")
        for side in order:
            url, server = sides[side]
            done[side].append(
                measure(
                    url,
                    duration_s=duration_s / rounds,
                    concurrency=concurrency,
                    warmup_s=warmup_s if i == 0 else min(warmup_s, 0.5),
                    headers=headers,
                    method=method,
                    body_factory=body_factory,
                    server=server,
                    processes=processes,
                    generator=generator,
                )
            )
    return Result.combine(done["ours"]), Result.combine(done["baseline"])


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def _num(value: float, spec: str, unit: str = "") -> str:
    return "-" if math.isnan(value) else f"{value:{spec}}{unit}"


def _fmt_errors(errors: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(errors.items())) or "-"


def compare(name: str, ours: Result, baseline: Result, target_ratio: float) -> str:
    """Print and return a table of ``ours`` vs ``baseline``.

    The target is met when ``ours.rps / baseline.rps >= target_ratio`` and ``ours`` had no
    errors; otherwise the text contains ``TARGET MISSED``. Never raises on a miss: scripts
    report, they do not fail.
    """
    thr_ratio = _ratio(ours.rps, baseline.rps)
    p99_ratio = _ratio(ours.p99_ms, baseline.p99_ms)
    cpu_ratio = _ratio(ours.server_cpu_ms_per_req, baseline.server_cpu_ms_per_req)
    rows = [
        ("", "ours", "baseline"),
        (
            "endpoint",
            f"{ours.method} {urlsplit(ours.url).path}",
            f"{baseline.method} {urlsplit(baseline.url).path}",
        ),
        ("requests", str(ours.requests), str(baseline.requests)),
        ("errors", _fmt_errors(ours.errors), _fmt_errors(baseline.errors)),
        ("req/s", _num(ours.rps, ".1f"), _num(baseline.rps, ".1f")),
        ("p50 ms", _num(ours.p50_ms, ".2f"), _num(baseline.p50_ms, ".2f")),
        ("p99 ms", _num(ours.p99_ms, ".2f"), _num(baseline.p99_ms, ".2f")),
        (
            "server cpu",
            _num(ours.server_cpu_cores, ".2f", " cores"),
            _num(baseline.server_cpu_cores, ".2f", " cores"),
        ),
        (
            "server cpu/req",
            _num(ours.server_cpu_ms_per_req, ".3f", " ms"),
            _num(baseline.server_cpu_ms_per_req, ".3f", " ms"),
        ),
        (
            "client cpu",
            _num(ours.client_cpu_cores, ".2f", " cores"),
            _num(baseline.client_cpu_cores, ".2f", " cores"),
        ),
        (
            "other cpu",
            _num(ours.disturbance_cores, ".2f", " cores"),
            _num(baseline.disturbance_cores, ".2f", " cores"),
        ),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    lines = [
        f"== {name} (measured {ours.duration_s:g}s"
        + (f" in {ours.rounds} rounds" if ours.rounds > 1 else "")
        + f", concurrency {ours.concurrency}) ==",
        *(f"  {a:<{w0}}  {b:>{w1}}  {c:>{w2}}" for a, b, c in rows),
        f"  throughput ratio ours/baseline: {thr_ratio:.3f}  (target >= {target_ratio:g})",
        f"  p99 ratio ours/baseline:        {p99_ratio:.3f}",
    ]
    if not math.isnan(cpu_ratio):
        lines.append(f"  server cpu/req ratio:           {cpu_ratio:.3f}")
    problems = []
    if not thr_ratio >= target_ratio:  # also true for nan
        problems.append(f"throughput ratio {thr_ratio:.3f} < {target_ratio:g}")
    if ours.error_count:
        problems.append(f"{ours.error_count} errors in ours")
    if baseline.error_count:
        lines.append(f"  WARNING: the baseline had {baseline.error_count} errors")
    disturbance = max(ours.disturbance_cores, baseline.disturbance_cores)
    if disturbance > DISTURBANCE_WARN_CORES:  # False for nan
        lines.append(
            f"  WARNING: other processes (or the hypervisor) took up to {disturbance:.2f} cores\n"
            "           during a measurement: figures disturbed, rerun on a quiet machine"
        )
    if problems:
        lines.append(f"  TARGET MISSED: {'; '.join(problems)}")
    else:
        lines.append("  target met")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


# --------------------------------------------------------------------------------------------
# self-check
# --------------------------------------------------------------------------------------------


def _webhook_body() -> tuple[bytes, dict[str, str]]:
    ts = str(int(time.time()))
    body = b'{"event":"ping","ts":' + ts.encode() + b"}"
    return body, {"Content-Type": "application/json", "X-Timestamp": ts}


def _self_check() -> int:
    """Benchmark bench.bare_app against itself: every ratio should be close to 1.0."""
    gunicorn: GunicornConfig = {"workers": 2, "threads": 1, "worker_class": "sync"}
    with (
        start_gunicorn("bench.bare_app:app", {}, **gunicorn) as first,
        start_gunicorn("bench.bare_app:app", {}, **gunicorn) as second,
    ):
        print(f"self-check: bench.bare_app:app against itself, {first.describe()}", flush=True)
        # measure(): the same server twice, 3 s each.
        runs = [
            measure(first.url("/bare"), duration_s=3, warmup_s=1, server=first) for _ in range(2)
        ]
        compare("self-check GET /bare (measure)", runs[1], runs[0], target_ratio=0.9)
        # measure_interleaved(): two servers of the same configuration, alternating rounds.
        ours, baseline = measure_interleaved(
            second.url("/bare-webhook"),
            first.url("/bare-webhook"),
            rounds=2,
            duration_s=3,
            warmup_s=1,
            method="POST",
            body_factory=_webhook_body,
            ours_server=second,
            baseline_server=first,
        )
        compare("self-check POST /bare-webhook (measure_interleaved)", ours, baseline, 0.9)
    return 0


if __name__ == "__main__":
    raise SystemExit(_self_check())
