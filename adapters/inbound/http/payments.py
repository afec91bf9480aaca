"""Payments: checkout (courses or a credit pack), the credit packs on sale, the client's
confirmation, refunds by admins."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from injector import inject
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from adapters.inbound.http.auth import current_principal, requires
from adapters.inbound.http.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from adapters.inbound.http.json_bodies import Blueprint
from adapters.inbound.http.schemas import MAX_AMOUNT_MINOR, MoneySchema, problem_response
from application.payments.checkout import Checkout, CheckoutCommand
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.get_payment import GetPayment
from application.payments.list_credit_packs import ListCreditPacks
from application.payments.payment_views import PaymentView
from application.payments.providers import FLOWS
from application.payments.refund_payment import (
    RefundPayment,
    RefundPaymentCommand,
    RefundPaymentResult,
)
from domain.payments.credit_packs import CreditPack
from domain.shared.roles import Role

blp = Blueprint("payments", __name__, description="Checkout, payments and refunds")


class CheckoutSchema(Schema):
    """What to buy: paid courses (``course_ids``) or one credit pack (``credit_pack``),
    exactly one of the two."""

    course_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                             load_default=None, validate=validate.Length(min=1, max=20),
                             metadata={"description": "the courses to buy; or credit_pack"})
    credit_pack = fields.String(load_default=None, validate=validate.Length(min=1, max=32),
                                metadata={"description": "the id of a credit pack on sale "
                                          "(GET /credit-packs); or course_ids",
                                          "example": "starter"})
    provider = fields.String(required=True, validate=validate.OneOf(sorted(FLOWS)),
                             metadata={"example": "sandbox"})
    flow = fields.String(load_default=None, validate=validate.OneOf(
        sorted({flow for flows in FLOWS.values() for flow in flows})))
    payment_method = fields.String(load_default=None, validate=validate.Length(max=100),
                                   metadata={"description": "sandbox only: a Stripe test "
                                             "payment method id such as pm_card_visa"})

    @validates_schema
    def courses_or_pack(self, data: dict[str, Any], **_: Any) -> None:
        if (data["course_ids"] is None) == (data["credit_pack"] is None):
            raise ValidationError("send either course_ids or credit_pack",
                                  field_name="credit_pack" if data["course_ids"] else
                                  "course_ids")


class CreditPackSchema(Schema):
    id = fields.String(metadata={"example": "plus"})
    title = fields.String(metadata={"example": "27.50 USD in credits"})
    price = fields.Nested(MoneySchema, metadata={"description": "what the pack costs"})
    credits = fields.Nested(MoneySchema, metadata={
        "description": "the credits it grants, in the price's currency (may be more than "
                       "the price)"})


class RateSchema(Schema):
    source_currency = fields.String()
    target_currency = fields.String()
    rate = fields.String(metadata={"description": "target units per source unit"})
    source = fields.String()
    fetched_at = fields.DateTime()


class PaymentSchema(Schema):
    payment_id = fields.String()
    order_id = fields.String()
    provider = fields.String()
    flow = fields.String()
    status = fields.String()
    amount = fields.Nested(MoneySchema, metadata={"description": "what the provider charges"})
    order_total = fields.Nested(MoneySchema, metadata={"description": "the courses' or the "
                                                       "credit pack's price"})
    refunded = fields.Nested(MoneySchema)
    client_secret = fields.String(allow_none=True, metadata={"description": "for Stripe.js"})
    redirect_url = fields.String(allow_none=True, metadata={"description": "hosted page"})
    expires_at = fields.DateTime(allow_none=True)
    exchange_rate = fields.Nested(RateSchema, allow_none=True)
    failure_reason = fields.String(allow_none=True)
    next_action = fields.Dict(allow_none=True, metadata={"description": "3-D Secure"})


class CheckoutResultSchema(PaymentSchema):
    reused = fields.Boolean(metadata={"description": "an open attempt was returned"})


class RefundRequestSchema(Schema):
    """A refund says what it refunds: an amount, or ``full`` (everything left), never
    neither: an empty body refunds nothing."""

    amount_minor = fields.Integer(load_default=None, strict=True,
                                  validate=validate.Range(min=1, max=MAX_AMOUNT_MINOR),
                                  metadata={"description": "what to refund, in minor units"})
    full = fields.Boolean(load_default=False, truthy={True}, falsy={False},
                          metadata={"description": "true: refund everything left"})
    reason = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def amount_or_full(self, data: dict[str, Any], **_: Any) -> None:
        if (data["amount_minor"] is None) == (not data["full"]):
            raise ValidationError("send either amount_minor or full: true",
                                  field_name="amount_minor")


class RefundSchema(Schema):
    refund_id = fields.String()
    payment_id = fields.String()
    amount = fields.Nested(MoneySchema)
    status = fields.String()


@blp.route("/checkout")
class CheckoutView(MethodView):
    @inject
    def __init__(self, checkout: Checkout) -> None:
        self.checkout = checkout

    @requires(Role.STUDENT)
    @idempotent
    @blp.arguments(CheckoutSchema)
    @blp.response(201, CheckoutResultSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @blp.alt_response(402, **problem_response("The provider declined: a test payment method "
                                              "it does not know, or an amount it cannot "
                                              "charge"))
    @blp.alt_response(403, **problem_response("Only students buy; an unconfirmed email "
                                              "address may not pay"))
    @blp.alt_response(404, **problem_response("A course is unknown or unpublished"))
    @blp.alt_response(409, **problem_response("Already enrolled, or a request with this "
                                              "Idempotency-Key is in flight"))
    @blp.alt_response(422, **problem_response("Invalid body (both or neither of course_ids "
                                              "and credit_pack), a credit pack not on sale, "
                                              "free course, no exchange rate, or an "
                                              "Idempotency-Key reused with another body"))
    @blp.alt_response(503, **problem_response("The payment provider is unavailable; retry"))
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Open the payment for one or more paid courses, or for one credit pack; the
        amount is computed here. A pack's credits are added once the payment succeeds."""
        result = self.checkout(CheckoutCommand(
            current_principal(), tuple(body["course_ids"] or ()), body["provider"],
            body["flow"], body["payment_method"], credit_pack=body["credit_pack"]))
        return {**vars(result.payment), "reused": result.reused}


