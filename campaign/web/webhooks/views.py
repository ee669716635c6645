"""Mailgun webhooks (placeholder until the delivery-events module lands)."""

from __future__ import annotations

from flask import Blueprint

from campaign.extensions import csrf

bp = Blueprint("webhooks", __name__)
csrf.exempt(bp)
