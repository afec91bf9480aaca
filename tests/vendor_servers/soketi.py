"""A real soketi (Pusher-protocol server) and a real pusher-js client, as test peers.

Both come from the private node project in ``tests/peers`` (install it with
``npm ci --prefix tests/peers``; see ``INSTALL_COMMAND``). soketi is kept strictly on loopback
(vendor-contracts.md, section 9): every listener is bound to 127.0.0.1, its metrics server and
its UDP cluster discovery included, and discovery talks unicast to 127.0.0.1 instead of
broadcasting to 255.255.255.255.

- :class:`Soketi` starts one soketi on free ports from an empty temp folder (soketi loads a
  ``.env`` from its working folder), waits until it answers a request signed with its own
  credentials, and stops it and its process group.
- :class:`PusherJsClient` runs ``tests/peers/pusher_client.mjs`` (pusher-js 8, Node build) as a
  subprocess and collects the JSON lines it prints, with bounded waits.
- Fixtures: ``soketi_server`` (session scope: soketi takes about a second to start) and
  ``pusher_js`` (a factory of clients stopped at teardown). Use them by importing both into a
  test module or a conftest (``from tests.vendor_servers.soketi import pusher_js,
  soketi_server``), or with ``pytest_plugins = ["tests.vendor_servers.soketi"]`` in the root
  conftest. Without ``tests/peers/node_modules`` they skip, and fail under ``CI=true``.

Trigger side: soketi answers HTTP API errors (a wrong secret, say) with status 200 and an
``{"error": ..., "code": 401}`` body, so the Python SDK does not raise: a test must check that
the event reached a subscribed client, not only that ``trigger`` returned.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import pusher
import pytest

from tests.vendor_servers.base import Started

__all__ = [
    "CLIENT_SCRIPT",
    "INSTALL_COMMAND",
    "PEERS_DIR",
    "SOKETI_CONFIG",
    "PeerError",
    "PusherJsClient",
    "Soketi",
    "peers_missing_reason",
    "pusher_js",
    "require_peers",
    "soketi_server",
]

PEERS_DIR = Path(__file__).resolve().parents[1] / "peers"
SOKETI_BIN = PEERS_DIR / "node_modules" / ".bin" / "soketi"
PUSHER_JS_DIR = PEERS_DIR / "node_modules" / "pusher-js"
SOKETI_CONFIG = PEERS_DIR / "soketi.json"
CLIENT_SCRIPT = PEERS_DIR / "pusher_client.mjs"
INSTALL_COMMAND = "npm ci --prefix tests/peers"
LOOPBACK = "127.0.0.1"

Message = dict[str, Any]


class PeerError(RuntimeError):
    """A peer did not start, answered wrongly, or a wait ran out."""


# --- ports -----------------------------------------------------------------------------------


def _free_ports(tcp: int, udp: int) -> tuple[list[int], list[int]]:
    """Distinct free ports on 127.0.0.1, held together while picking so none repeats.

    uWebSockets.js listens with SO_REUSEPORT, so a second soketi on a busy port would silently
    share it: these probes bind without SO_REUSEPORT, which fails on any port already taken.
    """
    sockets: list[socket.socket] = []
    try:
        picked: dict[int, list[int]] = {socket.SOCK_STREAM: [], socket.SOCK_DGRAM: []}
        wanted = {socket.SOCK_STREAM: tcp, socket.SOCK_DGRAM: udp}
        for kind, count in wanted.items():
            while len(picked[kind]) < count:
                probe = socket.socket(socket.AF_INET, kind)
                sockets.append(probe)
                probe.bind((LOOPBACK, 0))
                port = probe.getsockname()[1]
                if port not in picked[socket.SOCK_STREAM] + picked[socket.SOCK_DGRAM]:
                    picked[kind].append(port)
        return picked[socket.SOCK_STREAM], picked[socket.SOCK_DGRAM]
    finally:
        for probe in sockets:
            probe.close()


# --- installation checks ---------------------------------------------------------------------


def peers_missing_reason() -> str | None:
    """Why the node peers cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "node is not on PATH: the soketi/pusher-js peers need Node.js 20"
    missing = [path for path in (SOKETI_BIN, PUSHER_JS_DIR) if not path.exists()]
    if missing:
        if not (PEERS_DIR / "node_modules").exists():
            missing = [PEERS_DIR / "node_modules"]
        root = PEERS_DIR.parents[1]
        names = ", ".join(os.path.relpath(path, root) for path in missing)
        return f"{names} is missing: install the node test peers with `{INSTALL_COMMAND}`"
    return None


