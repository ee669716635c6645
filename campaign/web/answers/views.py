"""Answer pages: a request's answers beside its replies (every cell editable), the campaign's
queue of answers to check, and the re-parse button of the campaign page's outcome table.

Views read the form and call one service; the rules live in services/answer_corrections.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from campaign.domain.vocabulary import AnswerOutcome, values
from campaign.models import Answer, Campaign, Request
from campaign.parsing.findings import PARSER_VERSION
from campaign.services import answer_corrections as corrections
from campaign.services.answer_grid import LOW_CONFIDENCE, answer_grid
from campaign.services.answer_queue import check_queue
from campaign.services.answer_sources import ReviewPage, review_page
from campaign.services.answers import queue_reparse
from campaign.services.campaigns import get_campaign
from campaign.services.requests import get_request, status_label
from campaign.web.answers.forms import ActionForm, AnswerForm, MentionForm, QueueConfirmForm
from campaign.web.answers.highlight import highlight

bp = Blueprint("answers", __name__)

OUTCOME_LABELS = {
    AnswerOutcome.DISCLOSED.value: "Disclosed",
    AnswerOutcome.PARTIALLY_DISCLOSED.value: "Partly disclosed",
    AnswerOutcome.NOT_HELD.value: "Not held",
    AnswerOutcome.REFUSED.value: "Refused",
    AnswerOutcome.PUBLISHED_ELSEWHERE.value: "Published elsewhere",
    AnswerOutcome.NO_ANSWER.value: "No answer",
}


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_LABELS.get(outcome or "", (outcome or "—").replace("_", " "))


@bp.app_context_processor
def answer_helpers() -> dict:
    """`answer_grid_for(campaign)` in every template, for the campaign page's outcome table."""
    return {
        "answer_grid_for": answer_grid,
        "parser_version": PARSER_VERSION,
        "outcome_label": outcome_label,
        "outcome_labels": OUTCOME_LABELS,
    }


def _request(request_id: str) -> Request:
    return get_request(request_id) or abort(404)


def _campaign(slug: str) -> Campaign:
    return get_campaign(slug) or abort(404)


def _back(foi_request: Request, position: int | None = None, anchor: str | None = None) -> str:
    return url_for(
        "answers.review",
        request_id=foi_request.id,
        question=position,
        _anchor=anchor or (f"answer-{position}" if position else None),
    )


# --- One request's answers ---------------------------------------------------------------------


@bp.route("/requests/<request_id>/answers")
def review(request_id: str):
    """The answers table beside the replies' pages, the excerpts marked."""
    return _review_page(_request(request_id))


def _review_page(
    foi_request: Request,
    *,
    failed: int | None = None,
    failed_form: AnswerForm | None = None,
    problems: dict[str, str] | None = None,
    mention_form: MentionForm | None = None,
    mention_problems: dict[str, str] | None = None,
    status: int = 200,
):
    page = review_page(foi_request)
    forms = {row.position: _answer_form(row.answer) for row in page.rows}
    if failed is not None and failed_form is not None:
        forms[failed] = failed_form
    focus = failed if failed is not None else request.args.get("question", type=int)
    return render_template(
        "answers/review.html",
        page=page,
        forms=forms,
        focus=focus,
        problems=problems or {},
        mention_form=mention_form or MentionForm(formdata=None),
        mention_problems=mention_problems or {},
        action_form=ActionForm(),
        outcomes=values(AnswerOutcome),
        highlight=highlight,
        status_label=status_label,
        low_confidence=LOW_CONFIDENCE,
        page_counts=_page_counts(page),
    ), status


def _page_counts(page: ReviewPage) -> dict[str, int]:
    return {document.key: document.page_count for document in page.documents}


def _answer_form(answer: Answer | None) -> AnswerForm:
    if answer is None:
        return AnswerForm(formdata=None, outcome=AnswerOutcome.NO_ANSWER.value)
    source = (
        f"a{answer.attachment_id}"
        if answer.attachment_id is not None
        else (f"m{answer.message_id}" if answer.message_id is not None else "")
    )
    return AnswerForm(
        formdata=None,
        outcome=answer.outcome,
        exemptions=", ".join(answer.exemptions or []),
        excerpt=answer.excerpt,
        source=source,
        page=answer.page,
        urls="\n".join(answer.urls or []),
    )


