"""The Flask application factory: Api, blueprints, problems, request ids, CORS, rate limits."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request, send_from_directory
from flask.testing import FlaskClient
from flask_cors import CORS
from flask_injector import FlaskInjector
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from injector import Injector
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import TestResponse

from adapters.inbound.http import (
    accounts,
    admin,
    broadcasting,
    career,
    catalog,
    consultations,
    enrollment,
    files,
    health,
    identity,
    institutions,
    jobs,
    live,
    messaging,
    payments,
    privacy,
    sandbox,
)
from adapters.inbound.http.api import ProblemApi, bearer_security
from adapters.inbound.http.auth import AUTHENTICATE_EXTENSION
from adapters.inbound.http.headers import install_security_headers
from adapters.inbound.http.idempotency import IDEMPOTENCY_EXTENSION
from adapters.inbound.http.json_bodies import StrictJSONProvider, install_url_checks
from adapters.inbound.http.local_files import local_files_blueprint
from adapters.inbound.http.page_cache import PublicPageCache
from adapters.inbound.http.problems import from_domain_error, from_http_exception, from_unexpected
from adapters.inbound.warm import WarmUseCases
from adapters.inbound.webhooks.inbox import webhooks_blueprint
from adapters.logging import request_id
from adapters.outbound.files.local import LocalFileStorage
from adapters.outbound.queue.inline import Deferred, InlineTaskQueue, deferred
from adapters.settings import Settings
from application.accounts.authenticate import Authenticate
from application.accounts.ports import AccessTokens
from application.files.ports import FileStorage
from application.shared.ports import Cache, IdempotencyStore, TaskQueue
from domain.shared.errors import DomainError

log = logging.getLogger("eduport.http")
SWAGGER_ASSETS = "/docs/assets/"  # Swagger UI's own files, served here: /docs works offline
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

BLUEPRINTS = [
    health.blp, accounts.blp, accounts.me_blp, admin.blp, catalog.blp, enrollment.blp,
    payments.blp, sandbox.blp, messaging.blp, broadcasting.blp, live.blp, consultations.blp,
    files.blp, identity.blp, privacy.blp, career.blp, jobs.blp, institutions.blp,
]
# The named limits (ADR 16): endpoint -> (setting, what is counted) pairs. "address": the
# client's; "account": the email address in the body (whether or not it has an account);
# "user": the bearer token's subject; "signer": the institution a signed request names,
# from the client's address (a stranger naming it cannot spend its portal's allowance).
# Webhooks count per provider (an endpoint each), and every other call with a valid bearer
# token counts against RATE_LIMIT_AUTHENTICATED (the admin API's 60 a minute per user).
RATE_LIMITED: dict[str, tuple[tuple[str, str], ...]] = {
    "accounts.Login": (("rate_limit_login", "address"),),
    "accounts.Registration": (("rate_limit_register", "address"),),
    "accounts.PasswordResetRequest": (("rate_limit_password_reset", "address"),
                                      ("rate_limit_password_reset", "account")),
    "accounts.EmailVerificationResend": (("rate_limit_verification", "address"),
                                         ("rate_limit_verification", "user")),
    "payments.CheckoutView": (("rate_limit_checkout", "user"),),
    "payments.PaymentConfirmation": (("rate_limit_checkout", "user"),),
    "webhooks.Institution-SyncWebhook": (("rate_limit_institution_sync", "signer"),),
    "institutions.Alerts": (("rate_limit_institution_sync", "signer"),),
}
# Not counted per user: probes, the API's own documents and the local store's signed links.
UNLIMITED = ("health.", "api-docs.", "local_files.", "static")


def create_app(injector: Injector, settings: Settings,
               webhook_providers: Sequence[str] = ()) -> Flask:
    app = Flask("eduport")
    if settings.trusted_proxies:
        # Only the hops the operator vouches for: a client cannot forge its address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    app.json = StrictJSONProvider(app)
    app.config.update(
        API_TITLE="eduport",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_ASSETS,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    # Every call with a token authenticates: one use case per thread (ADR 15's mechanism),
    # whose unit of work opens a new transaction on every call.
    warm = WarmUseCases()
    app.extensions[AUTHENTICATE_EXTENSION] = \
        lambda token: warm.call(injector, Authenticate, lambda authenticate: authenticate(token))
    app.extensions[IDEMPOTENCY_EXTENSION] = injector.get(IdempotencyStore)
    api = ProblemApi(app)
    bearer_security(api)
    # The sandbox sells for free: production never publishes its bank page.
    published = [b for b in BLUEPRINTS
                 if not (settings.env == "production" and b is sandbox.blp)]
    for blueprint in [*published, webhooks_blueprint(webhook_providers)]:
        api.register_blueprint(blueprint)
    storage = injector.get(FileStorage)
    if isinstance(storage, LocalFileStorage):  # the embedded default serves its own links
        app.register_blueprint(local_files_blueprint(storage))
    # FlaskInjector wraps every hook and error handler registered before it in an injecting
    # call that inspects signatures on each request; only the views need injection.
    FlaskInjector(app=app, injector=injector)
    _errors(app)
    _request_ids(app)
    _jobs_after_the_answer(app, injector.get(TaskQueue))
    install_url_checks(app)
    _swagger_assets(app)
    install_security_headers(app, "/docs", production=settings.env == "production",
                             cors=bool(settings.cors_allowed_origins))
    if settings.cors_allowed_origins:
        CORS(app, origins=list(settings.cors_allowed_origins), expose_headers=["X-Request-ID"],
             allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"])
    _own_rate_limit_headers(app)  # registered first: runs after the limiter's headers
    _rate_limits(app, settings, injector.get(AccessTokens))
    PublicPageCache(injector.get(Cache), endpoints={"catalog.Catalog"},
                    invalidated_by={"catalog"},
                    ttl_seconds=settings.listing_cache_seconds).install(app)
    return app


def _errors(app: Flask) -> None:
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, from_unexpected)


class ClosingTestClient(FlaskClient):
    """Closes each answer as soon as it is read, as a server does once it has sent it, so
    the jobs held for after the answer have run when a test or the demo looks at what
    followed (mail, notifications)."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> TestResponse:
        return super().open(*args, buffered=buffered, **kwargs)


