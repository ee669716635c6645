"""Team work on a campaign: assigning requests, private notes, and the activity feed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from campaign.extensions import db
from campaign.models import RequestNote
from campaign.services import team
from campaign.services.campaigns import get_campaign
from campaign.services.requests import get_request, list_filters

bp = Blueprint("team", __name__)


class ButtonForm(FlaskForm):
    """The CSRF token is the whole form; the fields are read from request.form and checked."""


def _checked_form() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400, "The form had expired; reload the page and try again.")


def _assignee_from_form() -> team.User | None:
    raw = request.form.get("assignee", "").strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(400, "Choose someone from the team.")
    try:
        return team.member(int(raw))
    except team.TeamError as error:
        abort(400, str(error))


@bp.route("/requests/<request_id>/assign", methods=["POST"])
def assign(request_id: str):
    foi_request = get_request(request_id) or abort(404)
    _checked_form()
    assignee = _assignee_from_form()
    if team.assign(foi_request, assignee, current_user.id):
        db.session.commit()
        flash(
            f"Assigned to {assignee.name or assignee.email}." if assignee else "Unassigned.", "info"
        )
    return redirect(url_for("requests.show", request_id=foi_request.id))


@bp.route("/campaigns/<slug>/requests/assign", methods=["POST"])
def assign_filtered(slug: str):
    """Assign every request the list's filters show (status, assigned to), on every page."""
    campaign = get_campaign(slug) or abort(404)
    _checked_form()
    assignee = _assignee_from_form()
    status = request.form.get("status", "")
    assigned_value, assigned = team.assignee_filter(
        request.form.get("assigned", ""), current_user.id
    )
    changed = team.assign_matching(
        campaign, list_filters(campaign, status, assigned), assignee, current_user.id
    )
    db.session.commit()
    who = (assignee.name or assignee.email) if assignee else "nobody"
    flash(f"{changed} request{'s' if changed != 1 else ''} assigned to {who}.", "info")
    return redirect(
        url_for(
            "requests.campaign_requests",
            slug=campaign.slug,
            status=status or None,
            assigned=assigned_value or None,
        )
    )


@bp.route("/requests/<request_id>/notes", methods=["POST"])
def add_note(request_id: str):
    foi_request = get_request(request_id) or abort(404)
    _checked_form()
    try:
        team.add_note(foi_request, request.form.get("body", ""), current_user.id)
    except team.TeamError as error:
        flash(str(error), "error")
        return redirect(url_for("requests.show", request_id=foi_request.id, _anchor="notes-title"))
    db.session.commit()
    flash("Note added.", "info")
    return redirect(url_for("requests.show", request_id=foi_request.id, _anchor="notes-title"))


@bp.route("/requests/<request_id>/notes/<int:note_id>/delete", methods=["POST"])
def delete_note(request_id: str, note_id: int):
    foi_request = get_request(request_id) or abort(404)
    note = db.session.get(RequestNote, note_id)
    if note is None or note.request_id != foi_request.id:
        abort(404)
    _checked_form()
    try:
        team.delete_note(note, current_user)
    except team.TeamError as error:
        abort(403, str(error))
    db.session.commit()
    flash("Note deleted.", "info")
    return redirect(url_for("requests.show", request_id=foi_request.id, _anchor="notes-title"))


@bp.route("/campaigns/<slug>/activity")
def activity(slug: str):
    campaign = get_campaign(slug) or abort(404)
    page = request.args.get("page", 1, type=int) or 1
    feed = team.campaign_activity(campaign, page=page, kind=request.args.get("kind", ""))
    return render_template("team/activity.html", campaign=campaign, feed=feed)
