"""Notifications in the app, each user's choices per campaign, and the one-click unsubscribe."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from campaign.extensions import csrf, db
from campaign.models import Campaign
from campaign.models.notification import NotifyMode
from campaign.services import notifications as service

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

MODE_LABELS = {
    NotifyMode.OFF.value: "Off",
    NotifyMode.IMMEDIATE.value: "Email at once",
    NotifyMode.DAILY.value: "Daily digest",
}


class ButtonForm(FlaskForm):
    """A button: its CSRF token is the whole form."""


@bp.route("")
def index():
    items = service.notifications_of(current_user.id)
    return render_template("notifications/index.html", items=items, form=ButtonForm())


@bp.route("/read", methods=["POST"])
def read():
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400, "The form had expired; reload the page and try again.")
    raw = request.form.getlist("id")
    if raw and not all(value.isdigit() and len(value) < 12 for value in raw):
        abort(400, "Notification ids are whole numbers.")
    service.mark_read(current_user.id, [int(value) for value in raw] if raw else None)
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.title)).all()
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "The form had expired; reload the page and try again.")
        choices = {"default": None} | {f"campaign-{c.id}": c.id for c in campaigns}
        for field, campaign_id in choices.items():
            value = request.form.get(field)
            if value is None:
                continue
            if value not in MODE_LABELS:
                abort(400, f"Choose one of: {', '.join(MODE_LABELS)}.")
            service.set_mode(current_user.id, campaign_id, value)
        db.session.commit()
        flash("Notification choices saved.", "info")
        return redirect(url_for("notifications.settings"))
    modes = service.modes_of(current_user.id)
    return render_template(
        "notifications/settings.html",
        campaigns=campaigns,
        default=service.mode_for(modes, None).value,
        chosen={c.id: service.mode_for(modes, c.id).value for c in campaigns},
        labels=MODE_LABELS,
        form=form,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks (link scanners follow links); POST does it, also as RFC 8058's one-click."""
    found = service.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, campaign_id = found
    campaign = db.session.get(Campaign, campaign_id) if campaign_id is not None else None
    if campaign_id is not None and campaign is None:
        abort(404)
    if request.method == "POST":
        if campaign is None:
            service.unsubscribe_everything(user_id)
        else:
            service.set_mode(user_id, campaign.id, NotifyMode.OFF)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", campaign=campaign, done=True)
    return render_template("notifications/unsubscribed.html", campaign=campaign, done=False)
