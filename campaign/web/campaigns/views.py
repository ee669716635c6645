"""Campaign pages (placeholder until the authoring module lands)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from campaign.extensions import db
from campaign.models import Campaign

bp = Blueprint("campaigns", __name__)


@bp.route("/")
def index():
    items = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template("campaigns/index.html", campaigns=items, counts={})
