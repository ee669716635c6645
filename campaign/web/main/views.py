"""Top-level pages reached from the navigation bar."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for

from campaign.domain.vocabulary import MessageDirection
from campaign.extensions import db
from campaign.models import Campaign, Message, Request

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


@bp.route("/inbox")
def inbox():
    """Inbound mail that matched no request, waiting for a person to assign it."""
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.request_id.is_(None), Message.direction == MessageDirection.INBOUND.value)
        .order_by(Message.created_at.desc())
        .limit(500)
    ).all()
    return render_template("main/inbox.html", messages=messages)


@bp.route("/dashboards")
def dashboards():
    items = db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template("main/dashboards.html", campaigns=items, counts=_status_counts())