def _jobs_after_the_answer(app: Flask, queue: TaskQueue) -> None:
    """With inline jobs, what a request queues runs once its answer is sent (when the server
    closes the response), never before: the answer's timing does not tell what it caused."""
    if not isinstance(queue, InlineTaskQueue):
        return  # RQ: the worker runs them, elsewhere
    app.test_client_class = ClosingTestClient

    @app.before_request
    def hold() -> None:
        g.held_jobs = deferred()
        g.jobs = g.held_jobs.__enter__()

    def release() -> Deferred:
        g.pop("held_jobs").__exit__(None, None, None)
        jobs: Deferred = g.pop("jobs")
        return jobs

    @app.after_request
    def after_the_answer(response: Response) -> Response:
        if "held_jobs" in g:
            jobs = release()
            if jobs:
                response.call_on_close(lambda: queue.run_all(jobs))
        return response

    @app.teardown_request
    def left_over(error: BaseException | None) -> None:
        if "held_jobs" in g:  # no answer was made: run them now rather than never
            queue.run_all(release())


def _request_ids(app: Flask) -> None:
    @app.before_request
    def assign() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()
        g.request_id_token = request_id.set(g.request_id)
        length = request.content_length
        # A local upload's limit is the size its link signed, checked by the store.
        if length is not None and request.endpoint != "local_files.upload" \
                and length > (app.config["MAX_CONTENT_LENGTH"] or length):
            from werkzeug.exceptions import RequestEntityTooLarge

            raise RequestEntityTooLarge()

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("started")
        if started is not None:
            log.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
        return response

    @app.teardown_request
    def forget(_error: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id.reset(token)


def _swagger_assets(app: Flask) -> None:
    from swagger_ui_bundle import swagger_ui_path

    @app.get(f"{SWAGGER_ASSETS}<path:filename>")
    def swagger_asset(filename: str) -> Response:
        return send_from_directory(swagger_ui_path, filename, max_age=86400)


def _own_rate_limit_headers(app: Flask) -> None:
    """A 429 eduport answered itself (failed sign-ins) describes its own limit, not the one
    the limiter was counting for the endpoint."""
    @app.after_request
    def restore(response: Response) -> Response:
        own = g.get("rate_limit_headers")
        if own:
            response.headers.update(own)
        return response


class ViewLimiter(Limiter):
    """Counts the limits that decorate views, and no others: eduport sets no default,
    application or meta limits (every limit is named per view below), so the check
    Flask-Limiter makes before every request, for those, has nothing to count."""

    def _check_request_limit(self, callable_name: str | None = None,
                             in_middleware: bool = True) -> None:
        if not in_middleware:  # the views' own limits, checked by their decorators
            super()._check_request_limit(callable_name, in_middleware)


def _rate_limits(app: Flask, settings: Settings, tokens: AccessTokens) -> None:
    # Counters every worker shares: Redis, or without it a file in the data folder (a
    # worker's own memory would let each worker allow the whole limit again).
    import adapters.inbound.http.rate_limit_storage  # noqa: F401  (registers eduport+sqlite)

    shared = settings.redis_url or \
        f"eduport+sqlite:///{Path(settings.data_dir).resolve() / 'rate-limits.sqlite3'}"
    app.config.update(RATELIMIT_HEADER_LIMIT="RateLimit-Limit",
                      RATELIMIT_HEADER_REMAINING="RateLimit-Remaining",
                      RATELIMIT_HEADER_RESET="RateLimit-Reset")
    limiter = ViewLimiter(
        get_remote_address, app=app, storage_uri=shared,
        headers_enabled=True, key_prefix="eduport", swallow_errors=True,
    )

    def user() -> str | None:
        """The bearer token's subject when its signature and expiry hold (revocation is the
        view's to check); None without one: such a call is not counted per user."""
        if "limited_user" not in g:  # asked by several limits: the token is read once
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            try:
                g.limited_user = tokens.read(token.strip()).user_id \
                    if scheme.lower() == "bearer" and token.strip() else None
            except DomainError:
                g.limited_user = None
        found: str | None = g.limited_user
        return found

    def account() -> str:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
        digest = hashlib.sha256(str(email or "").strip().lower().encode()).hexdigest()
        return f"account:{digest}"

    def signer() -> str:
        body = request.get_json(silent=True)
        named = body.get("institution_id") if isinstance(body, dict) else None
        digest = hashlib.sha256(str(named or "").encode()).hexdigest()
        return f"signer:{digest}:{get_remote_address()}"

    keys: dict[str, Callable[[], str]] = {
        "address": get_remote_address,
        "account": account,
        "signer": signer,
        "user": lambda: f"user:{user()}",
        "provider": lambda: f"provider:{request.endpoint}",
    }
    limited = {endpoint: list(named) for endpoint, named in RATE_LIMITED.items()}
    for endpoint in app.view_functions:
        if endpoint.startswith("webhooks."):  # over the limit: 429, so the sender retries
            limited[endpoint] = [("rate_limit_webhooks", "provider"), *limited.get(endpoint, [])]
    for endpoint, view in list(app.view_functions.items()):
        wrapped = view
        if not endpoint.startswith((*UNLIMITED, "webhooks.")):
            # One count per user across every endpoint.
            wrapped = limiter.shared_limit(settings.rate_limit_authenticated,
                                           scope="authenticated-calls",
                                           key_func=lambda: f"calls:{user()}",
                                           exempt_when=lambda: user() is None)(wrapped)
        for setting, counted in limited.get(endpoint, ()):
            wrapped = limiter.limit(
                getattr(settings, setting), key_func=keys[counted], methods=["POST"],
                scope=f"{setting}:{counted}",
                exempt_when=lambda counted=counted: counted == "user" and user() is None,
            )(wrapped)
        app.view_functions[endpoint] = wrapped
