"""The JSON API under /api/v1: personal API tokens, not sign-in sessions, and no CSRF.

Every call but the OpenAPI document needs `Authorization: Bearer <token>`. Read calls take any
working token; write calls a write token of someone whose role may edit. Views are thin: read
the parameters (web/api/params.py), call one service, answer JSON. The OpenAPI document
(web/api/openapi.py) describes exactly these routes; a test holds the two together.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, jsonify, request

from campaign.domain.vocabulary import AnswerOutcome, RequestStatus, values
from campaign.extensions import db
from campaign.services import api_queries as queries
from campaign.services import api_tokens
from campaign.services.answer_corrections import (
    MAX_EXCERPT,
    MAX_EXEMPTIONS,
    MAX_URL_LENGTH,
    MAX_URLS,
    AnswerEdit,
    correct_answer,
)
from campaign.services.requests import get_request
from campaign.services.statuses import resume_automatic_status, set_status_by_hand
from campaign.web.api import params
from campaign.web.api.errors import ApiError, error_response
from campaign.web.api.openapi import openapi_document
from campaign.web.api.request_json import request_page_json

bp = Blueprint("api", __name__)

PUBLIC_VIEWS = {"api.openapi"}
REQUEST_FILTERS = ("status", "campaign", "authority", "overdue", "updated_since")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return error_response(error)


@bp.before_request
def _authenticate() -> Response | None:
    """Who is calling: a working token, or a 401 that says what is wrong."""
    if request.endpoint in PUBLIC_VIEWS:
        return None
    if request.method == "GET" and db.engine.dialect.name == "postgresql":
        # Reads run without a transaction: no BEGIN and ROLLBACK round trips to the server
        # around a page's two SELECTs (the token, the rows), which need no common snapshot.
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise ApiError(
            401, "Send a personal API token: Authorization: Bearer <token>.", reason="missing"
        )
    caller = api_tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        raise ApiError(401, "The token is not valid: unknown, revoked, or its owner is inactive.")
    g.api_caller = caller
    return None


def _writer() -> int:
    """The id of the person a write acts for, or a 403 for a token that only reads."""
    caller: api_tokens.Caller = g.api_caller
    if not caller.can_write:
        raise ApiError(
            403,
            "This token only reads: writing needs a write token of someone who may edit.",
        )
    return caller.user_id


def _next_url(after: int | None) -> str | None:
    """This very URL with `after` moved on: the filters and limit stay as the caller sent them."""
    if after is None:
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "after"]
    return f"{request.base_url}?{urlencode([*args, ('after', after)])}"


def _paged(page: queries.Page, limit: int) -> Response:
    return _json({"items": page.items, "limit": limit, "next": _next_url(page.after)})


def _json(payload: dict[str, Any]) -> Response:
    """JSON in the order the rows were built: a page of 100 need not sort 1,500 keys."""
    return Response(json.dumps(payload, separators=(",", ":")), mimetype="application/json")


def _campaign_id(slug: str) -> int:
    campaign_id = queries.campaign_id_of(slug)
    if campaign_id is None:
        raise ApiError(404, f"No campaign has the slug {slug[:80]!r}.")
    return campaign_id


def _request_id(raw: str) -> int:
    request_id = params.path_id(raw)
    if request_id is None or not queries.request_exists(request_id):
        raise ApiError(404, f"No request has the id {raw[:40]!r}.")
    return request_id


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API; public, so tools can read it before a token exists."""
    return jsonify(openapi_document())


# --- Campaigns ---------------------------------------------------------------------------------


@bp.get("/campaigns")
def campaigns() -> Response:
    params.check_known(request.args, params.PAGING)
    after, limit = params.paging(request.args)
    return _paged(queries.campaign_page(after, limit), limit)


@bp.get("/campaigns/<slug>")
def campaign(slug: str) -> Response:
    params.check_known(request.args, ())
    detail = queries.campaign_detail(slug)
    if detail is None:
        raise ApiError(404, f"No campaign has the slug {slug[:80]!r}.")
    return jsonify(detail)


@bp.get("/campaigns/<slug>/requests")
def campaign_requests(slug: str) -> Response:
    known = (*params.PAGING, *(f for f in REQUEST_FILTERS if f != "campaign"))
    params.check_known(request.args, known)
    after, limit = params.paging(request.args)
    filters = _request_filter(_campaign_id(slug))
    return _request_list(filters, after, limit)


@bp.get("/campaigns/<slug>/answers")
def campaign_answers(slug: str) -> Response:
    params.check_known(request.args, (*params.PAGING, "question", "outcome"))
    after, limit = params.paging(request.args)
    filters = queries.AnswerFilter(
        question=params.position(request.args, "question"),
        outcomes=params.outcomes(request.args),
    )
    campaign_id = _campaign_id(slug)
    return _paged(queries.campaign_answers(campaign_id, filters, after, limit), limit)


@bp.get("/campaigns/<slug>/mentions")
def campaign_mentions(slug: str) -> Response:
    params.check_known(request.args, params.PAGING)
    after, limit = params.paging(request.args)
    campaign_id = _campaign_id(slug)
    return _paged(queries.campaign_mentions(campaign_id, after, limit), limit)


# --- Requests ----------------------------------------------------------------------------------


