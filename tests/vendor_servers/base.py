"""Run a WSGI application on 127.0.0.1 in a background thread, for local vendor fakes."""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["FakeVendorServer", "InjectedFailure", "LocalServer", "RecordedRequest", "Started",
           "closed_port"]


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released): a vendor that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Started:
    """A test peer used as a context manager: ``start()`` on entry, ``stop()`` on exit."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _QuietRequestHandler(WSGIRequestHandler):
    """Request handler that does not write an access-log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class RecordedRequest:
    """One HTTP request as a fake received it, with the answer it gave.

    ``params`` is the decoded body (nested form params for Stripe, JSON for PayPal), or the
    decoded query string for requests without a body. ``status`` and ``response`` are filled
    in once the fake has answered (they stay ``None`` while a delayed request is in flight).
    """

    method: str
    path: str
    query_string: str
    headers: Headers
    raw_body: bytes
    params: Any
    status: int | None = None
    response: Any = None
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return self.headers.get(name)


class LocalServer(Started):
    """A threaded werkzeug server on ``127.0.0.1`` with an OS-assigned free port.

    Use as a context manager or call :meth:`start` / :meth:`stop`. ``url`` is
    ``"http://127.0.0.1:PORT"`` once started.
    """

    def __init__(self, app: WSGIApplication, host: str = "127.0.0.1") -> None:
        self._app = app
        self._host = host
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.port = 0

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("server already started")
        server = make_server(
            self._host, 0, self._app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._server = server
        self.port = server.server_port
        self.url = f"http://{self._host}:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"local-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = None
        self._thread = None
        if server is None:
            return
        server.shutdown()
        if thread is not None:
            thread.join(timeout=5)
        server.server_close()


@dataclass(frozen=True)
class InjectedFailure:
    """One queued failure: the HTTP status to answer, plus fake-specific options."""

    status: int
    options: dict[str, Any] = field(default_factory=dict)


class FakeVendorServer:
    """Shared plumbing for the stateful vendor fakes.

    Owns the :class:`LocalServer`, the request log, a re-entrant state lock and the queues
    behind ``fail_next`` / ``delay_next``. Subclasses implement :meth:`handle`.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._failures: deque[InjectedFailure] = deque()
        self._delays: deque[float] = deque()
        self._holds: deque[threading.Event] = deque()
        self.requests: list[RecordedRequest] = []
        self._server = LocalServer(self._wsgi_app)

    # lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if not self._server.running:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._server.url

    def start(self) -> Self:
        self._closing.clear()
        self._server.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wake up delayed requests so shutdown is quick
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # fault injection -------------------------------------------------------------------
    def delay_next(self, n: int, seconds: float) -> None:
        """Make the next ``n`` requests wait ``seconds`` before being handled."""
        if n < 0 or seconds < 0:
            raise ValueError("n and seconds must be >= 0")
        with self._lock:
            self._delays.extend([seconds] * n)

    def hold_next(self) -> threading.Event:
        """The next request waits, before it is handled, until the returned event is set (30 s
        at most): a test sees what eduport does while that call is in flight."""
        gate = threading.Event()
        with self._lock:
            self._holds.append(gate)
        return gate

    @property
    def holds_waiting(self) -> int:
        """Holds no request has reached yet (0: the held request is in, waiting)."""
        with self._lock:
            return len(self._holds)

    def clear_faults(self) -> None:
        """Drop any queued ``fail_next`` / ``delay_next`` entries."""
        with self._lock:
            self._failures.clear()
            self._delays.clear()

    def _queue_failures(self, n: int, failure: InjectedFailure) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        if not 400 <= failure.status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        with self._lock:
            self._failures.extend([failure] * n)

    def _pop_delay(self) -> float:
        with self._lock:
            return self._delays.popleft() if self._delays else 0.0

    def _pop_failure(self) -> InjectedFailure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)

    # the request log -------------------------------------------------------------------
    def clear_log(self) -> None:
        """Forgets ``requests`` (the fake's state stays), for a fake shared by several tests."""
        with self._lock:
            self.requests.clear()

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def last(self) -> RecordedRequest:
        """The latest request received."""
        with self._lock:
            return self.requests[-1]

    # request plumbing ------------------------------------------------------------------
    def _record(self, request: Request, params: Any) -> RecordedRequest:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string.decode("latin-1"),
            headers=Headers(request.headers),
            raw_body=request.get_data(cache=True),
            params=params,
        )
        with self._lock:
            self.requests.append(recorded)
        return recorded

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def _wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            gate = self._holds.popleft() if self._holds else None
        if gate is not None:
            gate.wait(30)
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)
