"""Typed settings, read from the environment (and the working directory's ``.env``) and
validated at start-up. Every error names the variable to fix.

``Settings`` holds what the shared kernel needs; each area declares its own section (a
``Section``, beside its wiring) and reads it with the same ``SettingsReader``. Sections
passed to ``from_env`` are validated with the rest, all problems reported at once; any other
section is read on first use."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import urlparse

T = TypeVar("T")


class ConfigurationError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: str = "var"
    database_url: str = "sqlite:///var/eduport.sqlite3"
    redis_url: str | None = None
    queue_name: str = "eduport"
    outbox_relay_interval_seconds: int = 10
    outbox_relay_grace_seconds: int = 30
    webhook_lease_seconds: int = 300
    outbox_retention_days: int = 7
    webhook_retention_days: int = 30
    jwt_secret: str = ""
    frontend_url: str = "http://localhost:3000"
    cors_allowed_origins: tuple[str, ...] = ()
    max_request_bytes: int = 1_048_576
    # How many proxies in front of eduport set X-Forwarded-For (0: trust no such header).
    trusted_proxies: int = 0
    listing_cache_seconds: int = 5
    # Named limits (ADR 16): per client address, per account (the address given), per user
    # (the bearer token's), per webhook provider.
    rate_limit_login: str = "10 per minute"
    rate_limit_register: str = "5 per minute"
    rate_limit_authenticated: str = "60 per minute"
    rate_limit_password_reset: str = "5 per hour"  # noqa: S105 (a rate, not a password)
    rate_limit_verification: str = "5 per hour"
    rate_limit_checkout: str = "20 per minute"
    rate_limit_webhooks: str = "600 per minute"
    rate_limit_institution_sync: str = "100 per minute"  # per institution, signed requests
    # Roles that must confirm their email address before publishing a paid course or paying.
    verified_email_roles: tuple[str, ...] = ("teacher", "student")
    log_level: str = "INFO"
    log_format: str = "json"

    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    sections: dict[type[Any], Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: bool = True,
                 sections: Iterable[type[Section]] = ()) -> Settings:
        if environ is None:
            if dotenv:
                from dotenv import load_dotenv

                # The working directory's .env, never one found by searching upwards.
                load_dotenv(Path.cwd() / ".env", override=False)
            environ = os.environ
        return SettingsReader(dict(environ)).settings(sections)

    def section(self, kind: type[S]) -> S:
        """The area's section, read from the same environment the first time it is asked."""
        if kind not in self.sections:
            reader = SettingsReader(self.environ, self.data_dir)
            found = kind.read(reader)
            if reader.problems:
                raise ConfigurationError(reader.problems)
            self.sections[kind] = found
        section: S = self.sections[kind]
        return section


class Section(Protocol):
    """An area's settings: a frozen dataclass with a ``read`` from a ``SettingsReader``,
    which collects problems instead of raising, so all are reported together."""

    @classmethod
    def read(cls, reader: SettingsReader) -> Self: ...


S = TypeVar("S", bound=Section)


