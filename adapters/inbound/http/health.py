"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject

from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.problems import RETRY_AFTER_SECONDS
from application.shared.health import Readiness

blp = Blueprint("health", __name__, description="Probes for orchestrators")


@blp.route("/healthz")
class Alive(MethodView):
    def get(self) -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "alive"}


@blp.route("/readyz")
class Ready(MethodView):
    @inject
    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness

    def get(self) -> Any:
        """The database (and Redis, when configured) answer; 503 when one does not."""
        checks = self.readiness.report()
        ready = all(state == "ok" for state in checks.values())
        body = {"status": "ready" if ready else "unavailable", "checks": checks}
        return (body, 200) if ready else (body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
