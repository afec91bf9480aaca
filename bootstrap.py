"""The composition root: the list of areas -> injector -> the app, the worker and the CLI.

Each area wires itself (``adapters/wiring/<area>.py``); this module lists the areas and
nothing else of theirs. Nothing here runs at import time.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from injector import Injector, Module
from sqlalchemy import Engine

from adapters.discovery import application_modules
from adapters.logging import configure_logging
from adapters.settings import Settings
from adapters.wiring.accounts import AccountsModule
from adapters.wiring.area import AreaModule
from adapters.wiring.career import CareerModule
from adapters.wiring.catalog import CatalogModule
from adapters.wiring.files import FilesModule
from adapters.wiring.identity import IdentityModule
from adapters.wiring.institutions import InstitutionsModule
from adapters.wiring.live import LiveModule
from adapters.wiring.messaging import MessagingModule
from adapters.wiring.payments import PaymentsModule
from adapters.wiring.shared import SharedModule, UseCasesModule
from application.payments.providers import PaymentGateways
from application.shared.webhooks import WebhookProviders

log = logging.getLogger("eduport.bootstrap")

# Adding an area is a new package in each layer and one line here.
AREAS: tuple[type[AreaModule], ...] = (AccountsModule, CatalogModule, PaymentsModule,
                                       MessagingModule, LiveModule, FilesModule,
                                       IdentityModule, CareerModule, InstitutionsModule)


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The kernel's settings and every area's section, validated together at start-up."""
    return Settings.from_env(environ, sections=[section for area in AREAS
                                                for section in area.sections])


def use_case_classes() -> list[type[Any]]:
    """Every class with a ``__call__`` defined in a module of an area's application package."""
    found = []
    for module in application_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (cls.__module__ == module.__name__ and not cls.__name__.startswith("_")
                    and any("__call__" in vars(base) for base in cls.__mro__[:-1])):
                found.append(cls)
    return found


def production_modules(settings: Settings) -> list[Module]:
    areas = [area() for area in AREAS]
    return [SharedModule(settings, areas), *areas, UseCasesModule(use_case_classes())]


def build_injector(settings: Settings, *overrides: Module) -> Injector:
    """The application's object graph; ``overrides`` (modules of fakes) win over defaults."""
    return Injector([*production_modules(settings), *overrides], auto_bind=False)


def describe_adapters(injector: Injector) -> dict[str, str]:
    """Which adapter serves each port, read from the bindings: every bound type declared in
    an area's ``ports`` module, plus the payment providers and webhook providers."""
    described = {}
    for key in list(injector.binder._bindings):  # the injector has no public listing
        if isinstance(key, type) and key.__module__.startswith("application.") \
                and key.__module__.endswith((".ports", ".published")):
            described[key.__name__] = type(injector.get(key)).__name__
    gateways = injector.get(PaymentGateways).by_provider
    described["PaymentGateway"] = ", ".join(f"{name}={type(g).__name__}"
                                            for name, g in gateways.items())
    described["Webhooks"] = ", ".join(sorted(injector.get(WebhookProviders).by_name))
    return dict(sorted(described.items()))


def create_app(injector: Injector | None = None, settings: Settings | None = None) -> Flask:
    from adapters.inbound.http.app import create_app as create_http_app
    from adapters.outbound.persistence.migrations_runner import ensure_migrated

    restrict_new_files()
    settings = settings or read_settings()
    configure_logging(settings)
    injector = injector or build_injector(settings)
    ensure_migrated(injector.get(Engine))
    log.info("adapters", extra={"adapters": describe_adapters(injector)})
    return create_http_app(injector, settings,
                           [name for area in AREAS for name in area().webhook_routes(settings)])


def wsgi() -> Flask:
    """The WSGI entry point gunicorn loads: ``bootstrap:wsgi()``."""
    from adapters.inbound.http.threads import serve_threads_promptly

    serve_threads_promptly()
    return create_app()


def restrict_new_files() -> None:
    """Every file eduport creates (the SQLite database, mail holding live reset links, the
    generated JWT secret, uploads) is readable by its owner only."""
    os.umask(0o077)


def main() -> None:
    from adapters.inbound.cli import build_cli

    restrict_new_files()
    build_cli(settings_factory=read_settings, injector_factory=build_injector,
              app_factory=create_app, describe=describe_adapters)()
