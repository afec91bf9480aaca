"""A local SMTP submission peer: aiosmtpd on 127.0.0.1 with STARTTLS and AUTH required.

::

    with LocalSmtpServer(username="mailer", password="s3cret") as smtp_peer:
        with smtplib.SMTP(smtp_peer.host, smtp_peer.port, timeout=5) as client:
            client.starttls(context=smtp_peer.client_ssl_context())
            client.login("mailer", "s3cret")
            client.send_message(message)
        [received] = smtp_peer.messages

At start-up a throwaway self-signed certificate (P-256, SAN ``IP:127.0.0.1`` and
``DNS:localhost``) is written to a temporary directory, removed again on stop. MAIL / AUTH
before STARTTLS is answered 530, MAIL before AUTH is 530, a wrong password is 535. Injected
replies: :meth:`LocalSmtpServer.fail_next_data` (e.g. a transient 451 at DATA) and
:meth:`LocalSmtpServer.reject_recipient` (e.g. a 550 at RCPT for one address).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hmac
import ipaddress
import shutil
import ssl
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.vendor_servers.base import Started

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "AuthAttempt",
    "LocalSmtpServer",
    "ReceivedMessage",
    "write_self_signed_certificate",
]

HOST = "127.0.0.1"
DEFAULT_USERNAME = "mailer"
DEFAULT_PASSWORD = "smtp-secret"


@dataclass(frozen=True)
class ReceivedMessage:
    """One message accepted at DATA.

    ``raw`` is the DATA content exactly as received (CRLF line ends, dot-unstuffed);
    ``message`` is it parsed with ``email.policy.default`` after CRLF -> LF.
    """

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    login: str | None
    tls: bool
    mail_options: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AuthAttempt:
    mechanism: str
    login: str
    success: bool


def write_self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write ``cert.pem`` / ``key.pem`` for 127.0.0.1 and localhost into ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eduport test SMTP peer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _FreePortController(Controller):
    """``Controller`` bound to port 0: reads the OS-assigned port before the self-check."""

    def _trigger_server(self) -> None:
        if self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, peer: LocalSmtpServer) -> None:
        self.peer = peer

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        with self.peer._lock:
            reply = self.peer._rejected.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.peer._lock:
            if self.peer._data_failures:
                return self.peer._data_failures.popleft()
        raw = envelope.original_content or envelope.content or b""
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        # Parse with the wire's CRLF turned into LF, so get_content() gives text with "\n".
        parsed = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        login = auth.login.decode("utf-8") if isinstance(auth, LoginPassword) else None
        received = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            raw=raw,
            message=parsed,
            login=login,
            tls=session.ssl is not None,
            mail_options=list(envelope.mail_options),
        )
        with self.peer._lock:
            self.peer.messages.append(received)
        return "250 2.0.0 Message accepted for delivery"


class LocalSmtpServer(Started):
    """aiosmtpd submission server on ``127.0.0.1`` at a free port. Context manager.

    ``messages``: every :class:`ReceivedMessage` accepted; ``auth_attempts``: every AUTH
    (mechanism, login, success). ``cert_path`` and :meth:`client_ssl_context` let a client
    trust the throwaway certificate.
    """

    def __init__(self, username: str = DEFAULT_USERNAME, password: str = DEFAULT_PASSWORD) -> None:
        self.username = username
        self.password = password
        self.host = HOST
        self.port = 0
        self.cert_path: Path | None = None
        self.messages: list[ReceivedMessage] = []
        self.auth_attempts: list[AuthAttempt] = []
        self._lock = threading.Lock()
        self._data_failures: deque[str] = deque()
        self._rejected: dict[str, str] = {}
        self._tmpdir: Path | None = None
        self._controller: _FreePortController | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        if self._controller is not None:
            raise RuntimeError("SMTP server already started")
        self._tmpdir = Path(tempfile.mkdtemp(prefix="eduport-smtp-"))
        self.cert_path, key_path = write_self_signed_certificate(self._tmpdir)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(self.cert_path, key_path)
        controller = _FreePortController(
            _Handler(self),
            hostname=HOST,
            port=0,
            tls_context=tls,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=self._authenticate,
            server_hostname="smtp.eduport.test",
            ready_timeout=10.0,
        )
        try:
            controller.start()
        except BaseException:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            raise
        self._controller = controller
        self.port = controller.port
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that verifies the server against the throwaway certificate."""
        if self.cert_path is None:
            raise RuntimeError("LocalSmtpServer is not started")
        return ssl.create_default_context(cafile=str(self.cert_path))

    # ---------------------------------------------------------------- fault injection
    def fail_next_data(
        self, n: int = 1, reply: str = "451 4.3.0 Temporary local problem, try again later"
    ) -> None:
        """Answer the next ``n`` DATA commands with ``reply`` (nothing is stored)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._data_failures.extend([reply] * n)

    def reject_recipient(
        self, address: str, reply: str = "550 5.1.1 <{address}>: Recipient address rejected"
    ) -> None:
        """Answer ``RCPT TO:<address>`` with ``reply`` until :meth:`clear_faults`."""
        with self._lock:
            self._rejected[address.lower()] = reply.format(address=address)

    def clear_faults(self) -> None:
        with self._lock:
            self._data_failures.clear()
            self._rejected.clear()

    # ---------------------------------------------------------------- auth
    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or mechanism not in ("LOGIN", "PLAIN"):
            return AuthResult(success=False, handled=False)
        login_ok = hmac.compare_digest(auth_data.login, self.username.encode("utf-8"))
        password_ok = hmac.compare_digest(auth_data.password, self.password.encode("utf-8"))
        success = login_ok and password_ok
        with self._lock:
            self.auth_attempts.append(
                AuthAttempt(mechanism, auth_data.login.decode("utf-8", "replace"), success)
            )
        return AuthResult(success=success, handled=False, auth_data=auth_data)
