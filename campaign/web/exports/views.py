"""Open-data downloads for signed-in users: the full record of a campaign, team columns too."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from campaign.services.export import DOWNLOADS, download, find_campaign

bp = Blueprint("exports", __name__)


def attachment(filename: str, content_type: str, text: str) -> Response:
    """A download the browser saves rather than shows, never cached by shared caches."""
    response = Response(text, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/campaigns/<slug>/export/<any(" + ", ".join(DOWNLOADS) + "):name>")
def campaign_file(slug: str, name: str):
    """requests.csv, answers.csv or campaign.json of any campaign, unredacted."""
    campaign = find_campaign(slug) or abort(404)
    return attachment(*download(campaign, name, public=False))
