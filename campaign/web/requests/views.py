"""Request pages: a campaign's requests, one request's thread and timeline, resending letters
that did not arrive, and the outbox of letters written to disk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from campaign.domain.vocabulary import MessageSource
from campaign.services import requests as service
from campaign.services import team
from campaign.services.campaigns import get_campaign
from campaign.services.deadlines import overdue_requests, today_in_london
from campaign.services.ingest import document_as_email, max_inbound_bytes, store_inbound
from campaign.services.statuses import resume_automatic_status, set_status_by_hand
from campaign.web.inbox.forms import RetryForm
from campaign.web.messages.views import message_view
from campaign.web.requests.forms import ResendAllForm, ResendForm, StatusForm, UploadReplyForm
from campaign.web.team.views import ButtonForm as TeamForm

bp = Blueprint("requests", __name__)


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("/campaigns/<slug>/requests")
def campaign_requests(slug: str):
    """Every request of a campaign; the ones that need a person come first."""
    campaign = get_campaign(slug) or abort(404)
    assigned_value, assigned = team.assignee_filter(
        request.args.get("assigned", ""), current_user.id
    )
    listing = service.campaign_requests(
        campaign,
        status=request.args.get("status", ""),
        sort=request.args.get("sort", "authority"),
        page=_page_number(),
        assigned=assigned,
    )
    return render_template(
        "requests/index.html",
        campaign=campaign,
        listing=listing,
        assigned=assigned_value,
        members=team.team_members(),
        team_form=TeamForm(),
        resend_form=ResendForm(back="list"),
        resend_all_form=ResendAllForm(),
        status_label=service.status_label,
    )


@bp.route("/campaigns/<slug>/overdue")
def overdue(slug: str):
    """Requests past their due date (and reviews past theirs), the latest first."""
    campaign = get_campaign(slug) or abort(404)
    return render_template(
        "requests/overdue.html",
        campaign=campaign,
        rows=overdue_requests(campaign),
        today=today_in_london(),
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
    thread = service.request_thread(foi_request)
    return render_template(
        "requests/show.html",
        thread=thread,
        notes=team.notes_of(foi_request),
        members=team.team_members(),
        team_form=TeamForm(),
        views=[message_view(m) for m in thread.messages],
        resend_form=ResendForm(),
        upload_form=UploadReplyForm(),
        status_form=StatusForm(status=foi_request.status),
        retry_form=RetryForm(),
        status_label=service.status_label,
    )


@bp.route("/requests/<request_id>/upload", methods=["POST"])
def upload(request_id: str):
    """A reply that came another way (an .eml, or a PDF posted by hand), filed here."""
    foi_request = service.get_request(request_id) or abort(404)
    form = UploadReplyForm()
    if not form.validate_on_submit():
        flash("Choose a file to add.", "error")
        return redirect(url_for("requests.show", request_id=foi_request.id))
    upload = form.file.data
    data = upload.read(max_inbound_bytes() + 1)
    filename = upload.filename or "document"
    if not data:
        flash(f"{filename} is empty: nothing was added.", "error")
        return redirect(url_for("requests.show", request_id=foi_request.id))
    is_email = filename.lower().endswith(".eml") or upload.mimetype == "message/rfc822"
    raw = (
        data
        if is_email
        else document_as_email(
            foi_request, filename, upload.mimetype or "", data, current_user.email
        )
    )
    stored = store_inbound(raw, MessageSource.UPLOAD, request=foi_request, user_id=current_user.id)
    if not stored.ok:
        flash(f"{filename} was not added: {stored.error}.", "error")
    elif stored.duplicate:
        flash(f"{filename} was added before: it is already in a thread.", "warning")
    else:
        flash(f"{filename} was added to this request and read.", "success")
    anchor = f"message-{stored.message_id}" if stored.message_id else None
    return redirect(url_for("requests.show", request_id=foi_request.id, _anchor=anchor))


@bp.route("/requests/<request_id>/status", methods=["POST"])
def set_status(request_id: str):
    """A person sets the status by hand, or hands it back to the replies."""
    foi_request = service.get_request(request_id) or abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        if form.status.data == "automatic":
            resume_automatic_status(foi_request, current_user.id)
            flash("Replies will set the status again from the next one on.", "success")
        else:
            set_status_by_hand(foi_request, form.status.data, current_user.id, form.reason.data)
            flash("Status set by hand: replies will suggest changes, not make them.", "success")
    else:
        flash("Choose one of the listed statuses.", "error")
    return redirect(url_for("requests.show", request_id=foi_request.id))


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
