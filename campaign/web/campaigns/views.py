"""Campaign pages: the list, the letter editor, targets, per-authority preview, launch, progress."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from campaign.models import Campaign
from campaign.services import campaigns as service
from campaign.services.launch import LaunchResult, campaign_progress, launch_campaign
from campaign.web.campaigns.forms import CampaignForm, LaunchForm, TargetsForm

bp = Blueprint("campaigns", __name__)

LIVE_EDIT_NOTE = (
    "Requests already sent keep the text they were sent with; "
    "this version applies to requests not yet sent."
)


def _require_editor() -> None:
    """Form pages are for editors and owners; the app already refuses a viewer's POST."""
    if not current_user.can_edit:
        abort(403)


def _campaign(slug: str) -> Campaign:
    return service.get_campaign(slug) or abort(404)


def _mail_domain() -> str:
    return current_app.config["MAIL_DOMAIN"]


def _status(form_posted: bool) -> int:
    """A refused form answers 400, so scripts and tests can tell it from a page view."""
    return 400 if form_posted else 200


@bp.route("/")
def index():
    return render_template(
        "campaigns/index.html",
        campaigns=service.list_campaigns(),
        counts=service.request_counts(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    _require_editor()
    if request.method == "POST":
        form = CampaignForm()
    else:
        form = CampaignForm.for_draft(service.new_draft())
    if form.validate_on_submit():
        saved = service.create_campaign(form.to_draft(), current_user.id)
        if saved.ok and saved.campaign is not None:
            flash(f"Created “{saved.campaign.title}”. Next, choose who it goes to.", "success")
            _warn_if_broken(saved.campaign)
            return redirect(url_for("campaigns.targets", slug=saved.campaign.slug))
        form.show_problems(saved.problems)
    return render_template(
        "campaigns/form.html",
        form=form,
        campaign=None,
        check=_check_of(form),
        placeholders=service.PLACEHOLDER_HELP,
    ), _status(request.method == "POST")


@bp.route("/<slug>")
def show(slug: str):
    return _show(_campaign(slug))


def _show(campaign: Campaign, result: LaunchResult | None = None) -> str:
    """The campaign page; after a launch it also reports what the launch did."""
    progress = campaign_progress(campaign) if service.is_live(campaign) else None
    targets = service.select_targets(campaign)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        targets=targets,
        unsent=service.not_yet_requested(campaign, targets.with_email),
        check=service.review_letter(campaign),
        progress=progress,
        result=result,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    _require_editor()
    campaign = _campaign(slug)
    form = CampaignForm() if request.method == "POST" else CampaignForm.for_campaign(campaign)
    if form.validate_on_submit():
        saved = service.update_campaign(campaign, form.to_draft(), current_user.id)
        if saved.ok and saved.campaign is not None:
            if saved.new_version:
                flash(f"Saved as letter version {saved.new_version}. {LIVE_EDIT_NOTE}", "success")
            else:
                flash("Saved.", "success")
            _warn_if_broken(saved.campaign)
            return redirect(url_for("campaigns.show", slug=saved.campaign.slug))
        form.show_problems(saved.problems)
        campaign = service.get_campaign(slug) or abort(404)
    return render_template(
        "campaigns/form.html",
        form=form,
        campaign=campaign,
        check=_check_of(form),
        live_note=LIVE_EDIT_NOTE,
        placeholders=service.PLACEHOLDER_HELP,
    ), _status(request.method == "POST")


def _warn_if_broken(campaign: Campaign) -> None:
    """A draft may be saved with letter errors (work is never lost), but it is said at once."""
    if service.review_letter(campaign).errors:
        flash("The letter has errors: it cannot be launched until they are fixed.", "warning")


def _check_of(form: CampaignForm):
    """Errors and warnings of the letter as typed in the form (stored or not)."""
    draft = form.to_draft()
    return service.review_letter_text(
        draft.subject_template,
        draft.body_template,
        draft.questions,
        draft.law_override,
        draft.title,
    )


@bp.route("/<slug>/targets", methods=["GET", "POST"])
def targets(slug: str):
    campaign = _campaign(slug)
    stored = service.target_filter_of(campaign)
    form = TargetsForm() if request.method == "POST" else TargetsForm.for_targets(stored)
    form.set_choices(service.filter_options(), stored)
    matches = service.NameMatches()
    valid = form.validate_on_submit()
    if valid and form.submit.data:
        matches = service.match_authorities(form.names.data or "")
        saved = form.to_filter([a.id for a in matches.authorities])
        found = service.set_targets(campaign, saved, current_user.id)
        flash(
            f"Saved. {found.total:,} target authorities: {len(found.with_email):,} will be sent "
            f"the request, {len(found.without_email):,} have no FOI email address.",
            "success",
        )
        if not matches.unmatched:
            return redirect(url_for("campaigns.targets", slug=campaign.slug))
        # Keep the lines that found nobody, so they can be corrected and saved again.
        form.names.data = _lines(matches.unmatched)
        form.authority_ids.data = list(saved.authority_ids)
    picked_ids = list(dict.fromkeys(form.authority_ids.data or []))
    searched = valid and bool(form.search.data)
    return render_template(
        "campaigns/targets.html",
        campaign=campaign,
        form=form,
        targets=service.select_targets(campaign),
        picked=service.authorities_by_id(picked_ids),
        search_results=service.search_authorities(form.q.data or "") if searched else [],
        searched=searched,
        unmatched=matches.unmatched,
    ), _status(request.method == "POST" and not valid)


def _lines(unmatched: list[tuple[str, str]]) -> str:
    return "\n".join(line for line, _reason in unmatched if line)


@bp.route("/<slug>/preview")
def preview(slug: str):
    campaign = _campaign(slug)
    targets = service.select_targets(campaign)
    choices = targets.with_email + targets.without_email or service.list_authorities()
    raw_id = request.args.get("authority", "").strip()
    if raw_id:
        authority = service.get_authority(service.parse_id(raw_id)) or abort(404)
    else:
        authority = choices[0] if choices else None
    if authority is not None and authority not in choices:
        choices = [authority, *choices]
    return render_template(
        "campaigns/preview.html",
        campaign=campaign,
        choices=sorted(choices, key=lambda a: a.name),
        target_ids={a.id for a in targets.with_email + targets.without_email},
        preview=(
            service.preview_letter(campaign, authority, _mail_domain()) if authority else None
        ),
        check=service.review_letter(campaign),
    )


@bp.route("/<slug>/launch", methods=["GET", "POST"])
def launch(slug: str):
    _require_editor()
    campaign = _campaign(slug)
    plan = service.launch_plan(campaign, _mail_domain())
    form = LaunchForm()
    if form.validate_on_submit() and plan.ok:
        result = launch_campaign(campaign, current_user.id)
        return _show(service.get_campaign(slug) or campaign, result=result)
    return render_template(
        "campaigns/launch.html", campaign=campaign, plan=plan, form=form
    ), _status(request.method == "POST")


@bp.route("/<slug>/progress.json")
def progress(slug: str):
    """The counts behind the progress bar, polled by static/campaign-progress.js."""
    return jsonify(campaign_progress(_campaign(slug)))
