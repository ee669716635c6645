"""Full-text search across replies and released documents, per campaign and across campaigns."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from campaign.models import Campaign
from campaign.services.answer_sources import source_anchor
from campaign.services.campaigns import get_campaign
from campaign.services.search import (
    authorities_mentioning,
    page_offset,
    parse_query,
    search,
)

bp = Blueprint("search", __name__)

PER_PAGE = 20


@bp.route("/search")
def everywhere():
    """Every campaign's replies: does any authority, in any campaign, name this?"""
    return _results(None)


@bp.route("/campaigns/<slug>/search")
def campaign(slug: str):
    """One campaign's replies: which of its authorities name this?"""
    return _results(get_campaign(slug) or abort(404))


def _results(campaign: Campaign | None):
    typed = request.args.get("q")
    campaign_ids = None if campaign is None else [campaign.id]
    query = parse_query(typed)
    page = request.args.get("page", 1, type=int) or 1
    results = None
    mentions = []
    if typed is not None and query.ok:
        results = search(
            query,
            campaign_ids=campaign_ids,
            limit=PER_PAGE,
            offset=page_offset(page, PER_PAGE),
        )
        mentions = authorities_mentioning(query, campaign_ids)
    # Arriving with no query shows the form; a query with nothing to search is a bad request.
    status = 400 if typed is not None and not query.ok else 200
    return (
        render_template(
            "search/results.html",
            campaign=campaign,
            typed=(typed or "")[:1000],
            query=query,
            problem=query.problem if typed is not None else None,
            results=results,
            mentions=mentions,
            document_anchor=source_anchor,
        ),
        status,
    )
