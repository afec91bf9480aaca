"""What every provider's webhook endpoint does: raw body in, inbox, 2xx at once."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from injector import inject
from marshmallow import Schema, fields

from adapters.inbound.http.schemas import problem_response
from application.use_cases.receive_webhook import ReceiveWebhook, ReceiveWebhookCommand

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks",
                description="Deliveries from payment providers (signed; stored once)")


class ReceivedSchema(Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


def webhook_endpoint(provider: str) -> type[MethodView]:
    """A view for one provider. The signature is checked on the raw bytes, before parsing."""

    class Endpoint(MethodView):
        @inject
        def __init__(self, receive: ReceiveWebhook) -> None:
            self.receive = receive

        @blp.response(200, ReceivedSchema)
        @blp.alt_response(400, **problem_response("Unsigned, forged or stale delivery"))
        @blp.alt_response(404, **problem_response(f"Webhooks from {provider} not configured"))
        @blp.alt_response(503, **problem_response("Verification unavailable; deliver again"))
        def post(self) -> dict[str, Any]:
            result = self.receive(ReceiveWebhookCommand(provider, dict(request.headers),
                                                        request.get_data(cache=False)))
            return {"received": True, "duplicate": result.duplicate}

    Endpoint.__name__ = f"{provider.title()}Webhook"
    Endpoint.post.__doc__ = f"A {provider} event: verified, stored once, processed in a job."
    return Endpoint
