"""RQ job functions: thin, they take ids and resolve a use case from the process's injector.

The table of jobs (``declared_jobs``) is read from the ``Job`` declarations beside the use cases
(``application.shared.jobs``); each job is reachable by RQ as
``adapters.inbound.worker.jobs.<job name>``. The injector is installed once per process
(``install``) by the worker command, or handed over directly by the inline queue (``run_job``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from injector import Injector

from adapters.discovery import application_modules
from adapters.inbound.warm import WarmUseCases
from application.shared.jobs import Job


@cache
def declared_jobs() -> dict[str, Job]:
    """Every ``Job`` declared at module level in the application layer, by name."""
    found: dict[str, Job] = {}
    for module in application_modules():
        for value in vars(module).values():
            if isinstance(value, Job):
                if found.get(value.name, value) is not value:
                    raise RuntimeError(f"two jobs are named {value.name!r}")
                found[value.name] = value
    return found


_injector: Injector | None = None


def install(injector: Injector) -> None:
    global _injector
    _injector = injector


def warm_up(injector: Injector) -> None:
    """Builds what every job needs (adapters, SDK clients, the database pool) once, so the
    first job does not pay for it."""
    from sqlalchemy import Engine, text

    for job in declared_jobs().values():
        injector.get(job.use_case)
    with injector.get(Engine).connect() as connection:
        connection.execute(text("SELECT 1"))


def run_job(injector: Injector, job: str, *args: str) -> object:
    """Runs a job in this process with the given injector (the inline queue's path)."""
    return injector.get(declared_jobs()[job].use_case)(*args)


_warm = WarmUseCases()


def _run_warm(injector: Injector, job: str, *args: str) -> object:
    return _warm.call(injector, declared_jobs()[job].use_case, lambda use_case: use_case(*args))


def job_function(name: str) -> Callable[..., None]:
    """The function RQ imports by name for a job."""
    if name not in declared_jobs():
        raise AttributeError(name)

    def run(*args: str) -> None:
        if _injector is None:
            raise RuntimeError("the worker's injector is not installed; "
                               "start it with `eduport worker`")
        _run_warm(_injector, name, *args)

    run.__name__ = run.__qualname__ = name
    run.__module__ = __name__
    return run


def __getattr__(name: str) -> Any:
    # Read when first asked for, not at import: importing this module runs nothing.
    if name == "USE_CASES":
        return {job_name: job.use_case for job_name, job in declared_jobs().items()}
    return job_function(name)
