"""Top-level pages reached from the navigation bar."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for

from campaign.extensions import db
from campaign.models import Campaign, Request

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return redirect(url_for("campaigns.index"))


def _status_counts() -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        sa.select(Request.campaign_id, Request.status, sa.func.count()).group_by(
            Request.campaign_id, Request.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, n in rows:
        counts.setdefault(campaign_id, {})[status] = n
    return counts


@bp.route("/dashboards")
def dashboards():
    items = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template("main/dashboards.html", campaigns=items, counts=_status_counts())
