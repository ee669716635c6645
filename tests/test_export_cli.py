"""`campaign export CAMPAIGN --format csv|json|site DIR`: files, the static site, and refusals."""

from __future__ import annotations

import csv
import io
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from seeding import seed_campaign

from campaign.charts import CHART_KEYS
from campaign.extensions import db
from campaign.models import Answer, Campaign
from campaign.services.export import PUBLIC_REQUEST_COLUMNS

SECRET_EMAIL = "case.officer@borough.gov.uk"


@pytest.fixture
def cli(app, runner):
    from campaign.cli import register_commands

    register_commands(app)

    def run(*args: str):
        return runner.invoke(args=["export", *args])

    return run


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        campaign = seed_campaign(db.session, authorities=25, seed=9, slug="cli-export")
        answer = db.session.scalars(sa.select(Answer).order_by(Answer.id)).first()
        answer.excerpt = f"Write to {SECRET_EMAIL} with any questions."
        db.session.commit()
        return campaign.slug


def request_count(app, slug: str) -> int:
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        return len(campaign.requests)


def test_csv_writes_both_files_of_the_full_view(cli, app, slug, tmp_path):
    target = tmp_path / "out"
    result = cli(slug, "--format", "csv", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["answers.csv", "requests.csv"]
    rows = list(csv.DictReader(io.StringIO((target / "requests.csv").read_text(), newline="")))
    assert len(rows) == request_count(app, slug) == 25
    assert "sent_to" in rows[0]
    assert SECRET_EMAIL in (target / "answers.csv").read_text()
    assert b"\r\n" in (target / "requests.csv").read_bytes()


def test_public_csv_is_redacted(cli, slug, tmp_path):
    result = cli(slug, "--format", "csv", "--public", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "public view" in result.output
    requests_text = (tmp_path / "out" / "requests.csv").read_text()
    assert requests_text.splitlines()[0].split(",") == list(PUBLIC_REQUEST_COLUMNS)
    assert SECRET_EMAIL not in (tmp_path / "out" / "answers.csv").read_text()


def test_json_writes_campaign_json(cli, slug, tmp_path):
    result = cli(slug, "--format", "json", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "out" / "campaign.json").read_text())
    assert document["campaign"]["slug"] == slug and len(document["requests"]) == 25
    result = cli(slug, "--format", "json", "--public", str(tmp_path / "public"))
    assert result.exit_code == 0
    assert SECRET_EMAIL not in (tmp_path / "public" / "campaign.json").read_text()


class Page(HTMLParser):
    """Every URL the page refers to, and its inline JSON blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.json_blocks: list[str] = []
        self.topojson_urls: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) is not None:
                self.urls.append((tag, name, values[name]))
        if values.get("data-topojson-url") is not None:
            self.topojson_urls.append(values["data-topojson-url"])
        self._in_json = tag == "script" and values.get("type") == "application/json"
        if self._in_json:
            self.json_blocks.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_blocks[-1] += data


def test_site_is_self_contained_with_relative_links_only(cli, slug, tmp_path):
    target = tmp_path / "site"
    result = cli(slug, "--format", "site", str(target))
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert written == [
        "assets/charts.js",
        "assets/dashboard.css",
        "assets/plotly.min.js",
        "assets/site.css",
        "data/answers.csv",
        "data/campaign.json",
        "data/requests.csv",
        "geo/europe_50m.js",
        "geo/europe_50m.json",
        "index.html",
    ]
    assert (target / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    html = (target / "index.html").read_text()
    page = Page()
    page.feed(html)
    page.close()
    assets = [url for tag, _, url in page.urls if tag in ("script", "link", "img")]
    assert "assets/plotly.min.js" in assets and "assets/charts.js" in assets
    for tag, _, url in page.urls:
        assert not url.startswith(("/", "http:", "https:", "//")), (tag, url)
        assert (target / url.split("#")[0]).is_file(), url
    assert "http://" not in html and "/static/" not in html
    assert page.topojson_urls == ["geo/"]
    figures = [json.loads(block) for block in page.json_blocks]
    assert len(figures) == len(CHART_KEYS)
    assert all("data" in figure and "layout" in figure for figure in figures)
    # The site is the public view: redacted data, nothing of the team.
    site_text = "".join(p.read_text() for p in (target / "data").iterdir()) + html
    assert SECRET_EMAIL not in site_text and "seed.test" not in site_text
    assert "mySociety" in html and "CC-BY-4.0" in html
    assert "Methodology" in html and "Dear [authority name]" in html


def test_site_of_a_campaign_with_no_requests_still_renders(cli, app, tmp_path):
    with app.app_context():
        db.session.add(Campaign(slug="empty", title="Nothing sent yet"))
        db.session.commit()
    result = cli("empty", "--format", "site", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "No requests yet." in (tmp_path / "site" / "index.html").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-campaign", "--format", "csv"], "Error: no campaign 'no-such-campaign'"),
        (["cli-export", "--format", "xml"], "Error: unknown format 'xml': use csv, json or site"),
    ],
)
def test_bad_campaign_or_format_is_one_line_and_exit_2(cli, slug, tmp_path, args, message):
    result = cli(*args, str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [message]
    assert not (tmp_path / "out").exists()


def test_a_file_or_a_non_empty_folder_is_refused_unless_forced(cli, slug, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    result = cli(slug, "--format", "csv", str(a_file))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {a_file} is a file, not a folder"
    assert a_file.read_text() == "keep me"

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    for format_ in ("csv", "json", "site"):
        result = cli(slug, "--format", format_, str(busy))
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "is not empty" in result.stderr and "--force" in result.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["notes.txt"]
    result = cli(slug, "--format", "csv", "--force", str(busy))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in busy.iterdir()) == ["answers.csv", "notes.txt", "requests.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_folder_is_refused(cli, slug, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = cli(slug, "--format", "json", str(locked))
        assert result.exit_code == 2
        assert result.stderr.strip() == f"Error: {locked} is not writable"
        result = cli(slug, "--format", "site", str(locked / "inside"))
        assert result.exit_code == 2
        assert "cannot be created" in result.stderr
    finally:
        locked.chmod(0o700)


def test_the_command_is_listed_in_help(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "--format" in result.output and "--public" in result.output


def test_folder_is_created_when_missing(cli, slug, tmp_path):
    target = Path(tmp_path / "a" / "b")
    result = cli(slug, "--format", "json", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "campaign.json").is_file()


def test_a_folder_that_cannot_be_created_is_refused(cli, slug, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    result = cli(slug, "--format", "site", str(a_file / "site"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {a_file / 'site'} cannot be created: {a_file} is a file"
    )
    assert a_file.read_text() == "keep me"
