"""Schemas shared by every area."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, validate

from domain.shared.money import KNOWN_CURRENCIES


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String()
    errors = fields.Dict()


# Keeps amounts inside a BIGINT and far above any real price.
MAX_AMOUNT_MINOR = 10**12


class MoneySchema(Schema):
    """Money on the wire: integer minor units and an upper-case ISO 4217 code."""

    amount_minor = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=0, max=MAX_AMOUNT_MINOR))
    currency = fields.String(required=True, validate=validate.OneOf(sorted(KNOWN_CURRENCIES)))

    @post_dump(pass_original=True)
    def add_decimal(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        data["formatted"] = original.to_decimal_string()
        return data


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def problem_response(description: str) -> dict[str, Any]:
    """Keyword arguments for ``blp.alt_response`` documenting a problem+json outcome."""
    return {"schema": ProblemSchema, "description": description,
            "content_type": "application/problem+json"}
