"""The application layer's modules, imported once: where the composition root finds the use
cases and the worker finds the jobs, both declared beside their code and listed nowhere."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

import application


@cache
def application_modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(info.name)
                 for info in pkgutil.walk_packages(application.__path__, "application."))
