"""Open-data downloads of published campaigns, redacted, for anyone."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from campaign.services.export import DOWNLOADS, download, find_published

bp = Blueprint("public_exports", __name__)


@bp.route("/<slug>/data/<any(" + ", ".join(DOWNLOADS) + "):name>")
def campaign_file(slug: str, name: str):
    """The public view as data; an unpublished campaign is as absent as an unknown one."""
    campaign = find_published(slug) or abort(404)
    filename, content_type, text = download(campaign, name, public=True)
    response = Response(text, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may fetch it
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