@blp.route("/credit-packs")
class CreditPacks(MethodView):
    @inject
    def __init__(self, list_packs: ListCreditPacks) -> None:
        self.list_packs = list_packs

    @blp.response(200, CreditPackSchema(many=True))
    def get(self) -> list[CreditPack]:
        """The credit packs on sale, bought with POST /checkout and credit_pack."""
        return list(self.list_packs())  # a tuple would be Flask's (body, status, headers)


@blp.route("/payments/<string:payment_id>")
class PaymentDetail(MethodView):
    @inject
    def __init__(self, get_payment: GetPayment) -> None:
        self.get_payment = get_payment

    @requires()
    @blp.response(200, PaymentSchema)
    @blp.alt_response(404, **problem_response("No such payment of yours"))
    def get(self, payment_id: str) -> PaymentView:
        """A payment of the signed-in student (admins see all)."""
        return self.get_payment(current_principal(), payment_id)


@blp.route("/payments/<string:payment_id>/confirm")
class PaymentConfirmation(MethodView):
    @inject
    def __init__(self, confirm: ConfirmPayment) -> None:
        self.confirm = confirm

    @requires()
    @blp.response(200, PaymentSchema)
    @blp.alt_response(402, **problem_response("The provider declined the payment"))
    @blp.alt_response(404, **problem_response("No such payment of yours"))
    @blp.alt_response(409, **problem_response("The payment was never opened"))
    @blp.alt_response(503, **problem_response("The payment provider is unavailable; retry"))
    def post(self, payment_id: str) -> PaymentView:
        """The client finished paying: eduport asks the provider and settles. Answers
        requires_action with what Stripe.js needs for 3-D Secure."""
        return self.confirm(ConfirmPaymentCommand(payment_id, actor=current_principal()))


@blp.route("/admin/payments/<string:payment_id>/refunds")
class PaymentRefunds(MethodView):
    @inject
    def __init__(self, refund: RefundPayment) -> None:
        self.refund = refund

    @requires(Role.PLATFORM_ADMIN)
    @idempotent
    @blp.arguments(RefundRequestSchema)
    @blp.response(202, RefundSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @blp.alt_response(402, **problem_response("The provider refused the refund"))
    @blp.alt_response(404, **problem_response("No such payment"))
    @blp.alt_response(409, **problem_response("The payment is not refundable in its state"))
    @blp.alt_response(422, **problem_response("The amount exceeds what is left to refund"))
    @blp.alt_response(503, **problem_response("The payment provider is unavailable; retry"))
    def post(self, body: dict[str, Any], payment_id: str) -> RefundPaymentResult:
        """Refund all or part of a payment; the provider's refund event settles access."""
        # amount_minor None is "everything left" for the use case: only with full: true.
        return self.refund(RefundPaymentCommand(current_principal(), payment_id,
                                                body["amount_minor"], body["reason"]))
