"""Schemas shared by every area."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from domain.shared.money import KNOWN_CURRENCIES

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemSchema(Schema):
    """An RFC 9457 problem document: every 4xx and 5xx answer of the API is one."""

    type = fields.String(required=True, metadata={
        "format": "uri", "description": "what kind of problem; stable, never translated",
        "example": "https://eduport.dev/problems/not-found"})
    title = fields.String(required=True, metadata={
        "description": "a short summary of the kind, in the request's Accept-Language"})
    status = fields.Integer(required=True, validate=validate.Range(min=400, max=599),
                            metadata={"description": "the HTTP status code, repeated"})
    detail = fields.String(metadata={"description": "what went wrong this time"})
    instance = fields.String(required=True, metadata={
        "format": "uri-reference", "description": "the path that was asked for"})
    request_id = fields.String(metadata={"description": "quote it when you report a problem "
                                                        "(the X-Request-ID header too)"})
    errors = fields.Dict(keys=fields.String(), metadata={
        "description": "per field of the request, what is wrong with it (validation failures)"})


# Keeps amounts inside a BIGINT and far above any real price.
MAX_AMOUNT_MINOR = 10**12


class MoneyInputSchema(Schema):
    """Money as a client sends it (a price): integer minor units and an upper-case ISO 4217
    code."""

    amount_minor = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=0, max=MAX_AMOUNT_MINOR))
    currency = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CURRENCIES)))


class MoneySchema(Schema):
    """Money on the wire: integer minor units (negative for a correction that takes credits
    away), the ISO 4217 code, and the same amount as a decimal string in the currency's
    exponent."""

    amount_minor = fields.Integer(required=True, strict=True)
    currency = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CURRENCIES)))
    formatted = fields.Function(
        lambda money: money.to_decimal_string(), required=True, metadata={
            "type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "example": "49.00",
            "description": "amount_minor in major units (\"49.00\" EUR, \"4900\" JPY): for "
                           "display, never for arithmetic"})


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def problem_response(description: str) -> dict[str, Any]:
    """Keyword arguments for ``blp.alt_response`` documenting a problem+json outcome."""
    return {"schema": ProblemSchema, "description": description,
            "content_type": PROBLEM_CONTENT_TYPE}


class StrictBoolean(fields.Boolean):
    """true or false in a JSON body, nothing else: 0, 1 and "yes" are refused (marshmallow's
    Boolean takes them, since 0 == False in Python)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