@bp.get("/requests")
def requests() -> Response:
    params.check_known(request.args, (*params.PAGING, *REQUEST_FILTERS))
    after, limit = params.paging(request.args)
    filters = _request_filter(None)  # every filter is checked before the campaign is looked up
    slug = params.arg(request.args, "campaign")
    if slug is not None:
        filters = replace(filters, campaign_id=_campaign_id(slug))
    return _request_list(filters, after, limit)


def _request_filter(campaign_id: int | None) -> queries.RequestFilter:
    return queries.RequestFilter(
        campaign_id=campaign_id,
        statuses=params.statuses(request.args),
        authority_id=params.identifier(request.args, "authority"),
        overdue=params.flag(request.args, "overdue"),
        updated_since=params.moment(request.args, "updated_since"),
    )


def _request_list(filters: queries.RequestFilter, after: int, limit: int) -> Response:
    rows, next_after = queries.request_rows(filters, after, limit)
    text = request_page_json(rows, limit, _next_url(next_after))
    return Response(text, mimetype="application/json")


@bp.get("/requests/<request_id>")
def request_detail(request_id: str) -> Response:
    params.check_known(request.args, ())
    return jsonify(queries.request_detail(_request_id(request_id)))


@bp.get("/requests/<request_id>/messages")
def request_messages(request_id: str) -> Response:
    params.check_known(request.args, ())
    return jsonify({"items": queries.request_messages(_request_id(request_id))})


@bp.get("/requests/<request_id>/answers")
def request_answers(request_id: str) -> Response:
    params.check_known(request.args, ())
    return jsonify({"items": queries.request_answers(_request_id(request_id))})


@bp.get("/requests/<request_id>/mentions")
def request_mentions(request_id: str) -> Response:
    params.check_known(request.args, ())
    return jsonify({"items": queries.request_mentions(_request_id(request_id))})


# --- Writes ------------------------------------------------------------------------------------


@bp.post("/requests/<request_id>/status")
def set_status(request_id: str) -> Response:
    """Set the status by hand, as the request page does; "automatic" hands it back to replies."""
    user_id = _writer()
    params.check_known(request.args, ())
    pk = _request_id(request_id)
    body = params.json_object(request.get_data(cache=True))
    problems = params.unknown_fields(body, ("status", "reason"))
    allowed = [params.AUTOMATIC, *values(RequestStatus)]
    status = body.get("status")
    if not isinstance(status, str) or status not in allowed:
        problems["status"] = "Use one of the allowed values."
    reason = params.body_text(body.get("reason"), "reason", params.MAX_REASON, problems)
    if problems:
        raise ApiError(422, "The status was not changed.", problems=problems, allowed=allowed)
    foi_request = get_request(str(pk))
    assert foi_request is not None  # checked above; the request page would 404 the same way
    if status == params.AUTOMATIC:
        changed = foi_request.status_manual
        resume_automatic_status(foi_request, user_id)
    else:
        changed = set_status_by_hand(foi_request, status, user_id, reason)
    return jsonify({"changed": changed, "request": queries.request_detail(pk)})


@bp.post("/requests/<request_id>/answers/<position>")
def correct(request_id: str, position: str) -> Response:
    """A person's answer to one question, as the answers review screen saves it."""
    user_id = _writer()
    params.check_known(request.args, ())
    pk = _request_id(request_id)
    number = params.path_id(position)
    if number is None or number > 1000:
        raise ApiError(404, f"This request has no question {position[:40]!r}.")
    body = params.json_object(request.get_data(cache=True))
    fields = ("outcome", "exemptions", "excerpt", "page", "attachment_id", "message_id", "urls")
    problems = params.unknown_fields(body, fields)
    outcome = params.body_text(body.get("outcome"), "outcome", 40, problems)
    exemptions = params.body_texts(
        body.get("exemptions"), "exemptions", MAX_EXEMPTIONS, 40, problems
    )
    excerpt = params.body_text(body.get("excerpt"), "excerpt", MAX_EXCERPT, problems)
    urls = params.body_texts(body.get("urls"), "urls", MAX_URLS, MAX_URL_LENGTH, problems)
    attachment_id = params.body_id(body.get("attachment_id"), "attachment_id", problems)
    message_id = params.body_id(body.get("message_id"), "message_id", problems)
    page = body.get("page")
    if page is not None and (isinstance(page, bool) or not isinstance(page, int)):
        problems["page"] = "Must be a whole number or null."
        page = None
    if "outcome" not in body:
        problems["outcome"] = "Required."
    if problems:
        raise ApiError(422, "The answer was not changed.", problems=problems)
    source = f"a{attachment_id}" if attachment_id else f"m{message_id}" if message_id else ""
    edit = AnswerEdit(
        outcome=outcome,
        exemptions=", ".join(exemptions),
        excerpt=excerpt,
        source=source,
        page=page,
        urls="\n".join(urls),
    )
    foi_request = get_request(str(pk))
    assert foi_request is not None
    change = correct_answer(foi_request, number, edit, user_id)
    if "question" in change.problems:
        raise ApiError(404, change.problems["question"])
    if not change.ok:
        details: dict[str, Any] = {"problems": change.problems}
        if "outcome" in change.problems:
            details["allowed"] = values(AnswerOutcome)
        raise ApiError(422, "The answer was not changed.", **details)
    return jsonify(
        {
            "changed": change.changed,
            "message": change.message,
            "answer": queries.request_answer(pk, number),
        }
    )
