"""Contract suites: one port, every implementation (the fake the unit tests use and each
real adapter), the same checks. A suite declares a ``Contract`` at module level; its fixture
takes its params from it and builds each implementation through ``Contract.build``, so the
declaration is what really runs. ``test_contract_coverage`` finds every implementation of
every port and fails when a port has two or more that no suite runs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest


@dataclass(frozen=True)
class Contract:
    port: type[Any]
    # param id -> the implementation that param builds
    implementations: Mapping[str, type[Any]]
    marks: Mapping[str, Any] = field(default_factory=dict)  # param id -> pytest mark

    def params(self) -> list[Any]:
        return [pytest.param(name, marks=self.marks[name]) if name in self.marks else name
                for name in self.implementations]

    def build(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()``'s implementation, checked to be the one this param declares."""
        built = make()
        expected = self.implementations[name]
        assert type(built) is expected, f"{name} built {type(built).__name__}, " \
                                        f"not {expected.__name__}"
        return built


def members(port: type[Any]) -> tuple[dict[str, list[str]], set[str]]:
    """The port's methods with their parameter names, and its data members."""
    methods, data = {}, set()
    for name in typing._get_protocol_attrs(port):  # type: ignore[attr-defined]
        member = getattr(port, name, None)
        if callable(member):
            methods[name] = list(inspect.signature(member).parameters)
        else:
            data.add(name)
    return methods, data


def implements(cls: type[Any], port: type[Any]) -> bool:
    """Every method of the port, with the same parameter names (so a three-method
    repository is not taken for another that has methods of the same names), and every
    repository a unit-of-work port names (in the class's ``repositories`` table)."""
    wanted, data = members(port)
    if not wanted or cls is port or typing.Protocol in cls.__mro__:
        return False
    repositories = getattr(cls, "repositories", None)
    if repositories is not None and not data <= set(repositories):
        return False
    for name, parameters in wanted.items():
        method = getattr(cls, name, None)
        if not callable(method):
            return False
        try:
            if list(inspect.signature(method).parameters) != parameters:
                return False
        except (TypeError, ValueError):
            return False
    return True


def walk(package: str) -> Iterator[ModuleType]:
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        yield importlib.import_module(info.name)


def classes_in(*packages: str, module_filter: Callable[[str], bool] = lambda name: True
               ) -> set[type[Any]]:
    found = set()
    for package in packages:
        for module in walk(package):
            if not module_filter(module.__name__):
                continue
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__:
                    found.add(cls)
    return found


def ports() -> set[type[Any]]:
    """Every Protocol declared in an area's ``ports`` or ``published`` module, but those that
    only serve as the base of another port (``UnitOfWork``, ``LeasedRecords``)."""
    declared = {cls for cls in classes_in("application", module_filter=lambda name: name.endswith(
        (".ports", ".published"))) if cls.__dict__.get("_is_protocol")}
    bases = {base for cls in declared for base in cls.__mro__[1:] if base in declared}
    return declared - bases


def declared_contracts() -> list[Contract]:
    """Every ``Contract`` declared at module level in a test module of tests/integration."""
    return [value for module in walk("tests.integration")
            if module.__name__.rsplit(".", 1)[-1].startswith("test_")
            for value in vars(module).values() if isinstance(value, Contract)]
