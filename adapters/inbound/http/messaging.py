"""Messaging over HTTP: a person's in-app inbox and email preferences, and the delivery log
for platform admins."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from injector import inject
from marshmallow import Schema, fields, validate

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import PageArgsSchema, problem_response
from application.messaging.change_notification_preferences import (
    ChangeNotificationPreferences,
    ChangeNotificationPreferencesCommand,
)
from application.messaging.get_notification_preferences import (
    GetNotificationPreferences,
    KindPreference,
)
from application.messaging.list_deliveries import ListDeliveries, ListDeliveriesQuery
from application.messaging.list_notifications import ListNotifications, ListNotificationsQuery
from application.messaging.read_all_notifications import ReadAllNotifications
from application.messaging.read_notification import ReadNotification, ReadNotificationCommand
from domain.messaging.model import Delivery, DeliveryStatus, MessageKind, Notification
from domain.shared.roles import Role

blp = Blueprint("messaging", __name__, description="In-app notifications, email preferences "
                "and the delivery log")


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in MessageKind]})
    text = fields.String()
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
    unread = fields.Integer()


class ReadAllSchema(Schema):
    marked_read = fields.Integer()


class PreferenceSchema(Schema):
    kind = fields.String()
    email = fields.Boolean()
    can_turn_off = fields.Boolean()


class PreferencesSchema(Schema):
    kinds = fields.List(fields.Nested(PreferenceSchema))


class PreferenceChangesSchema(Schema):
    email = fields.Dict(keys=fields.String(validate=validate.OneOf([k.value for k in MessageKind])),
                        values=fields.Boolean(), required=True,
                        metadata={"description": "kind -> whether it is also emailed"})


class DeliveryQuerySchema(Schema):
    recipient = fields.Email(load_default=None)
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in DeliveryStatus]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class DeliverySchema(Schema):
    id = fields.String()
    kind = fields.String()
    recipient = fields.String()
    locale = fields.String()
    provider = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


@blp.route("/me/notifications")
class Notifications(MethodView):
    @inject
    def __init__(self, list_notifications: ListNotifications) -> None:
        self.list_notifications = list_notifications

    @requires()
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    @blp.alt_response(304, description="Nothing changed since the ETag sent in If-None-Match")
    def get(self, args: dict[str, Any]) -> Response:
        """The inbox, newest first, with the unread count. Without real-time channels this is
        what a client polls: send the last ETag in If-None-Match to get 304 when nothing
        changed."""
        found = self.list_notifications(ListNotificationsQuery(
            current_principal(), args["page"], args["page_size"]))
        body = NotificationPageSchema().dump({
            "items": found.page.items, "page": found.page.page,
            "page_size": found.page.page_size, "total": found.page.total,
            "unread": found.unread})
        response = jsonify(body)
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        # Personal data: no cache keeps it; clients keep the ETag themselves to poll.
        response.headers["Cache-Control"] = "no-store"
        return response.make_conditional(request)


@blp.route("/me/notifications/<string:notification_id>/read")
class NotificationRead(MethodView):
    @inject
    def __init__(self, read: ReadNotification) -> None:
        self.read = read

    @requires()
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, **problem_response("No such notification of yours"))
    def post(self, notification_id: str) -> Notification:
        """Mark one notification read."""
        return self.read(ReadNotificationCommand(current_principal(), notification_id))


@blp.route("/me/notifications/read-all")
class NotificationsReadAll(MethodView):
    @inject
    def __init__(self, read_all: ReadAllNotifications) -> None:
        self.read_all = read_all

    @requires()
    @blp.response(200, ReadAllSchema)
    def post(self) -> dict[str, int]:
        """Mark every notification read."""
        return {"marked_read": self.read_all(current_principal())}


@blp.route("/me/notification-preferences")
class NotificationPreferences(MethodView):
    @inject
    def __init__(self, get_preferences: GetNotificationPreferences,
                 change: ChangeNotificationPreferences) -> None:
        self.get_preferences, self.change = get_preferences, change

    @requires()
    @blp.response(200, PreferencesSchema)
    def get(self) -> dict[str, list[KindPreference]]:
        """Per kind of message, whether it is also emailed; security messages always are."""
        return {"kinds": self.get_preferences(current_principal())}

    @requires()
    @blp.arguments(PreferenceChangesSchema)
    @blp.response(200, PreferencesSchema)
    @blp.alt_response(422, **problem_response("An unknown kind, or a security message off"))
    def patch(self, body: dict[str, Any]) -> dict[str, list[KindPreference]]:
        """Turn emails of some kinds on or off."""
        return {"kinds": self.change(ChangeNotificationPreferencesCommand(
            current_principal(), body["email"]))}


@blp.route("/admin/messages")
class DeliveryLog(MethodView):
    @inject
    def __init__(self, list_deliveries: ListDeliveries) -> None:
        self.list_deliveries = list_deliveries

    @requires(Role.PLATFORM_ADMIN)
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.alt_response(403, **problem_response("Only platform admins"))
    def get(self, args: dict[str, Any]) -> list[Delivery]:
        """The delivery log, newest first: to whom, which message, what became of it (never
        the message itself)."""
        return self.list_deliveries(ListDeliveriesQuery(
            current_principal(), args["recipient"], args["status"], args["limit"]))
