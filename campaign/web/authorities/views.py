"""Authority pages: the filtered list, one body and its history, its edit form, CSV import."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.services.authorities import (
    AuthorityFilters,
    authority_types,
    find_authorities,
    get_authority,
    import_authorities,
    tag_names,
    update_authority,
)
from campaign.services.league import authority_history, summarise_history
from campaign.web.authorities.forms import AuthorityForm, FilterForm, ImportForm, any_or

bp = Blueprint("authorities", __name__)

FILTER_ARGS = ("q", "nation", "type", "email", "tag")


def _require_editor() -> None:
    """Viewers may read the list; the app refuses their POSTs, and these pages are only forms."""
    if not current_user.can_edit:
        abort(403)


@bp.route("/")
def index():
    """Every body, filtered from the query string so a filtered list can be bookmarked."""
    form = FilterForm(formdata=request.args)
    form.authority_type.choices = any_or(authority_types(), "Any type")
    form.tag.choices = any_or(tag_names(), "Any tag")
    filters = AuthorityFilters(
        search=form.q.data or "",
        nation=form.nation.data or "",
        authority_type=form.authority_type.data or "",
        has_email=form.email.data or "",
        tag=form.tag.data or "",
    )
    page = find_authorities(filters, page=request.args.get("page", 1, type=int))
    kept = {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}
    return render_template("authorities/index.html", form=form, page=page, kept=kept)


@bp.route("/<int:authority_id>")
def show(authority_id: int):
    """One body's details and every request it received, in any campaign."""
    authority = get_authority(authority_id) or abort(404)
    history = authority_history(authority)
    return render_template(
        "authorities/show.html",
        authority=authority,
        history=history,
        summary=summarise_history(history),
    )


@bp.route("/<int:authority_id>/edit", methods=["GET", "POST"])
def edit(authority_id: int):
    """Edit where requests go and under which law; load-uk never overwrites those two."""
    _require_editor()
    authority = get_authority(authority_id) or abort(404)
    form = AuthorityForm(
        data={
            "foi_email": authority.foi_email or "",
            "law": authority.law,
            "authority_type": authority.authority_type,
            "tags": ", ".join(authority.tag_names),
        }
    )
    if form.validate_on_submit():
        changed = update_authority(
            authority,
            foi_email=form.foi_email.data or None,
            law=form.law.data,
            authority_type=" ".join((form.authority_type.data or "").split()),
            tags=form.tag_list,
            user_id=current_user.id,
        )
        flash(f"Saved {authority.name}." if changed else "Nothing changed.", "success")
        return redirect(url_for("authorities.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("authorities/edit.html", form=form, authority=authority), status


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Upload a CSV; "Check without saving" previews, "Import" writes all rows or none."""
    _require_editor()
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("authorities/import.html", form=form, outcome=None), status
    upload = form.file.data
    outcome = import_authorities(
        upload.read(),
        filename=upload.filename or "upload.csv",
        encoding=form.encoding.data,
        skip_invalid=form.skip_invalid.data,
        dry_run=form.preview.data,
        user_id=current_user.id,
        max_rows=current_app.config["AUTHORITY_IMPORT_MAX_ROWS"],
    )
    status = 400 if outcome.blocked and not outcome.dry_run else 200
    return render_template("authorities/import.html", form=form, outcome=outcome), status
