"""Placeholder until the catalog area lands."""

from flask_smorest import Blueprint

blp = Blueprint("catalog", __name__)
