"""Authority pages (placeholder until the authorities module lands)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("authorities", __name__)


@bp.route("/")
def index():
    return "authorities"
