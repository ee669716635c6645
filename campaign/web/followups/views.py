"""Follow-up pages: chase late requests in bulk, the escalation ladder, internal reviews in bulk
and one by one, review outcomes, and complaint drafts for the regulator.

Views only read the form and call one service; every rule (who may be chased, the rung gate,
rendering in the sandbox) lives in services/followups.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.domain.followups import (
    FOLLOW_UP_PLACEHOLDER_HELP,
    FollowUpKind,
    default_templates,
)
from campaign.models import Campaign, Request
from campaign.services import followups as service
from campaign.services.campaigns import get_campaign
from campaign.services.requests import get_request, status_label
from campaign.web.followups.forms import (
    EscalatedForm,
    GroundsForm,
    LadderForm,
    OneFollowUpForm,
    OutcomeForm,
    QueueForm,
    ReviewsForm,
    TemplatesForm,
)

bp = Blueprint("followups", __name__)
SHOWN_SKIPS = 20


@bp.app_context_processor
def ladder_helpers() -> dict:
    """`ladder_summary_for(campaign)` in every template, for the campaign page's summary."""
    return {"ladder_summary_for": service.ladder_summary}


def _campaign(slug: str) -> Campaign:
    return get_campaign(slug) or abort(404)


def _request(request_id: str) -> Request:
    return get_request(request_id) or abort(404)


def _flash_result(result: service.QueueResult, noun: str) -> None:
    flash(result.summary(noun), "success" if result.queued else "warning")
    for name, reason in result.skipped[:SHOWN_SKIPS]:
        flash(f"Skipped {name}: {reason}.", "warning")
    if len(result.skipped) > SHOWN_SKIPS:
        flash(f"… and {len(result.skipped) - SHOWN_SKIPS} more skipped.", "warning")


# --- The campaign's follow-ups ------------------------------------------------------------------


@bp.route("/campaigns/<slug>/follow-ups")
def index(slug: str):
    """The ladder, the templates, and the requests waiting for a review or a complaint."""
    campaign = _campaign(slug)
    return _index_page(campaign)


def _index_page(campaign: Campaign, ladder_form=None, template_forms=None, status: int = 200):
    forms = template_forms or {}
    for kind in FollowUpKind:
        if kind not in forms:
            own = (
                (campaign.chaser_subject_template, campaign.chaser_body_template)
                if kind is FollowUpKind.CHASER
                else (campaign.review_subject_template, campaign.review_body_template)
            )
            forms[kind] = TemplatesForm(formdata=None, kind=kind.value, subject=own[0], body=own[1])
    return render_template(
        "followups/index.html",
        campaign=campaign,
        ladder=service.ladder_summary(campaign),
        ladder_form=ladder_form
        or LadderForm(
            formdata=None,
            enabled=campaign.ladder_enabled,
            first_after=campaign.ladder_first_after,
            second_after=campaign.ladder_second_after,
        ),
        template_forms=forms,
        defaults={kind: default_templates(kind) for kind in FollowUpKind},
        problems={kind: service.template_problems(campaign, kind) for kind in FollowUpKind},
        escalations=service.escalation_list(campaign),
        placeholders=FOLLOW_UP_PLACEHOLDER_HELP,
        status_label=status_label,
    ), status


@bp.route("/campaigns/<slug>/follow-ups/ladder", methods=["POST"])
def save_ladder(slug: str):
    campaign = _campaign(slug)
    form = LadderForm()
    if form.validate_on_submit():
        problems = service.save_ladder(
            campaign,
            form.enabled.data,
            form.first_after.data,
            form.second_after.data,
            current_user.id,
        )
        if not problems:
            flash(
                "The escalation ladder is on: it runs every morning."
                if campaign.ladder_enabled
                else "The escalation ladder is off.",
                "success",
            )
            return redirect(url_for("followups.index", slug=slug))
        for problem in problems:
            flash(problem, "error")
    else:
        flash("Give both spacings as whole numbers of working days, 1 to 200.", "error")
    return _index_page(campaign, ladder_form=form, status=400)


