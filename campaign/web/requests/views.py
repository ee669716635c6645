"""Request pages: a campaign's requests, one request's thread and timeline, resending letters
that did not arrive, and the outbox of letters written to disk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from campaign.services import requests as service
from campaign.services.campaigns import get_campaign
from campaign.web.requests.forms import ResendAllForm, ResendForm

bp = Blueprint("requests", __name__)


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("/campaigns/<slug>/requests")
def campaign_requests(slug: str):
    """Every request of a campaign; the ones that need a person come first."""
    campaign = get_campaign(slug) or abort(404)
    listing = service.campaign_requests(
        campaign,
        status=request.args.get("status", ""),
        sort=request.args.get("sort", "authority"),
        page=_page_number(),
    )
    return render_template(
        "requests/index.html",
        campaign=campaign,
        listing=listing,
        resend_form=ResendForm(back="list"),
        resend_all_form=ResendAllForm(),
        status_label=service.status_label,
    )


@bp.route("/campaigns/<slug>/requests/resend-failed", methods=["POST"])
def resend_all(slug: str):
    """Resend every failed letter whose authority has an address now."""
    campaign = get_campaign(slug) or abort(404)
    if ResendAllForm().validate_on_submit():
        result = service.resend_failed(campaign, current_user.id)
        flash(result.message, "success" if result.resent else "warning")
    return redirect(url_for("requests.campaign_requests", slug=campaign.slug))


@bp.route("/requests/<request_id>")
def show(request_id: str):
    """One request: the facts, the letters in and out, and the timeline."""
    foi_request = service.get_request(request_id) or abort(404)
    return render_template(
        "requests/show.html",
        thread=service.request_thread(foi_request),
        resend_form=ResendForm(),
        status_label=service.status_label,
    )


@bp.route("/requests/<request_id>/resend", methods=["POST"])
def resend(request_id: str):
    """Resend a letter that did not arrive, to the authority's current FOI email address."""
    foi_request = service.get_request(request_id) or abort(404)
    form = ResendForm()
    slug, pk = foi_request.campaign.slug, foi_request.id
    if form.validate_on_submit():
        result = service.resend_request(foi_request, current_user.id)
        flash(result.message, "success" if result.ok else "error")
    if form.returns_to_list:
        return redirect(url_for("requests.campaign_requests", slug=slug))
    return redirect(url_for("requests.show", request_id=pk))


@bp.route("/outbox")
def outbox():
    """Letters sent, newest first: with the outbox transport, what would have been emailed."""
    page = service.outbox_letters(request.args.get("campaign", ""), _page_number())
    if page is None:
        abort(404)
    return render_template("outbox/index.html", page=page, campaigns=service.outbox_campaigns())


@bp.route("/outbox/<message_id>")
def outbox_letter(message_id: str):
    """One letter with its headers and text, as the .eml file holds them."""
    message = service.get_outbound_message(message_id) or abort(404)
    return render_template("outbox/show.html", letter=service.read_outbox_letter(message))


@bp.route("/outbox/<message_id>.eml")
def outbox_eml(message_id: str):
    """The exact .eml file; its name comes from the stored Message-Id, never from the URL."""
    message = service.get_outbound_message(message_id) or abort(404)
    path = service.outbox_path(message) or abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=path.name)
