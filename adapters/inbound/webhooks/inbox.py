"""The one webhook endpoint: raw body in, inbox, 2xx at once, for every provider name the
wiring can register (the areas' ``webhook_names``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields

from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from application.shared.receive_webhook import ReceiveWebhook, ReceiveWebhookCommand


class ReceivedSchema(Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


def webhooks_blueprint(providers: Iterable[str]) -> Blueprint:
    """A blueprint with ``POST /webhooks/<provider>`` for each provider; one that is not
    configured answers 404 (its route stays, so the OpenAPI document does not depend on
    which vendors an installation has keys for)."""
    blp = Blueprint("webhooks", __name__, url_prefix="/webhooks",
                    description="Deliveries from payment providers (signed; stored once)")
    for provider in providers:
        blp.route(f"/{provider}")(_endpoint(blp, provider))
    return blp


def _endpoint(blp: Blueprint, provider: str) -> type[MethodView]:
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
