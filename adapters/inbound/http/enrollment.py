"""Placeholder until the enrollment area lands."""

from flask_smorest import Blueprint

blp = Blueprint("enrollment", __name__)
