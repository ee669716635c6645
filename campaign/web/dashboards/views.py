"""Signed-in campaign dashboards: Plotly charts, and the requests behind each bar or cell."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from campaign.services.campaigns import get_campaign
from campaign.services.dashboard import UnknownPoint, campaign_charts, chart_title, requests_behind
from campaign.services.requests import status_label
from campaign.web.assets.views import geo_url, plotly_js_url

bp = Blueprint("dashboards", __name__)


@bp.route("/campaigns/<slug>/dashboard")
def show(slug: str):
    """Every chart of one campaign; clicking a point lists the requests behind it."""
    campaign = get_campaign(slug) or abort(404)
    charts = campaign_charts(campaign)
    return render_template(
        "dashboards/show.html",
        campaign=campaign,
        charts=charts,
        plotly_js_url=plotly_js_url(),
        topojson_url=geo_url(),
        drill_url=url_for("dashboards.drill", slug=campaign.slug),
    )


@bp.route("/campaigns/<slug>/dashboard/requests")
def drill(slug: str):
    """The requests behind one point of one chart (from a click on the dashboard)."""
    campaign = get_campaign(slug) or abort(404)
    chart_key = request.args.get("chart", "")
    point = request.args.get("point", "")
    try:
        found = requests_behind(campaign, chart_key, point)
    except UnknownPoint as problem:
        abort(400, description=f"Cannot list the requests behind that point: {problem}.")
    if chart_key == "map" and len(found) == 1:  # a point on the map is one request: open it
        return redirect(url_for("requests.show", request_id=found[0].id))
    return render_template(
        "dashboards/requests.html",
        campaign=campaign,
        chart_title=chart_title(chart_key),
        chart_key=chart_key,
        point=point,
        requests=found,
        status_label=status_label,
    )