@bp.route("/campaigns/<slug>/follow-ups/templates", methods=["POST"])
def save_templates(slug: str):
    campaign = _campaign(slug)
    form = TemplatesForm()
    kind = form.follow_up_kind
    if not form.validate_on_submit() or kind is None:
        abort(400)
    problems = service.save_templates(
        campaign, kind, form.subject.data or "", form.body.data or "", current_user.id
    )
    if not problems:
        flash(f"The {kind.value.replace('_', ' ')} text is saved.", "success")
        return redirect(url_for("followups.index", slug=slug, _anchor=f"template-{kind.value}"))
    for problem in problems:
        flash(f"Not saved: {problem}", "error")
    return _index_page(campaign, template_forms={kind: form}, status=400)


# --- Chasing in bulk ----------------------------------------------------------------------------


@bp.route("/campaigns/<slug>/chase", methods=["GET", "POST"])
def chase(slug: str):
    """Every late request, all chaseable ones ticked; preview any, queue the ticked ones."""
    campaign = _campaign(slug)
    form = QueueForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = service.parse_selections(request.form.getlist("selected"), int)
        if not chosen:
            flash("Tick at least one request to chase.", "error")
            status = 400
        else:
            result = service.queue_chasers(campaign, chosen, user_id=current_user.id)
            if result.ok:
                _flash_result(result, "chaser")
                return redirect(url_for("followups.chase", slug=slug, **_chase_filters()))
            for error in result.errors:
                flash(f"Nothing was queued: {error}", "error")
            status = 400
    filters = _chase_filters()
    rows = service.chase_candidates(
        campaign, status=filters["status"], stage=filters["stage"], search=filters["q"]
    )
    preview_id = request.args.get("preview", type=int)
    shown = next((r for r in rows if r.request.id == preview_id), None) or next(
        (r for r in rows if r.chaseable), None
    )
    return render_template(
        "followups/chase.html",
        campaign=campaign,
        form=form,
        rows=rows,
        filters=filters,
        status_filters=service.CHASE_STATUS_FILTERS,
        stage_filters=service.CHASE_STAGE_FILTERS,
        shown=shown,
        preview=service.preview_chaser(shown) if shown else None,
        problems=service.template_problems(campaign, FollowUpKind.CHASER),
        ladder=service.ladder_summary(campaign),
        status_label=status_label,
    ), status


def _chase_filters() -> dict[str, str]:
    status = request.args.get("status", "late")
    stage = request.args.get("stage", "any")
    return {
        "status": status if status in service.CHASE_STATUS_FILTERS else "late",
        "stage": stage if stage in service.CHASE_STAGE_FILTERS else "any",
        "q": request.args.get("q", "")[:100],
    }


# --- Internal reviews in bulk -------------------------------------------------------------------


@bp.route("/campaigns/<slug>/reviews", methods=["GET", "POST"])
def reviews(slug: str):
    """Filter the answered requests (by status, by an exemption cited), preview, queue."""
    campaign = _campaign(slug)
    form = ReviewsForm()
    source = request.form if request.method == "POST" else request.args
    statuses = [s for s in source.get("statuses", "").split(",") if s] or request.args.getlist(
        "status"
    )
    filters = {
        "statuses": [s for s in statuses if s in service.REVIEW_STATUS_CHOICES]
        or list(service.DEFAULT_REVIEW_STATUSES),
        "exemption": source.get("exemption", "")[:40],
        "q": source.get("q", "")[:100],
    }
    status = 200
    preview_id = request.form.get("preview", type=int) or request.args.get("preview", type=int)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "queue":
            chosen = service.parse_selections(request.form.getlist("selected"), str)
            if not chosen:
                flash("Tick at least one request to ask for a review of.", "error")
                status = 400
            else:
                result = service.queue_review_requests(
                    campaign,
                    chosen,
                    default_grounds=form.grounds.data or "",
                    user_id=current_user.id,
                )
                if result.ok:
                    _flash_result(result, "review request")
                    return redirect(url_for("followups.reviews", slug=slug))
                for error in result.errors:
                    flash(f"Nothing was queued: {error}", "error")
                status = 400
    rows = service.review_candidates(
        campaign,
        statuses=filters["statuses"],
        exemption=filters["exemption"],
        search=filters["q"],
    )
    shown = next((r for r in rows if r.request.id == preview_id), None) or next(
        (r for r in rows if r.reviewable), None
    )
    ticked = set(request.form.getlist("selected")) if request.method == "POST" else None
    return render_template(
        "followups/reviews.html",
        campaign=campaign,
        form=form,
        rows=rows,
        ticked=ticked,
        filters=filters,
        status_choices=service.REVIEW_STATUS_CHOICES,
        shown=shown,
        preview=service.preview_review(shown, form.grounds.data or "") if shown else None,
        problems=service.template_problems(campaign, FollowUpKind.REVIEW_REQUEST),
        status_label=status_label,
    ), status


