"""Real-time channels over HTTP: ``POST /broadcasting/auth``, where pusher-js (and Laravel
Echo) ask whether the signed-in person may subscribe to a private or presence channel."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from injector import inject
from marshmallow import EXCLUDE, Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.problems import problem
from adapters.inbound.http.schemas import problem_response
from application.messaging.authorize_channel import AuthorizeChannel, AuthorizeChannelCommand
from application.messaging.published import ChannelsUnavailable

blp = Blueprint("broadcasting", __name__, url_prefix="/broadcasting",
                description="Authorizations to subscribe to real-time channels")


class ChannelAuthorizationRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # a client may add parameters of its own

    socket_id = fields.String(required=True, validate=validate.Length(min=3, max=64),
                              metadata={"description": "the connection's id, e.g. 1234.5678"})
    channel_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "a private- or presence- channel, "
                                                          "e.g. private-user.{your user id}"})


class ChannelAuthorizationSchema(Schema):
    auth = fields.String(metadata={"description": "key:signature, for the subscription"})
    channel_data = fields.String(metadata={"description": "presence channels: the member as "
                                                          "signed (JSON text)"})


@blp.route("/auth")
class ChannelAuthorization(MethodView):
    @inject
    def __init__(self, authorize: AuthorizeChannel) -> None:
        self.authorize = authorize

    @requires()
    @blp.arguments(ChannelAuthorizationRequestSchema, location="form")
    @blp.response(200, ChannelAuthorizationSchema)
    @blp.alt_response(401, **problem_response("No valid access token"))
    @blp.alt_response(403, **problem_response("You may not subscribe to this channel"))
    @blp.alt_response(404, **problem_response("No real-time channel service is configured: "
                                              "poll /me/notifications instead"))
    @blp.alt_response(422, **problem_response("A malformed socket id or channel name"))
    def post(self, form: dict[str, Any]) -> dict[str, str] | Response:
        """Authorize a subscription (form-encoded ``socket_id`` and ``channel_name``, as
        pusher-js sends them): the ``auth`` signature, and ``channel_data`` for a presence
        channel."""
        try:
            return self.authorize(AuthorizeChannelCommand(
                current_principal(), form["socket_id"], form["channel_name"]))
        except ChannelsUnavailable as error:
            return problem(404, "channels-unavailable", "No real-time channels here",
                           error.message)