class SettingsReader:
    def __init__(self, environ: Mapping[str, str], data_dir: str = "var") -> None:
        self.env, self.data_dir = environ, data_dir
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name, "").strip()
        return value or default

    def required(self, name: str, default: str) -> str:
        return self.text(name) or default

    def together(self, vendor: str, names: Sequence[str], unset: str = "") -> dict[str, str]:
        """A vendor's variables that go all or none: all of them by name, or {} when none is
        set; a part of them is a problem naming the missing ones (``unset`` says what
        setting none means)."""
        given = {name: value for name in names if (value := self.text(name)) is not None}
        if given and len(given) < len(names):
            missing = [name for name in names if name not in given]
            self.problems.append(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: "
                f"{vendor} needs {', '.join(names[:-1])} and {names[-1]} together "
                f"(or none of them{', ' + unset if unset else ''})")
        return given if len(given) == len(names) else {}

    def parse(self, name: str, default: T, convert: Callable[[str], T], what: str) -> T:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except ValueError:
            self.problems.append(f"{name} must be {what}, got {raw!r}")
            return default

    def integer(self, name: str, default: int, minimum: int = 0,
                maximum: int | None = None) -> int:
        def convert(raw: str) -> int:
            value = int(raw)
            if value < minimum or (maximum is not None and value > maximum):
                raise ValueError
            return value

        described = f"a whole number of at least {minimum}" if maximum is None else \
            f"a whole number from {minimum} to {maximum}"
        return self.parse(name, default, convert, described)


    def url(self, name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
        value = self.text(name, default)
        if value is not None:
            parsed = urlparse(value)
            if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
                self.problems.append(f"{name} must be a URL starting with {' or '.join(schemes)}")
        return value

    def rate(self, name: str, default: str) -> str:
        """A rate limit in the ``limits`` notation: "10 per minute", "100/hour"."""
        from limits import parse_many

        value = self.required(name, default)
        try:
            parse_many(value)
        except ValueError:
            self.problems.append(f"{name} must be a rate such as '10 per minute', got {value!r}")
            return default
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.required(name, default)
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        """A "true" or "false" setting."""
        return self.choice(name, "true" if default else "false", ("true", "false")) == "true"

    def settings(self, sections: Iterable[type[Section]] = ()) -> Settings:
        env = self.choice("EDUPORT_ENV", "development", ("development", "test", "production"))
        data_dir = self.data_dir = self.required("EDUPORT_DATA_DIR", "var")
        database_url = self.url(
            "DATABASE_URL", f"sqlite:///{data_dir}/eduport.sqlite3",
            ("sqlite", "postgres", "postgresql", "postgresql+psycopg"),
        )
        origins = tuple(o.strip() for o in (self.text("CORS_ALLOWED_ORIGINS") or "").split(",")
                        if o.strip())
        for origin in origins:
            if origin != "*" and urlparse(origin).scheme not in ("http", "https"):
                self.problems.append(f"CORS_ALLOWED_ORIGINS has an origin that is not a URL: "
                                     f"{origin!r}")
        settings = Settings(
            env=env,
            data_dir=data_dir,
            database_url=database_url or "",
            redis_url=self.url("REDIS_URL", None, ("redis", "rediss", "unix")),
            queue_name=self.required("EDUPORT_QUEUE", "eduport"),
            outbox_relay_interval_seconds=self.integer("OUTBOX_RELAY_INTERVAL_SECONDS", 10, 1),
            outbox_relay_grace_seconds=self.integer("OUTBOX_RELAY_GRACE_SECONDS", 30, 0),
            webhook_lease_seconds=self.integer("WEBHOOK_PROCESSING_LEASE_SECONDS", 300, 1),
            outbox_retention_days=self.integer("OUTBOX_RETENTION_DAYS", 7, 1),
            # Stripe and PayPal redeliver for up to 3 days: shorter would forget duplicates.
            webhook_retention_days=self.integer("WEBHOOK_RETENTION_DAYS", 30, 4),
            jwt_secret=self._jwt_secret(env, data_dir),
            frontend_url=self.url("FRONTEND_URL", "http://localhost:3000", ("http", "https"))
            or "",
            cors_allowed_origins=origins,
            max_request_bytes=self.integer("MAX_REQUEST_BYTES", 1_048_576, 1024),
            trusted_proxies=self.integer("TRUSTED_PROXIES", 0, 0),
            listing_cache_seconds=self.integer("LISTING_CACHE_SECONDS", 5, 0),
            rate_limit_login=self.rate("RATE_LIMIT_LOGIN", "10 per minute"),
            rate_limit_register=self.rate("RATE_LIMIT_REGISTER", "5 per minute"),
            rate_limit_authenticated=self.rate("RATE_LIMIT_AUTHENTICATED", "60 per minute"),
            rate_limit_password_reset=self.rate("RATE_LIMIT_PASSWORD_RESET", "5 per hour"),
            rate_limit_verification=self.rate("RATE_LIMIT_VERIFICATION", "5 per hour"),
            rate_limit_checkout=self.rate("RATE_LIMIT_CHECKOUT", "20 per minute"),
            rate_limit_webhooks=self.rate("RATE_LIMIT_WEBHOOKS", "600 per minute"),
            rate_limit_institution_sync=self.rate("RATE_LIMIT_INSTITUTION_SYNC",
                                                  "100 per minute"),
            verified_email_roles=self._roles("REQUIRE_VERIFIED_EMAIL", ("teacher", "student")),
            log_level=self.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_format=self.choice("LOG_FORMAT", "json", ("json", "text")),
            environ=self.env,
            sections={kind: kind.read(self) for kind in sections},
        )
        if self.problems:
            raise ConfigurationError(self.problems)
        return settings

    def _roles(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A comma-separated list of roles; empty: none."""
        raw = self.env.get(name)
        if raw is None:
            return default
        roles = tuple(r.strip() for r in raw.split(",") if r.strip())
        known = {"student", "teacher", "company", "institution_admin", "platform_admin"}
        unknown = [r for r in roles if r not in known]
        if unknown:
            self.problems.append(f"{name} names roles that do not exist: {', '.join(unknown)}")
        return roles

    def _jwt_secret(self, env: str, data_dir: str) -> str:
        secret = self.text("JWT_SECRET")
        if secret is not None:
            if len(secret) < 32:
                self.problems.append("JWT_SECRET must be at least 32 characters long")
            return secret
        if env == "production":
            self.problems.append("JWT_SECRET is required when EDUPORT_ENV=production")
            return ""
        # Development only: a random secret kept in the data folder, so restarts keep sessions.
        path = Path(data_dir) / ".jwt_secret"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(48)
        path.write_text(generated)
        path.chmod(0o600)
        return generated





