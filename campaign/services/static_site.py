"""A published campaign as a static site: one folder that opens from disk or any web host.

The folder holds index.html (the letter, the methodology, every chart, the authorities by
answers table, links to the data), plotly.js, the chart script and styles, the map outlines
and the open-data files. Every link is relative, so the folder can be copied anywhere; the map
outlines also travel as a script (`geo/europe_50m.js`) because browsers refuse to fetch one
local file from another, and plotly.js reads outlines already loaded without fetching them.

The site is always the public view: redacted text and no team data, whatever the campaign's
publishing state, so exporting a site never leaks what the public page would not show.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import render_template

from campaign.charts import NO_REPLY, NO_REPLY_LABEL, OUTCOME_LABELS
from campaign.models import Campaign
from campaign.services.export import (
    ATTRIBUTION,
    LICENCE,
    CampaignExport,
    answers_csv,
    campaign_json,
    load_export,
    requests_csv,
)
from campaign.services.public_page import public_charts
from campaign.services.publishing import redactor_for

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
GEO_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"
MAP_OUTLINES = "europe_50m"  # the map chart's scope and resolution, as plotly.js names it
SITE_ASSETS = ("charts.js", "dashboard.css", "site.css")
DATA_FILES = ("requests.csv", "answers.csv", "campaign.json")


class ExportError(Exception):
    """A target the export cannot write to; the message is meant for the person who asked."""


def check_target(directory: Path, *, force: bool = False) -> None:
    """Refuse a file, an unwritable folder or one with files in it (unless forced)."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} is a file, not a folder")
    if directory.is_dir():
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ExportError(f"{directory} is not writable")
        if any(directory.iterdir()) and not force:
            raise ExportError(f"{directory} is not empty (use --force to write into it anyway)")
        return
    parent = directory.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ExportError(f"{directory} cannot be created: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"{directory} cannot be created: {parent} is not writable")


@dataclass(frozen=True)
class TableRow:
    """One authority's line of the comparison table."""

    authority: str
    nation: str
    status: str
    reference_id: str
    outcomes: Sequence[tuple[str, str]]  # (outcome key, label) per question, in order


def answer_table(export: CampaignExport) -> list[TableRow]:
    """Authorities by questions: each cell the answer's outcome, or no reply yet."""
    numbers = [q["number"] for q in export.questions]
    rows = []
    for n, request in enumerate(export.requests):
        by_number = {a["question_number"]: a["outcome"] for a in export.answers_by_request[n]}
        outcomes = []
        for number in numbers:
            outcome = by_number.get(number, NO_REPLY)
            outcomes.append((outcome, OUTCOME_LABELS.get(outcome, NO_REPLY_LABEL)))
        rows.append(
            TableRow(
                authority=request["authority"],
                nation=request["nation"],
                status=request["status"].replace("_", " "),
                reference_id=request["reference_id"] or "",
                outcomes=outcomes,
            )
        )
    return rows


def render_site_page(campaign: Campaign, export: CampaignExport) -> str:
    """index.html of the site (needs an app context for the templates)."""
    return render_template(
        "export/site.html",
        meta=export.campaign,
        questions=export.questions,
        charts=public_charts(campaign, redactor_for(campaign)),  # hover text redacted too
        table=answer_table(export),
        data_files=DATA_FILES,
        attribution=ATTRIBUTION,
        licence=LICENCE,
        request_count=len(export.requests),
    )


def geo_script(outlines: str) -> str:
    """The outlines as a script that hands them to plotly.js before any chart is drawn."""
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        "window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};\n"
        f"window.PlotlyGeoAssets.topojson[{json.dumps(MAP_OUTLINES)}] = {outlines};\n"
    )


def write_site(campaign: Campaign, directory: Path, *, force: bool = False) -> list[Path]:
    """Write the static site of a campaign into `directory`; returns the files written."""
    from campaign.web.assets.views import plotly_js_path

    check_target(directory, force=force)
    export = load_export(campaign, public=True)
    files = {
        Path("index.html"): render_site_page(campaign, export),
        Path("data/requests.csv"): requests_csv(export),
        Path("data/answers.csv"): answers_csv(export),
        Path("data/campaign.json"): campaign_json(export),
    }
    outlines = (GEO_DIR / f"{MAP_OUTLINES}.json").read_text(encoding="utf-8")
    files[Path(f"geo/{MAP_OUTLINES}.json")] = outlines
    files[Path(f"geo/{MAP_OUTLINES}.js")] = geo_script(outlines)
    written = []
    for relative, text in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # newline="" keeps the CSV files' CRLF line ends as RFC 4180 wants them.
        target.write_text(text, encoding="utf-8", newline="")
        written.append(target)
    copies = {Path("assets/plotly.min.js"): plotly_js_path()}
    copies.update({Path("assets") / name: STATIC_DIR / name for name in SITE_ASSETS})
    for relative, source in copies.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written