# --- One request --------------------------------------------------------------------------------


@bp.route("/requests/<request_id>/follow-ups")
def request_page(request_id: str):
    """One request's chasers and review request, its review outcome and complaint draft."""
    foi_request = _request(request_id)
    return render_template(
        "followups/request.html",
        page=service.request_follow_ups(foi_request),
        r=foi_request,
        one_form=OneFollowUpForm(),
        grounds_form=GroundsForm(formdata=None, grounds=foi_request.review_grounds),
        outcome_form=OutcomeForm(formdata=None, outcome=foi_request.review_outcome or "upheld"),
        status_label=status_label,
    )


def _back(foi_request: Request):
    return redirect(url_for("followups.request_page", request_id=foi_request.id))


@bp.route("/requests/<request_id>/follow-ups/chase", methods=["POST"])
def chase_one(request_id: str):
    foi_request = _request(request_id)
    form = OneFollowUpForm()
    if not form.validate_on_submit() or not form.seen.data.isdigit():
        abort(400)
    result = service.queue_chasers(
        foi_request.campaign, [(foi_request.id, int(form.seen.data))], user_id=current_user.id
    )
    for error in result.errors:
        flash(f"Nothing was queued: {error}", "error")
    if result.ok:
        _flash_result(result, "chaser")
    return _back(foi_request)


@bp.route("/requests/<request_id>/follow-ups/grounds", methods=["POST"])
def save_grounds(request_id: str):
    foi_request = _request(request_id)
    form = GroundsForm()
    if not form.validate_on_submit():
        flash("The grounds are too long.", "error")
        return _back(foi_request)
    service.save_review_grounds(foi_request, form.grounds.data or "", current_user.id)
    flash("Your grounds for this review are saved; the preview below uses them.", "success")
    return _back(foi_request)


@bp.route("/requests/<request_id>/follow-ups/review", methods=["POST"])
def review_one(request_id: str):
    foi_request = _request(request_id)
    form = OneFollowUpForm()
    if not form.validate_on_submit():
        abort(400)
    result = service.queue_review_requests(
        foi_request.campaign, [(foi_request.id, form.seen.data)], user_id=current_user.id
    )
    for error in result.errors:
        flash(f"Nothing was queued: {error}", "error")
    if result.ok:
        _flash_result(result, "review request")
    return _back(foi_request)


@bp.route("/requests/<request_id>/follow-ups/outcome", methods=["POST"])
def record_outcome(request_id: str):
    foi_request = _request(request_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash("Choose upheld, overturned or partially overturned.", "error")
        return _back(foi_request)
    problem = service.record_review_outcome(
        foi_request, form.outcome.data, current_user.id, form.note.data or ""
    )
    flash(problem or "The review outcome is recorded.", "error" if problem else "success")
    return _back(foi_request)


# --- Complaint drafts ---------------------------------------------------------------------------


@bp.route("/requests/<request_id>/complaint")
def complaint(request_id: str):
    """The complaint text to paste into the regulator's web form (we never send it)."""
    foi_request = _request(request_id)
    draft, reason = service.complaint_draft(foi_request)
    return render_template(
        "followups/complaint.html",
        r=foi_request,
        draft=draft,
        reason=reason,
        escalated_form=EscalatedForm(),
        status_label=status_label,
    )


@bp.route("/requests/<request_id>/complaint.txt")
def complaint_text(request_id: str):
    """The same text as a .txt download; the download is written to the request's timeline."""
    foi_request = _request(request_id)
    draft, _ = service.complaint_draft(foi_request)
    if draft is None:
        abort(404)
    service.record_complaint_download(foi_request, draft, current_user.id)
    return Response(
        draft.text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{draft.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/requests/<request_id>/complaint/escalated", methods=["POST"])
def escalated(request_id: str):
    foi_request = _request(request_id)
    if not EscalatedForm().validate_on_submit():
        abort(400)
    draft, reason = service.complaint_draft(foi_request)
    if draft is None:
        flash(f"No complaint is ready: {reason}.", "error")
    else:
        service.mark_escalated(foi_request, draft.regulator, current_user.id)
        flash(f"Marked as escalated to the {draft.regulator}.", "success")
    return _back(foi_request)
