"""Readiness: every dependency the service needs to answer requests."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from application.shared.ports import HealthCheck

log = logging.getLogger(__name__)


class Readiness:
    def __init__(self, checks: Sequence[HealthCheck]) -> None:
        self.checks = checks

    def report(self) -> dict[str, str]:
        """"ok" or "unavailable" per dependency; the reason goes to the log, not the caller."""
        results = {}
        for check in self.checks:
            try:
                check.check()
                results[check.name] = "ok"
            except Exception as error:  # any failure at all means not ready
                log.warning("%s is not ready: %s", check.name, type(error).__name__)
                results[check.name] = "unavailable"
        return results
