"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.problems import problem
from adapters.inbound.http.schemas import ProblemSchema, problem_response
from application.shared.health import Readiness

blp = Blueprint("health", __name__, description="Probes for orchestrators")

CHECKS = fields.Dict(
    keys=fields.String(), values=fields.String(validate=validate.OneOf(["ok", "unavailable"])),
    required=True, metadata={"description": "per dependency (database, redis when "
                                            "configured): ok or unavailable",
                             "example": {"database": "ok"}})


class AliveSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["alive"]))


class ReadySchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ready"]))
    checks = CHECKS


class NotReadySchema(ProblemSchema):
    """The 503 problem, with which dependency does not answer."""

    checks = CHECKS


@blp.route("/healthz")
class Alive(MethodView):
    @blp.response(200, AliveSchema)
    def get(self) -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "alive"}


@blp.route("/readyz")
class Ready(MethodView):
    @inject
    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness

    @blp.response(200, ReadySchema)
    @blp.alt_response(503, **{**problem_response("A dependency does not answer; 'checks' "
                                                 "says which"), "schema": NotReadySchema})
    def get(self) -> Any:
        """The database (and Redis, when configured) answer; 503 when one does not."""
        checks = self.readiness.report()
        if all(state == "ok" for state in checks.values()):
            return {"status": "ready", "checks": checks}
        down = ", ".join(name for name, state in checks.items() if state != "ok")
        answer: Response = problem(503, "not-ready", "Not ready", f"unavailable: {down}",
                                   checks=checks)
        return answer