@bp.route("/requests/<request_id>/answers/<int:position>", methods=["POST"])
def correct(request_id: str, position: int):
    """Save a person's answer to one question as a correction."""
    foi_request = _request(request_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        problems = {name: _form_problem(name, errors) for name, errors in form.errors.items()}
        return _review_page(
            foi_request, failed=position, failed_form=form, problems=problems, status=400
        )
    edit = corrections.AnswerEdit(
        outcome=form.outcome.data or "",
        exemptions=form.exemptions.data or "",
        excerpt=form.excerpt.data or "",
        source=form.source.data or "",
        page=form.page.data,
        urls=form.urls.data or "",
    )
    change = corrections.correct_answer(foi_request, position, edit, current_user.id)
    if not change.ok:
        flash("Not saved: see the problems below. Nothing was changed.", "error")
        if "question" in change.problems:
            flash(change.problems["question"], "error")
        return _review_page(
            foi_request, failed=position, failed_form=form, problems=change.problems, status=400
        )
    flash(change.message, "success" if change.changed else "warning")
    return redirect(_back(foi_request, position))


@bp.route("/requests/<request_id>/answers/<int:position>/confirm", methods=["POST"])
def confirm(request_id: str, position: int):
    """The answer is right as the parser read it."""
    foi_request = _request(request_id)
    if ActionForm().validate_on_submit():
        _flash(corrections.confirm_answer(foi_request, position, current_user.id))
    return redirect(_back(foi_request, position))


@bp.route("/requests/<request_id>/answers/<int:position>/undo", methods=["POST"])
def undo(request_id: str, position: int):
    """Hand the answer back to the parser."""
    foi_request = _request(request_id)
    if ActionForm().validate_on_submit():
        _flash(corrections.undo_correction(foi_request, position, current_user.id))
    return redirect(_back(foi_request, position))


def _form_problem(name: str, errors: list[str]) -> str:
    return "The page must be a whole number." if name == "page" else errors[0]


def _flash(change: corrections.Change) -> None:
    if change.ok:
        flash(change.message, "success" if change.changed else "warning")
    else:
        for problem in change.problems.values():
            flash(f"{problem} Nothing was changed.", "error")


# --- Mentions ----------------------------------------------------------------------------------


@bp.route("/requests/<request_id>/mentions", methods=["POST"])
def add_mention(request_id: str):
    foi_request = _request(request_id)
    form = MentionForm()
    if not form.validate_on_submit():
        problems = {name: _form_problem(name, errors) for name, errors in form.errors.items()}
        return _review_page(foi_request, mention_form=form, mention_problems=problems, status=400)
    edit = corrections.MentionEdit(
        name=form.name.data or "",
        category=form.category.data or "",
        sentence=form.sentence.data or "",
        source=form.source.data or "",
        page=form.page.data,
    )
    change = corrections.add_mention(foi_request, edit, current_user.id)
    if not change.ok:
        flash("Not added: see the problems below. Nothing was changed.", "error")
        return _review_page(
            foi_request, mention_form=form, mention_problems=change.problems, status=400
        )
    flash(change.message, "success")
    return redirect(_back(foi_request, anchor="mentions-title"))


@bp.route("/requests/<request_id>/mentions/<int:mention_id>/reject", methods=["POST"])
def reject_mention(request_id: str, mention_id: int):
    foi_request = _request(request_id)
    if ActionForm().validate_on_submit():
        _flash(corrections.reject_mention(foi_request, mention_id, current_user.id))
    return redirect(_back(foi_request, anchor="mentions-title"))


@bp.route("/requests/<request_id>/mentions/<int:mention_id>/restore", methods=["POST"])
def restore_mention(request_id: str, mention_id: int):
    foi_request = _request(request_id)
    if ActionForm().validate_on_submit():
        _flash(corrections.restore_mention(foi_request, mention_id, current_user.id))
    return redirect(_back(foi_request, anchor="mentions-title"))


# --- The campaign's queue and re-parse ---------------------------------------------------------


@bp.route("/campaigns/<slug>/answers/check")
def queue(slug: str):
    """Low-confidence answers no person has checked, least sure first."""
    campaign = _campaign(slug)
    return render_template(
        "answers/queue.html",
        campaign=campaign,
        queue=check_queue(campaign, request.args.get("page", 1, type=int) or 1),
        form=QueueConfirmForm(),
    )


@bp.route("/campaigns/<slug>/answers/check", methods=["POST"])
def confirm_queued(slug: str):
    """Confirm one answer from the queue and go on to the next."""
    campaign = _campaign(slug)
    form = QueueConfirmForm()
    next_anchor = None
    if form.validate_on_submit():
        change = corrections.confirm_in_campaign(campaign, form.answer_id.data, current_user.id)
        _flash(change)
        if change.ok and (form.next.data or "").isdigit():
            next_anchor = f"answer-{form.next.data}"
    else:
        flash("Choose an answer to confirm. Nothing was changed.", "error")
    return redirect(url_for("answers.queue", slug=campaign.slug, _anchor=next_anchor))


@bp.route("/campaigns/<slug>/answers/reparse", methods=["POST"])
def reparse(slug: str):
    """Queue a re-read of every final reply with the current parser."""
    campaign = _campaign(slug)
    if ActionForm().validate_on_submit():
        done = queue_reparse(campaign, current_user.id)
        if done is not None:
            flash(done.summary, "success")
        else:
            flash(
                "Re-parse queued: the worker reads every final reply again. Corrections made "
                "by a person are kept. The result shows here when it is done.",
                "success",
            )
    return redirect(url_for("campaigns.show", slug=campaign.slug, _anchor="answers-title"))
