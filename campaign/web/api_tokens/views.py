"""Personal API tokens: create (shown once), list and revoke, for the signed-in user."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from campaign.services import api_tokens as service
from campaign.web.api_tokens.forms import NewTokenForm, RevokeForm

bp = Blueprint("api_tokens", __name__)


def _page(form: NewTokenForm, new: service.NewToken | None = None, status: int = 200):
    problems = (new.problems or {}) if new is not None else {}
    html = render_template(
        "api_tokens/index.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=service.tokens_of(current_user),
        scopes=service.allowed_scopes(current_user),
        new=new if new is not None and new.ok else None,
        problems=problems,
    )
    response = Response(html, status=status)
    # The one page that shows a token in full: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/api-tokens")
def index():
    """The user's working tokens, and a form to make another."""
    return _page(NewTokenForm())


@bp.post("/account/api-tokens")
def create():
    """Make a token and show it, this once, on the page the POST returns (never redirected
    through the session, so it exists nowhere else)."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, service.NewToken(problems={"form": "The form expired: try again."}), 400)
    new = service.create_token(current_user, form.name.data or "", form.scope.data or "")
    if not new.ok:
        return _page(form, new, 400)
    return _page(NewTokenForm(formdata=None), new)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    if RevokeForm().validate_on_submit():
        token = service.revoke_token(current_user, token_id)
        if token is None:
            flash("That token is not one of yours, or was revoked already.", "error")
        else:
            flash(f"Token “{token.name}” revoked: it no longer works.", "success")
    return redirect(url_for("api_tokens.index"))
