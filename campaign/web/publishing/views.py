"""The owner's side of publishing: publish or unpublish, methodology, redaction names, preview."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.services import publishing as service
from campaign.services.campaigns import get_campaign
from campaign.web.publishing.forms import PublishForm, PublishingForm, UnpublishForm

bp = Blueprint("publishing", __name__)


def _owned_campaign(slug: str):
    """The campaign, for owners only: a public page speaks for the whole team."""
    campaign = get_campaign(slug) or abort(404)
    if not service.may_publish(current_user):
        abort(403)
    return campaign


@bp.route("/campaigns/<slug>/publish", methods=["GET", "POST"])
def settings(slug: str):
    """The methodology note, the names to remove, the preview link and the publish switch."""
    campaign = _owned_campaign(slug)
    form = PublishingForm()
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="The form was incomplete: reload the page and try again.")
        saved = service.save_settings(
            campaign,
            form.methodology.data or "",
            form.redaction_terms.data or "",
            user_id=current_user.id,
        )
        if saved.ok:
            flash("Saved. The public page uses the new note and names at once.", "success")
            return redirect(url_for("publishing.settings", slug=campaign.slug))
        problems = saved.by_field
    else:
        form.methodology.data = campaign.methodology
        form.redaction_terms.data = campaign.redaction_terms
    return render_template(
        "publishing/settings.html",
        campaign=campaign,
        form=form,
        problems=problems,
        publish_form=PublishForm(),
        unpublish_form=UnpublishForm(),
    ), (400 if problems else 200)


@bp.route("/campaigns/<slug>/publish/on", methods=["POST"])
def publish(slug: str):
    campaign = _owned_campaign(slug)
    if not PublishForm().validate_on_submit():
        abort(400, description="The form was incomplete: reload the page and try again.")
    if service.publish(campaign, user_id=current_user.id):
        flash("Published: anyone with the address can now read the public page.", "success")
    return redirect(url_for("publishing.settings", slug=campaign.slug))


@bp.route("/campaigns/<slug>/publish/off", methods=["POST"])
def unpublish(slug: str):
    campaign = _owned_campaign(slug)
    if not UnpublishForm().validate_on_submit():
        abort(400, description="The form was incomplete: reload the page and try again.")
    if service.unpublish(campaign, user_id=current_user.id):
        flash("Unpublished: the public page and its embeds now answer “not found”.", "success")
    return redirect(url_for("publishing.settings", slug=campaign.slug))
