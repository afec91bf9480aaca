"""Use cases reused, thread by thread, on the busiest entry points (the webhook view, the RQ
jobs): resolving one through the injector cost about 1 ms of CPU each time (ADR 15).

A use case keeps no state between calls (its unit of work opens a new session on every
``with``), and a thread runs one call at a time, so reusing one is the same as building a
fresh one. One is taken out while it runs (a call that runs the same use case inside gets a
fresh one) and put back only after it returned: after an exception the next call builds anew.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from injector import Injector

T = TypeVar("T")
R = TypeVar("R")


class WarmUseCases(threading.local):
    def __init__(self) -> None:
        self.injector: Injector | None = None
        self.by_type: dict[type[Any], Any] = {}

    def call(self, injector: Injector, kind: type[T], use: Callable[[T], R]) -> R:
        """``use`` applied to this thread's ``kind`` from ``injector``."""
        if self.injector is not injector:  # another app or worker (tests): another graph
            self.injector, self.by_type = injector, {}
        use_case: T = self.by_type.pop(kind, None) or injector.get(kind)
        result = use(use_case)
        self.by_type[kind] = use_case
        return result
