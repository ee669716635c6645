"""Authorities compared across every campaign: the league table."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from campaign.services.league import (
    SORT_COLUMNS,
    BadLeagueQuery,
    league_filters,
    league_table,
    parse_league_query,
)

bp = Blueprint("league", __name__)


@bp.route("/authorities/league")
def table():
    """Sorted and filtered from the query string, so a view of the table can be bookmarked."""
    try:
        query = parse_league_query(request.args.to_dict())
    except BadLeagueQuery as problem:
        abort(400, description=str(problem))
    nations, types = league_filters()
    return render_template(
        "league/table.html",
        rows=league_table(query),
        query=query,
        columns=SORT_COLUMNS,
        nations=nations,
        types=types,
    )