def require_peers() -> None:
    """Skip the calling test when the node peers are not installed; fail under CI=true."""
    reason = peers_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} (CI=true: a missing test peer is a failure)")
    pytest.skip(reason)


# --- soketi ----------------------------------------------------------------------------------


class Soketi(Started):
    """One soketi process on 127.0.0.1 with one app, started on free ports.

    ``app_id`` is all digits (the Python SDK insists); ``key`` and ``secret`` are random per
    instance, so a request that succeeds proves it reached this very process.
    """

    host = LOOPBACK

    def __init__(
        self,
        *,
        app_id: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        startup_timeout: float = 20.0,
        extra_env: Mapping[str, Any] | None = None,
    ) -> None:
        self.app_id = app_id or str(100000 + secrets.randbelow(900000))
        if not self.app_id.isdigit():
            raise ValueError("app_id must be all digits (the pusher SDK rejects anything else)")
        self.key = key or f"key-{secrets.token_hex(8)}"
        self.secret = secret or f"secret-{secrets.token_hex(16)}"
        self.startup_timeout = startup_timeout
        self._extra_env = dict(extra_env or {})
        self.port = 0
        self.metrics_port = 0
        self.cluster_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log_path: Path | None = None
        self._last_log = ""

    # --- addresses and clients ---
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the HTTP API and the websocket server share the port."""
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def pusher_client(self, *, secret: str | None = None, key: str | None = None) -> pusher.Pusher:
        """A server-side ``pusher.Pusher`` aimed at this soketi (pass key/secret to break it)."""
        return pusher.Pusher(
            app_id=self.app_id,
            key=key or self.key,
            secret=secret or self.secret,
            host=self.host,
            port=self.port,
            ssl=False,
            timeout=5,
        )

    def environment(self) -> dict[str, str]:
        """The SOKETI_* variables this instance runs with, every value JSON-encoded."""
        values: dict[str, Any] = {
            "SOKETI_HOST": LOOPBACK,
            "SOKETI_PORT": self.port,
            "SOKETI_METRICS_ENABLED": False,
            "SOKETI_METRICS_HOST": LOOPBACK,
            "SOKETI_METRICS_SERVER_PORT": self.metrics_port,
            "SOKETI_CLUSTER_HOST": LOOPBACK,
            "SOKETI_CLUSTER_PORT": self.cluster_port,
            "SOKETI_CLUSTER_UNICAST_ADDRESSES": LOOPBACK,
            "SOKETI_CLUSTER_BROADCAST_ADDRESS": LOOPBACK,
            "SOKETI_DEFAULT_APP_ID": self.app_id,
            "SOKETI_DEFAULT_APP_KEY": self.key,
            "SOKETI_DEFAULT_APP_SECRET": self.secret,
            "SOKETI_SHUTDOWN_GRACE_PERIOD": 200,
            **self._extra_env,
        }
        return {name: json.dumps(value) for name, value in values.items()}

    # --- lifecycle ---
    def start(self) -> Self:
        if self._process is not None:
            raise PeerError("soketi already started")
        reason = peers_missing_reason()
        if reason is not None:
            raise PeerError(reason)
        (self.port, self.metrics_port), (self.cluster_port,) = _free_ports(tcp=2, udp=1)
        self._workdir = Path(tempfile.mkdtemp(prefix="soketi-"))  # no .env in here
        self._log_path = self._workdir / "soketi.log"
        env = {name: value for name, value in os.environ.items() if not name.startswith("SOKETI_")}
        env.pop("DISCOVERY_HOSTNAME", None)
        env.update(self.environment())
        env["AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE"] = "1"
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [str(SOKETI_BIN), "start", f"--config={SOKETI_CONFIG}"],
                cwd=self._workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() reaches children
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise PeerError(f"soketi exited during startup:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=1) as answer:  # noqa: S310
                    body = answer.read().decode()
                if body.strip() == "OK":
                    info = self.pusher_client().channels_info()
                    if isinstance(info, dict) and "channels" in info:
                        return
                    last_error = f"signed request answered {info!r}"
            except OSError as error:
                last_error = repr(error)
            time.sleep(0.1)
        raise PeerError(
            f"soketi did not answer on {self.url} within {self.startup_timeout}s ({last_error}):"
            f"\n{self.log_text()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _stop_process_group(process, grace=5.0)
        if self._log_path is not None:
            self._last_log = self.log_text()
            self._log_path = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def log_text(self) -> str:
        """What soketi printed so far (kept after stop)."""
        if self._log_path is not None and self._log_path.exists():
            return self._log_path.read_text(errors="replace")
        return self._last_log

    def sockets(self) -> list[tuple[str, str, int]]:
        """The ``(protocol, local address, port)`` of every inet socket soketi holds (Linux)."""
        if self._process is None:
            return []
        return _inet_sockets_of(self._process.pid)


def _stop_process_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group we created for ``process``, then SIGKILL what is left."""
    group = process.pid  # start_new_session=True made the child its own group leader
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait(timeout=grace)
    # children that outlived the leader still carry the group id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def _inet_sockets_of(pid: int) -> list[tuple[str, str, int]]:
    """Match the socket inodes in /proc/PID/fd against /proc/PID/net/{tcp,udp}[6]."""
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found: list[tuple[str, str, int]] = []
    for protocol in ("tcp", "udp", "tcp6", "udp6"):
        table = Path(f"/proc/{pid}/net/{protocol}")
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                address_hex, port_hex = fields[1].split(":")
                found.append((protocol, _decode_proc_address(address_hex), int(port_hex, 16)))
    return found


