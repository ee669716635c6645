"""Sign-in with one answer for every failure, so the form reveals nothing about who has an
account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from campaign.extensions import limiter
from campaign.services.users import authenticate
from campaign.web.auth.forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "That email and password do not match an active account."
# Password guessing: a few tries a minute from one address, and per account across addresses.
PER_ADDRESS_LIMIT = "10 per minute;60 per hour"
PER_ACCOUNT_LIMIT = "20 per hour"


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS_LIMIT, methods=["POST"])
@limiter.limit(PER_ACCOUNT_LIMIT, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(SIGN_IN_FAILED, "error")
        return render_template("auth/login.html", form=form), 401
    if request.method == "POST":
        return render_template("auth/login.html", form=form), 400
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
