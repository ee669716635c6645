"""Public pages of published campaigns at /p/<slug>: anyone may read them, nothing private.

An unpublished or unknown campaign answers 404 alike, to reveal nothing; the one exception is
an owner, who sees the page before it is published, under a preview banner. Only charts meant
for embedding may be framed by other sites.
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from campaign.services.dashboard import Chart
from campaign.services.public_page import (
    BadTableQuery,
    check_table_query,
    public_campaign,
    public_charts,
    public_document,
    public_page,
)
from campaign.services.publishing import find_visible, redactor_for
from campaign.web.assets.views import geo_url, plotly_js_url
from campaign.web.security import allow_framing

bp = Blueprint("public", __name__)


@bp.after_request
def public_headers(response: Response) -> Response:
    """No framing except embeds; previews and unpublished pages are never cached or indexed."""
    if not getattr(response, "allow_framing", False):
        response.headers["X-Frame-Options"] = "DENY"
    if getattr(request, "_public_preview", False) or response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _visible(slug: str):
    campaign = find_visible(slug, current_user)
    if campaign is None:
        abort(404)
    if not campaign.is_public:
        request._public_preview = True  # type: ignore[attr-defined]
    return campaign


@bp.route("/<slug>")
def show(slug: str):
    """The comparison page: the letter, methodology, charts, search and the answers table."""
    campaign = _visible(slug)
    try:
        table_query = check_table_query(request.args)
    except BadTableQuery as problem:
        abort(400, description=str(problem))
    page = public_page(
        campaign,
        redactor_for(campaign),
        table_query=table_query,
        search_text=request.args.get("search"),
    )
    return render_template(
        "public/show.html",
        page=page,
        preview=not campaign.is_public,
        plotly_js_url=plotly_js_url(),
        topojson_url=geo_url(),
        embed_url=url_for("public.embed", slug=campaign.slug, chart_key="x")[:-1],
        embed_snippets=_embed_snippets(campaign.slug, page.charts),
    )


def _embed_snippets(slug: str, charts: list[Chart]) -> list[tuple[Chart, str]]:
    snippets = []
    for chart in charts:
        if chart.empty:
            continue
        src = url_for("public.embed", slug=slug, chart_key=chart.key, _external=True)
        snippets.append(
            (
                chart,
                f'<iframe src="{src}" title="{escape(chart.title, quote=True)}" width="100%" '
                'height="480" '
                'style="border:0" loading="lazy"></iframe>',
            )
        )
    return snippets


@bp.route("/<slug>/documents/<attachment_id>")
def document(slug: str, attachment_id: str):
    """A released document's extracted text, page by page, redacted; never the file itself."""
    campaign = _visible(slug)
    redactor = redactor_for(campaign)
    found = public_document(campaign, attachment_id, redactor)
    if found is None:
        abort(404)
    return render_template(
        "public/document.html",
        campaign=public_campaign(campaign, redactor),
        document=found,
        preview=not campaign.is_public,
    )


@bp.route("/<slug>/embed/<chart_key>")
def embed(slug: str, chart_key: str):
    """One chart alone on a minimal page that any site may put in an iframe."""
    campaign = _visible(slug)
    redactor = redactor_for(campaign)
    chart = next((c for c in public_charts(campaign, redactor) if c.key == chart_key), None)
    if chart is None:
        abort(404)
    response = Response(
        render_template(
            "public/embed.html",
            campaign=public_campaign(campaign, redactor),
            chart=chart,
            preview=not campaign.is_public,
            plotly_js_url=plotly_js_url(),
            topojson_url=geo_url(),
        )
    )
    return allow_framing(response)
