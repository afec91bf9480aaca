"""One typed settings object, read from the environment (and an optional ``.env``) and
validated at start-up. Every error names the variable to fix."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

T = TypeVar("T")


class ConfigurationError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class StripeSettings:
    secret: str | None = None  # STRIPE_SECRET
    webhook_secret: str | None = None
    webhook_tolerance: int = 300
    api_base: str = "https://api.stripe.com"
    checkout_expires_minutes: int = 60
    timeout_seconds: int = 10


@dataclass(frozen=True)
class PayPalSettings:
    mode: str = "sandbox"
    sandbox_client_id: str | None = None
    sandbox_secret: str | None = None
    live_client_id: str | None = None
    live_secret: str | None = None
    webhook_id: str | None = None
    api_base: str | None = None
    currency: str = "USD"  # what PayPal charges when it cannot take the course currency


@dataclass(frozen=True)
class MailSettings:
    mail_from: str = "eduport <no-reply@eduport.local>"
    outbox_dir: str = "var/mail"


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: str = "var"
    database_url: str = "sqlite:///var/eduport.sqlite3"
    redis_url: str | None = None
    queue_name: str = "eduport"
    outbox_relay_interval_seconds: int = 60
    outbox_relay_grace_seconds: int = 30
    webhook_lease_seconds: int = 300
    outbox_retention_days: int = 7
    webhook_retention_days: int = 30
    exchange_rates: str = ""  # "EGP:USD=0.0205,EUR:USD=1.08"
    exchange_rates_as_of: str = ""  # ISO 8601 time the rates were taken
    sandbox_webhook_secret: str = ""
    jwt_secret: str = ""
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    frontend_url: str = "http://localhost:3000"
    cors_allowed_origins: tuple[str, ...] = ()
    max_request_bytes: int = 1_048_576
    listing_cache_seconds: int = 5
    rate_limit_login: str = "10 per minute"
    rate_limit_register: str = "5 per minute"
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    log_level: str = "INFO"
    log_format: str = "json"
    stripe: StripeSettings = field(default_factory=StripeSettings)
    paypal: PayPalSettings = field(default_factory=PayPalSettings)
    mail: MailSettings = field(default_factory=MailSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
        if environ is None:
            if dotenv:
                from dotenv import load_dotenv

                # The working directory's .env, never one found by searching upwards.
                load_dotenv(Path.cwd() / ".env", override=False)
            environ = os.environ
        return _Reader(environ).settings()


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self.env = environ
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name, "").strip()
        return value or default

    def required(self, name: str, default: str) -> str:
        return self.text(name) or default

    def parse(self, name: str, default: T, convert: Callable[[str], T], what: str) -> T:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except ValueError:
            self.problems.append(f"{name} must be {what}, got {raw!r}")
            return default

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        def convert(raw: str) -> int:
            value = int(raw)
            if value < minimum:
                raise ValueError
            return value

        return self.parse(name, default, convert, f"a whole number of at least {minimum}")


    def url(self, name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
        value = self.text(name, default)
        if value is not None:
            parsed = urlparse(value)
            if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
                self.problems.append(f"{name} must be a URL starting with {' or '.join(schemes)}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.required(name, default)
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def settings(self) -> Settings:
        env = self.choice("EDUPORT_ENV", "development", ("development", "test", "production"))
        data_dir = self.required("EDUPORT_DATA_DIR", "var")
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
            outbox_relay_interval_seconds=self.integer("OUTBOX_RELAY_INTERVAL_SECONDS", 60, 1),
            outbox_relay_grace_seconds=self.integer("OUTBOX_RELAY_GRACE_SECONDS", 30, 0),
            webhook_lease_seconds=self.integer("WEBHOOK_PROCESSING_LEASE_SECONDS", 300, 1),
            outbox_retention_days=self.integer("OUTBOX_RETENTION_DAYS", 7, 1),
            # Stripe and PayPal redeliver for up to 3 days: shorter would forget duplicates.
            webhook_retention_days=self.integer("WEBHOOK_RETENTION_DAYS", 30, 4),
            exchange_rates=self._exchange_rates(),
            exchange_rates_as_of=self._rates_as_of(),
            sandbox_webhook_secret=self.required("SANDBOX_WEBHOOK_SECRET", ""),
            jwt_secret=self._jwt_secret(env, data_dir),
            access_token_ttl_seconds=self.integer("ACCESS_TOKEN_TTL_SECONDS", 900, 30),
            refresh_token_ttl_days=self.integer("REFRESH_TOKEN_TTL_DAYS", 30, 1),
            frontend_url=self.url("FRONTEND_URL", "http://localhost:3000", ("http", "https"))
            or "",
            cors_allowed_origins=origins,
            max_request_bytes=self.integer("MAX_REQUEST_BYTES", 1_048_576, 1024),
            listing_cache_seconds=self.integer("LISTING_CACHE_SECONDS", 5, 0),
            rate_limit_login=self.required("RATE_LIMIT_LOGIN", "10 per minute"),
            rate_limit_register=self.required("RATE_LIMIT_REGISTER", "5 per minute"),
            password_hash_time_cost=self.integer("PASSWORD_HASH_TIME_COST", 3, 1),
            password_hash_memory_kib=self.integer("PASSWORD_HASH_MEMORY_KIB", 65536, 8),
            log_level=self.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            log_format=self.choice("LOG_FORMAT", "json", ("json", "text")),
            stripe=self._stripe(),
            paypal=self._paypal(),
            mail=self._mail(data_dir),
        )
        if self.problems:
            raise ConfigurationError(self.problems)
        return settings

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

    def _exchange_rates(self) -> str:
        from adapters.outbound.payments.exchange_rates import parse_rates

        spec = self.required("EXCHANGE_RATES", "")
        try:
            parse_rates(spec)
        except ValueError as error:
            self.problems.append(f"EXCHANGE_RATES: {error}")
        return spec

    def _rates_as_of(self) -> str:
        value = self.required("EXCHANGE_RATES_AS_OF", "")
        if value:
            try:
                if datetime.fromisoformat(value).tzinfo is None:
                    raise ValueError
            except ValueError:
                self.problems.append("EXCHANGE_RATES_AS_OF must be an ISO 8601 time with a "
                                     f"zone, e.g. 2026-11-23T00:00:00Z, got {value!r}")
        return value

    def _stripe(self) -> StripeSettings:
        return StripeSettings(
            secret=self.text("STRIPE_SECRET"),
            webhook_secret=self.text("STRIPE_WEBHOOK_SECRET"),
            webhook_tolerance=self.integer("STRIPE_WEBHOOK_TOLERANCE", 300, 1),
            api_base=self.url("STRIPE_API_BASE", "https://api.stripe.com", ("http", "https"))
            or "",
            checkout_expires_minutes=self.integer("STRIPE_CHECKOUT_EXPIRES_MINUTES", 60, 30),
            timeout_seconds=self.integer("STRIPE_TIMEOUT_SECONDS", 10, 1),
        )

    def _paypal(self) -> PayPalSettings:
        return PayPalSettings(
            mode=self.choice("PAYPAL_MODE", "sandbox", ("sandbox", "live")),
            sandbox_client_id=self.text("PAYPAL_SANDBOX_CLIENT_ID"),
            sandbox_secret=self.text("PAYPAL_SANDBOX_SECRET"),
            live_client_id=self.text("PAYPAL_LIVE_CLIENT_ID"),
            live_secret=self.text("PAYPAL_LIVE_SECRET"),
            webhook_id=self.text("PAYPAL_WEBHOOK_ID"),
            api_base=self.url("PAYPAL_API_BASE", None, ("http", "https")),
            currency=self.required("PAYPAL_CURRENCY", "USD"),
        )

    def _mail(self, data_dir: str) -> MailSettings:
        return MailSettings(
            mail_from=self.required("MAIL_FROM", "eduport <no-reply@eduport.local>"),
            outbox_dir=self.required("MAIL_OUTBOX_DIR", f"{data_dir}/mail"),
        )

