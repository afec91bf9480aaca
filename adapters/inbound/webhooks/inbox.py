"""The one webhook endpoint: raw body in, inbox, 2xx at once, for every provider name the
wiring can register (the areas' ``webhook_names``).

This is the busiest write path (docs/adr/0015): the view takes only the injector, reuses one
``ReceiveWebhook`` per thread (``WarmUseCases``) instead of resolving its graph on every
delivery, and answers
with a pre-encoded body instead of going through the schema and ``jsonify``. The use case
still owns the rule (authenticate, store once, commit, then enqueue); errors still reach the
app's problem+json handlers, since they are raised, not caught, here.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request
from flask.views import MethodView
from injector import Injector, inject
from marshmallow import Schema, fields

from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import problem_response
from adapters.inbound.warm import WarmUseCases
from application.shared.receive_webhook import ReceiveWebhook, ReceiveWebhookCommand

# What ReceivedSchema documents, encoded once.
RECEIVED = b'{"received":true,"duplicate":false}\n'
DUPLICATE = b'{"received":true,"duplicate":true}\n'


class ReceivedSchema(Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


_warm = WarmUseCases()


def receive_delivery(injector: Injector, provider: str) -> Response:
    """Runs the use case on the raw request; 200 only once it returned (committed, queued)."""
    command = ReceiveWebhookCommand(provider, dict(request.headers),
                                    request.get_data(cache=False))
    result = _warm.call(injector, ReceiveWebhook, lambda receive: receive(command))
    return Response(DUPLICATE if result.duplicate else RECEIVED, status=200,
                    mimetype="application/json")


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
        def __init__(self, injector: Injector) -> None:
            self.injector = injector  # the one binding resolved per request

        @blp.response(200, ReceivedSchema)
        @blp.alt_response(400, **problem_response("Unsigned, forged or stale delivery"))
        @blp.alt_response(404, **problem_response(f"Webhooks from {provider} not configured"))
        @blp.alt_response(503, **problem_response("Verification unavailable; deliver again"))
        def post(self) -> Response:
            return receive_delivery(self.injector, provider)

    Endpoint.__name__ = f"{provider.title()}Webhook"
    Endpoint.post.__doc__ = f"A {provider} event: verified, stored once, processed in a job."
    return Endpoint
