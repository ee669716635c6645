"""Settings as the app runs with them, and how its mail routes are doing (IMAP polling)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from campaign.services.mailbox_poll import imap_settings, mailbox_status

bp = Blueprint("settings", __name__)


class PollNowForm(FlaskForm):
    """A button: its CSRF token is the whole form."""


@bp.route("/settings/mail")
def mail():
    settings = imap_settings()
    return render_template(
        "settings/mail.html",
        imap=settings,
        status=mailbox_status(settings),
        webhook_ready=bool(current_app.config.get("MAILGUN_WEBHOOK_SIGNING_KEY")),
        form=PollNowForm(),
    )


@bp.route("/settings/mail/poll", methods=["POST"])
def poll_now():
    form = PollNowForm()
    if not form.validate_on_submit():
        flash("The form had expired; nothing was done. Try again.", "error")
        return redirect(url_for("settings.mail"))
    if imap_settings() is None:
        flash("No mailbox is set up: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD.", "error")
        return redirect(url_for("settings.mail"))
    from campaign.tasks import poll_mailbox_now_task

    poll_mailbox_now_task()
    flash("The mailbox will be read now; its status below updates when it is done.", "info")
    return redirect(url_for("settings.mail"))
