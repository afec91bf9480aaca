"""The sandbox's stand-in for a bank's 3-D Secure page (embedded default only; never
published with EDUPORT_ENV=production). It acts for the payment's own student only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from adapters.outbound.payments.sandbox import SandboxBank
from application.payments.check_payment_ownership import (
    CheckPaymentOwnership,
    CheckPaymentOwnershipQuery,
)
from application.payments.ports import Provider
from domain.shared.errors import NotFound

blp = Blueprint("sandbox", __name__, url_prefix="/sandbox",
                description="Offline payment sandbox (only when no provider keys are set)")


class AuthenticationSchema(Schema):
    passed = fields.Boolean(required=True, metadata={"description": "the cardholder's answer"})


class AuthenticatedSchema(Schema):
    reference = fields.String()
    status = fields.String()


@blp.route("/payments/<string:reference>/authenticate")
class ThreeDSecure(MethodView):
    @inject
    def __init__(self, bank: SandboxBank, ownership: CheckPaymentOwnership) -> None:
        self.bank, self.ownership = bank, ownership

    @requires()
    @blp.arguments(AuthenticationSchema)
    @blp.response(200, AuthenticatedSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(402, **problem_response("The payment was not confirmed yet"))
    @blp.alt_response(404, **problem_response("No sandbox payment of yours with this reference"))
    def post(self, body: dict[str, Any], reference: str) -> dict[str, str]:
        """Pass or fail 3-D Secure, as the cardholder would on the bank's page."""
        if self.bank.gateway is None:
            raise NotFound("the payment sandbox is not active")
        self.ownership(CheckPaymentOwnershipQuery(current_principal(), Provider.SANDBOX,
                                                  reference))
        state = self.bank.gateway.authenticate(reference, body["passed"])
        return {"reference": reference, "status": state.status}
