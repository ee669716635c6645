"""A campaign's dashboard: aggregate queries turned into charts, and the requests behind a point."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign import charts
from campaign.charts import Chart, UnknownPoint
from campaign.extensions import db
from campaign.models import Authority, Campaign, Request
from campaign.services.dashboard_queries import load_facts, requests_citing, requests_naming

__all__ = ["Chart", "UnknownPoint", "campaign_charts", "chart_title", "requests_behind"]


def campaign_charts(campaign: Campaign, *, public: bool = False) -> list[Chart]:
    """Every chart of a campaign; `public` keeps hover text free of anything private.

    The charts show authorities, statuses, outcomes and the authorities' own reference IDs,
    all of which a published campaign shows anyway; nothing about the team (who is assigned,
    notes, the addresses letters went to) is ever read. Public charts are not clickable: their
    drill-down lists lead to signed-in pages.
    """
    built = charts.campaign_charts(load_facts(campaign))
    if public:
        built = [replace(chart, drill=False) for chart in built]
    return built


def chart_title(chart_key: str) -> str | None:
    """The title of a chart by its key, for the drill-down page's heading; None if unknown."""
    builder = charts.BUILDERS.get(chart_key)
    if builder is None:
        return None
    return builder(charts.CampaignFacts(None, date.today(), (), ())).title


def requests_behind(campaign: Campaign, chart_key: str, point: str) -> list[Request]:
    """The requests behind one clicked bar, cell or point (`point` is its customdata).

    Raises UnknownPoint when the chart or the point does not exist, so the page can say so.
    """
    point = (point or "").strip()
    if chart_key not in charts.BUILDERS:
        raise UnknownPoint(f"there is no chart {chart_key!r}")
    if not point or len(point) > 300:
        raise UnknownPoint("no point was given" if not point else "the point is too long")
    if chart_key == "exemptions":
        ids = requests_citing(campaign.id, point)
    elif chart_key == "mentions":
        ids = requests_naming(campaign.id, point)
    else:
        ids = charts.members(load_facts(campaign), chart_key, point)
    if not ids:
        return []
    statement = (
        sa.select(Request)
        .join(Authority, Authority.id == Request.authority_id)
        .options(so.contains_eager(Request.authority))
        .where(Request.campaign_id == campaign.id, Request.id.in_(ids))
        .order_by(Authority.name, Request.id)
    )
    return list(db.session.scalars(statement))