def _decode_proc_address(address_hex: str) -> str:
    raw = bytes.fromhex(address_hex)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


# --- pusher-js -------------------------------------------------------------------------------


class PusherJsClient(Started):
    """A pusher-js 8 client in a Node subprocess, reporting what happens as JSON lines.

    Messages (dicts, in arrival order, see ``pusher_client.mjs``): ``state``, ``connected``
    (with ``socket_id``), ``subscribed`` (presence: ``members``, ``me``, ``count``),
    ``subscription_error`` (``status``, ``error``), ``event`` (``channel``, ``event``,
    ``data`` as pusher-js decoded it), ``member_added`` / ``member_removed``, ``error`` and a
    final ``done`` (``reason``: max_events, timeout, stdin_closed or terminated).
    """

    def __init__(
        self,
        soketi: Soketi,
        channels: Sequence[str] = (),
        *,
        auth_endpoint: str | None = None,
        auth_headers: Mapping[str, str] | None = None,
        key: str | None = None,
        max_events: int = 0,
        lifetime: float = 30.0,
        debug: bool = False,
    ) -> None:
        self.options: dict[str, Any] = {
            "key": key or soketi.key,
            "host": soketi.host,
            "port": soketi.port,
            "channels": list(channels),
            "authEndpoint": auth_endpoint,
            "authHeaders": dict(auth_headers or {}),
            "maxEvents": max_events,
            "timeout": lifetime,
            "stdinControl": True,
            "debug": debug,
        }
        self._messages: list[Message] = []
        self._noise: list[str] = []
        self._stderr: list[str] = []
        self._changed = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---
    def start(self) -> Self:
        if self._process is not None:
            raise PeerError("client already started")
        reason = peers_missing_reason()
        if reason is not None:
            raise PeerError(reason)
        node = shutil.which("node")
        assert node is not None  # checked by peers_missing_reason
        self._process = subprocess.Popen(
            [node, str(CLIENT_SCRIPT), json.dumps(self.options)],
            cwd=PEERS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close its stdin (it disconnects and exits), then end its process group if need be."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_process_group(process, grace=timeout)
        for thread in self._threads:
            thread.join(timeout=timeout)

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    # --- reading ---
    def _read_stdout(self, stream: Any) -> None:
        for raw in stream:
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            with self._changed:
                if isinstance(message, dict) and "type" in message:
                    self._messages.append(message)
                else:
                    self._noise.append(line)
                self._changed.notify_all()
        with self._changed:
            self._messages.append({"type": "_eof"})
            self._changed.notify_all()

    def _read_stderr(self, stream: Any) -> None:
        for raw in stream:
            with self._changed:
                self._stderr.append(raw.decode(errors="replace").rstrip())

    @property
    def messages(self) -> list[Message]:
        """Every JSON line so far (a copy), without the internal end-of-output marker."""
        with self._changed:
            return [message for message in self._messages if message["type"] != "_eof"]

    @property
    def stderr(self) -> str:
        with self._changed:
            return "\n".join(self._stderr)

    def events(self, channel: str | None = None, event: str | None = None) -> list[Message]:
        """The ``event`` messages received so far, optionally for one channel and event name."""
        return [
            message
            for message in self.messages
            if message["type"] == "event"
            and (channel is None or message["channel"] == channel)
            and (event is None or message["event"] == event)
        ]

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 5.0, what: str = "a message"
    ) -> Message:
        """The first message (old or new) matching ``predicate``; PeerError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._messages:
                    if message["type"] != "_eof" and predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                ended = any(message["type"] == "_eof" for message in self._messages)
                if remaining <= 0 or ended:
                    break
                self._changed.wait(remaining)
        state = "the client exited" if ended else f"none within {timeout}s"
        raise PeerError(f"waited for {what}: {state}\n{self.describe()}")

    def wait_connected(self, timeout: float = 5.0) -> str:
        """The socket id, once pusher-js is connected."""
        message = self.wait_for(lambda m: m["type"] == "connected", timeout, "the connection")
        return str(message["socket_id"])

    def wait_subscription(self, channel: str, timeout: float = 5.0) -> Message:
        """The ``subscribed`` or ``subscription_error`` message for ``channel``."""
        return self.wait_for(
            lambda m: (
                m["type"] in ("subscribed", "subscription_error") and m.get("channel") == channel
            ),
            timeout,
            f"the subscription outcome of {channel!r}",
        )

    def wait_subscribed(self, channel: str, timeout: float = 5.0) -> Message:
        """The ``subscribed`` message for ``channel``; PeerError if the subscription failed."""
        message = self.wait_subscription(channel, timeout)
        if message["type"] != "subscribed":
            raise PeerError(f"subscription to {channel!r} failed: {message}\n{self.describe()}")
        return message

    def wait_event(self, channel: str, event: str, timeout: float = 5.0) -> Message:
        return self.wait_for(
            lambda m: m["type"] == "event" and m["channel"] == channel and m["event"] == event,
            timeout,
            f"event {event!r} on {channel!r}",
        )

    def wait_done(self, timeout: float = 5.0) -> Message:
        return self.wait_for(lambda m: m["type"] == "done", timeout, "the client to finish")

    def describe(self) -> str:
        with self._changed:
            lines = [json.dumps(m) for m in self._messages if m["type"] != "_eof"]
            noise, stderr = list(self._noise), list(self._stderr)
        parts = ["pusher-js messages:", *(lines or ["(none)"])]
        if noise:
            parts += ["non-JSON stdout:", *noise]
        if stderr:
            parts += ["stderr:", *stderr[-40:]]
        return "\n".join(parts)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def soketi_server() -> Iterator[Soketi]:
    """One soketi for the whole session (skips without the node peers; fails under CI=true)."""
    require_peers()
    with Soketi() as server:
        yield server


@pytest.fixture
def pusher_js(soketi_server: Soketi) -> Iterator[Callable[..., PusherJsClient]]:
    """Start pusher-js clients against ``soketi_server``: ``pusher_js(channels, **options)``.

    Every client started through it is stopped when the test ends.
    """
    started: list[PusherJsClient] = []

    def start(channels: Sequence[str] = (), **options: Any) -> PusherJsClient:
        client = PusherJsClient(soketi_server, channels, **options).start()
        started.append(client)
        return client

    yield start
    for client in started:
        client.stop()
