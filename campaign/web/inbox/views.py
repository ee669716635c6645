"""Inbox pages: list what needs a person, show one message, assign it, upload mail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.domain.vocabulary import MessageSource, ProcessingState
from campaign.services import inbox as service
from campaign.services.ingest import max_inbound_bytes, store_inbound
from campaign.services.replies import assign_message, retry_message
from campaign.web.inbox.forms import AssignForm, RetryForm, UploadMailForm
from campaign.web.messages.views import message_view

bp = Blueprint("inbox", __name__)


@bp.route("")
def index():
    """Unmatched and held replies, and messages whose processing failed."""
    page = service.inbox_page(
        request.args.get("folder", "waiting"), request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "inbox/index.html", page=page, folders=service.FOLDERS, upload_form=UploadMailForm()
    )


@bp.route("/<message_id>")
def show(message_id: str):
    """One inbound message, with a search for the request it belongs to."""
    message = service.get_inbound_message(message_id) or abort(404)
    query = request.args.get("q", "").strip()
    results = service.find_requests(query) if query else []
    return render_template(
        "inbox/show.html",
        message=message,
        view=message_view(message),
        query=query,
        results=results,
        assign_form=AssignForm(),
        retry_form=RetryForm(),
    )


@bp.route("/<message_id>/assign", methods=["POST"])
def assign(message_id: str):
    message = service.get_inbound_message(message_id) or abort(404)
    form = AssignForm()
    if not form.validate_on_submit():
        flash("Choose the request this message belongs to.", "error")
        return redirect(url_for("inbox.show", message_id=message.id))
    target = service.get_request(form.request_id.data)
    if target is None:
        flash("That request does not exist any more.", "error")
        return redirect(url_for("inbox.show", message_id=message.id))
    if message.request_id is not None:
        flash("This message is already filed on a request.", "warning")
        return redirect(url_for("requests.show", request_id=message.request_id))
    assign_message(message, target, current_user.id, bool(form.learn_sender.data))
    learned = (
        f" Mail from {message.from_address} will now match {target.authority.name}."
        if form.learn_sender.data and message.from_address
        else ""
    )
    flash(f"Filed on the request to {target.authority.name}.{learned}", "success")
    return redirect(url_for("requests.show", request_id=target.id))


@bp.route("/upload", methods=["POST"])
def upload():
    """An .eml saved from a mail program; it is matched like a reply that came by webhook."""
    form = UploadMailForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("inbox.index"))
    raw = form.file.data.read(max_inbound_bytes() + 1)
    stored = store_inbound(raw, MessageSource.UPLOAD)
    if not stored.ok:
        flash(f"Not stored: {stored.error}.", "error")
        return redirect(url_for("inbox.index"))
    return redirect(_where_it_went(stored.message_id, stored.duplicate))


@bp.route("/<message_id>/retry", methods=["POST"])
def retry(message_id: str):
    message = service.get_inbound_message(message_id) or abort(404)
    if RetryForm().validate_on_submit():
        if message.processing_state == ProcessingState.PROCESSED.value:
            flash("This message was processed already.", "warning")
        else:
            retry_message(message)
            flash("The message was read again.", "success")
    return redirect(_where_it_went(message.id, False))


def _where_it_went(message_pk: int, duplicate: bool) -> str:
    message = service.get_inbound_message(message_pk)
    if duplicate:
        flash("That email was stored before; here it is.", "warning")
    elif message.processing_state == ProcessingState.FAILED.value:
        flash("Stored, but reading it failed; the error is shown below.", "error")
    elif message.request_id is not None:
        flash(f"Stored and filed on the request to {message.request.authority.name}.", "success")
    else:
        flash("Stored; it waits here until it is assigned to a request.", "success")
    if message.request_id is not None:
        return url_for(
            "requests.show", request_id=message.request_id, _anchor=f"message-{message.id}"
        )
    return url_for("inbox.show", message_id=message.id)
