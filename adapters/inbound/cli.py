"""The `eduport` command line. Factories come from the composition root, so this module
never needs to know which adapters serve which port."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask
from injector import Injector, Module
from sqlalchemy import Engine

from adapters.inbound.http.threads import serve_threads_promptly
from adapters.inbound.worker.processes import (
    start_cron,
    start_inline_cron,
    stop_children_when_orphaned,
)
from adapters.settings import ConfigurationError, Settings


@dataclass(frozen=True)
class Factories:
    settings: Callable[[], Settings]
    injector: Callable[..., Injector]
    app: Callable[..., Flask]
    describe: Callable[[Injector], dict[str, str]]


def build_cli(
    settings_factory: Callable[[], Settings],
    injector_factory: Callable[..., Injector],
    app_factory: Callable[..., Flask],
    describe: Callable[[Injector], dict[str, str]],
) -> click.Group:
    factories = Factories(settings_factory, injector_factory, app_factory, describe)

    @click.group(help="eduport: the backend for education and career platforms.")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = factories

    for command in (serve, worker, migrate, demo, users, outbox, webhooks, jobs, invoices):
        cli.add_command(command)
    return cli


def _settings(factories: Factories) -> Settings:
    try:
        return factories.settings()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def _injector(factories: Factories, *overrides: Module) -> tuple[Settings, Injector]:
    from adapters.logging import configure_logging

    settings = _settings(factories)
    configure_logging(settings)
    return settings, factories.injector(settings, *overrides)


@click.command(help="Serve the HTTP API (gunicorn where available).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Processes.")
@click.option("--threads", default=4, show_default=True, type=int,
              help="Threads per process: they overlap waits on the database and keep "
                   "connections alive.")
@click.pass_obj
def serve(factories: Factories, host: str, port: int, workers: int, threads: int) -> None:
    from adapters.outbound.persistence.migrations_runner import DatabaseNotMigrated

    settings, injector = _injector(factories)
    try:
        app = factories.app(injector, settings)  # validates settings and schema up front
    except DatabaseNotMigrated as error:
        raise click.ClickException(str(error)) from error
    base = f"http://{host}:{port}"
    click.echo(f"eduport is serving {base}  (Swagger UI: {base}/docs, OpenAPI: "
               f"{base}/openapi.json)")
    for port_name, adapter in factories.describe(injector).items():
        click.echo(f"  {port_name:<15} {adapter}")
    # Workers (and the inline cron) build their own app and pool; none may inherit the
    # connection the master opened to check the schema.
    injector.get(Engine).dispose()
    if settings.redis_url is None:
        start_inline_cron(factories.injector, settings)
        click.echo(f"  {'cron':<15} in a process of its own (no REDIS_URL: relays, sweepers "
                   "and purges run here, not in `eduport worker`)")
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # no gunicorn (e.g. Windows): the development server still works
        app.run(host=host, port=port)
        return
    serve_threads_promptly()
    _gunicorn_app(BaseApplication, lambda: factories.app(factories.injector(settings), settings),
              {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
               "worker_class": "gthread" if threads > 1 else "sync", "accesslog": None}).run()


def _gunicorn_app(base: type[Any], load: Callable[[], Flask], options: dict[str, Any]) -> Any:
    class Application(base):  # type: ignore[misc, valid-type]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return load()  # in each worker: engines and pools are never shared across forks

    return Application()


@click.command(help="Run an RQ worker with the cron scheduler (needs REDIS_URL).")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--no-scheduler", is_flag=True, help="Do not start the cron scheduler.")
@click.option("--fork", is_flag=True, help="Run each job in a forked work-horse (isolation "
              "over speed).")
@click.pass_obj
def worker(factories: Factories, burst: bool, no_scheduler: bool, fork: bool) -> None:
    settings, injector = _injector(factories)
    if settings.redis_url is None:
        raise click.ClickException("the worker needs REDIS_URL; without it jobs run inline in "
                                   "the API process and no worker is needed")
    run_worker(settings, injector, burst=burst, with_cron=not (no_scheduler or burst),
               fork=fork)


def run_worker(settings: Settings, injector: Injector, burst: bool, with_cron: bool,
               fork: bool = False) -> None:
    """An RQ worker on the settings' queue; the cron scheduler runs in a child process.

    By default jobs run in this process (RQ's SimpleWorker) on adapters, pools and imports
    built once: a forked work-horse per job would rebuild them cold every time (about 40 times
    slower here). A job that kills the process is recovered by the outbox and webhook relays
    (their leases expire); ``fork=True`` isolates each job in a work-horse instead.
    """
    from redis import Redis
    from rq import Queue, SimpleWorker, Worker

    from adapters.inbound.worker import jobs

    if settings.redis_url is None:
        raise click.UsageError("eduport worker needs REDIS_URL")
    redis = Redis.from_url(settings.redis_url)
    stop_children_when_orphaned()  # our cron and RQ's own scheduler, even if killed outright
    cron = start_cron(settings) if with_cron else None  # forked before any pool is opened
    jobs.install(injector)
    if not fork:
        jobs.warm_up(injector)
    try:
        queue = Queue(settings.queue_name, connection=redis)
        worker_class = Worker if fork else SimpleWorker
        worker_class([queue], connection=redis).work(with_scheduler=True, burst=burst)
    finally:
        if cron is not None:
            cron.terminate()
            cron.join(10)


@click.command(help="Apply the database migrations to DATABASE_URL.")
@click.pass_obj
def migrate(factories: Factories) -> None:
    from adapters.outbound.persistence.migrations_runner import current_revision, upgrade

    _, injector = _injector(factories)
    engine = injector.get(Engine)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    click.echo(f"database migrated: {before or 'empty'} -> {after}"
               if before != after else f"database already at {after}")


@click.group(help="Manage accounts.")
def users() -> None:
    pass


@users.command("create-admin", help="Create a platform admin (asks for the password).")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when omitted; EDUPORT_ADMIN_PASSWORD also works.",
              envvar="EDUPORT_ADMIN_PASSWORD")
@click.pass_obj
def create_admin(factories: Factories, email: str, full_name: str, password: str) -> None:
    from application.accounts.create_admin import CreateAdmin, CreateAdminCommand
    from domain.shared.errors import DomainError

    _, injector = _injector(factories)
    try:
        result = injector.get(CreateAdmin)(CreateAdminCommand(email, password, full_name))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"platform admin created: {result.user_id}")


@click.group(help="Inspect and re-dispatch the transactional outbox.")
def outbox() -> None:
    pass


@outbox.command("relay", help="Re-dispatch messages left undispatched (the cron does this too).")
@click.pass_obj
def relay(factories: Factories) -> None:
    from application.shared.relay_outbox import RelayOutbox

    _, injector = _injector(factories)
    result = injector.get(RelayOutbox)()
    click.echo(f"re-dispatched {len(result.redispatched)} message(s)")


@click.group(help="Inspect and re-run stored webhook deliveries.")
def webhooks() -> None:
    pass


@webhooks.command("replay", help="Re-run failed deliveries (--failed) or one (--id ID).")
@click.option("--failed", "only_failed", is_flag=True, help="Every delivery that failed.")
@click.option("--id", "delivery_id", default=None, help="One delivery, by its id.")
@click.pass_obj
def replay(factories: Factories, only_failed: bool, delivery_id: str | None) -> None:
    from application.shared.replay_webhooks import ReplayWebhooks, ReplayWebhooksCommand
    from domain.shared.errors import DomainError

    if only_failed == (delivery_id is not None):
        raise click.UsageError("give exactly one of --failed or --id ID")
    _, injector = _injector(factories)
    try:
        replayed = injector.get(ReplayWebhooks)(ReplayWebhooksCommand(delivery_id, only_failed))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for delivery in replayed:
        click.echo(f"{delivery.delivery_id}: {delivery.outcome}")
    click.echo(f"replayed {len(replayed)} deliver{'y' if len(replayed) == 1 else 'ies'}")


@click.group(help="Search the job board and manage its cache.")
def jobs() -> None:
    pass


@jobs.command("search", help="Search local postings and the outside board.")
@click.argument("keyword", default="")
@click.option("--location", default=None, help="A city, region or country.")
@click.option("--remote", is_flag=True, help="Remote jobs only.")
@click.option("--date-posted", default="all",
              type=click.Choice(["all", "today", "3days", "week", "month"]))
@click.option("--page", default=1, type=click.IntRange(1, 50))
@click.pass_obj
def search_jobs(factories: Factories, keyword: str, location: str | None, remote: bool,
                date_posted: str, page: int) -> None:
    from application.career.ports import JobQuery
    from application.career.search_jobs import SearchJobs

    _, injector = _injector(factories)
    found = injector.get(SearchJobs)(JobQuery(keyword, location, remote, (), date_posted,
                                              None, page))
    for job in found.items:
        where = job.location + (" (remote)" if job.remote else "")
        click.echo(f"{job.id}  {job.title} — {job.company}, {where}  [{job.source.value}]")
    unavailable = ", ".join(f"{name}: {why}" for name, why in found.unavailable.items())
    click.echo(f"{len(found.items)} postings from {', '.join(found.sources)}"
               + (f"; unavailable: {unavailable}" if unavailable else ""))


@jobs.command("clear-cache", help="Forget every cached outside search.")
@click.pass_obj
def clear_job_cache(factories: Factories) -> None:
    from application.career.clear_job_cache import ClearJobSearchCache

    _, injector = _injector(factories)
    injector.get(ClearJobSearchCache)()
    click.echo("job search cache cleared")


@click.group(help="Invoice institutions.")
def invoices() -> None:
    pass


@invoices.command("generate", help="Invoice every active institution for a past month "
                                   "(again is harmless: nothing is billed twice).")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to invoice.")
@click.pass_obj
def generate_invoices(factories: Factories, period: str) -> None:
    from rich.progress import Progress

    from application.institutions.generate_invoices import GenerateInvoices
    from domain.shared.errors import DomainError

    _, injector = _injector(factories)
    with Progress(transient=True) as progress:
        task = progress.add_task(f"invoicing {period}", total=None)
        try:
            run = injector.get(GenerateInvoices)(period, lambda _: progress.advance(task))
        except DomainError as error:
            raise click.UsageError(str(error)) from error
    click.echo(f"{period}: {run.invoiced} invoiced, {run.skipped} skipped, "
               f"{len(run.failed)} failed")
    for institution_id, why in run.failed:
        click.echo(f"  failed {institution_id}: {why}", err=True)
    if run.failed:
        raise SystemExit(1)


@click.command(help="Run the whole platform scenario offline and print each step.")
@click.option("--keep", is_flag=True, help="Keep the demo's data folder and print its path.")
@click.pass_obj
def demo(factories: Factories, keep: bool) -> None:
    from adapters.inbound.demo import run_demo

    sys.exit(run_demo(factories.injector, factories.app, keep=keep, echo=click.echo))
