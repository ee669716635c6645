"""Done when, clicked in a real browser: one request written in the forms goes to every English
county council, the progress shows all sent, and the Outbox shows each council's letter."""

from __future__ import annotations

import os
import re
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_support import sign_in as submit_sign_in_form
from flask import Flask
from playwright.sync_api import Page, expect

from campaign.extensions import db
from campaign.mail.transports import outbox_file_name
from campaign.models import Authority, Campaign, Message
from campaign.services.authorities import load_uk_councils

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Screenshots land here when set (to look at them), else in the test's temporary directory.
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR", "")


@pytest.fixture
def county_councils(live_app: Flask) -> dict[str, str]:
    """The UK register loaded, and every English county council given an FOI address."""
    with live_app.app_context():
        load_uk_councils()
        counties = db.session.scalars(
            sa.select(Authority).where(
                Authority.authority_type == "County", Authority.nation == "England"
            )
        ).all()
        for council in counties:
            council.foi_email = f"foi@{council.short_name.lower().replace(' ', '')}.gov.uk"
        db.session.commit()
        return {c.name: c.foi_email for c in counties}


def sign_in(page: Page, live_server) -> None:
    submit_sign_in_form(page, live_server)
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """A full-page PNG; a blank or broken page compresses to almost nothing."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000, f"{name} looks blank"
    return path


def test_a_request_to_every_english_county_council_clicked_through_to_the_outbox(
    page: Page, live_server, live_app: Flask, county_councils: dict[str, str], tmp_path: Path
):
    shots = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    n = len(county_councils)
    assert n >= 20

    sign_in(page, live_server)
    page.get_by_role("link", name="New campaign").click()
    title = f"County councils and AI {uuid.uuid4().hex[:6]}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Questions").fill(
        "Does the council use algorithms or AI to assess social care needs?\n"
        "Which suppliers provide them, and at what annual cost?"
    )
    page.get_by_role("button", name="Create the campaign").click()
    expect(page).to_have_url(re.compile(r"/campaigns/county-councils-and-ai-[0-9a-f]{6}/targets$"))
    slug = page.url.rsplit("/", 2)[-2]

    nations, types = (
        page.get_by_role("group", name="Nation"),
        page.get_by_role("group", name="Type"),
    )
    nations.get_by_role("checkbox", name=re.compile(r"^England \(")).check()
    types.get_by_role("checkbox", name=re.compile(r"^County \(")).check()
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_text(f"{n} authorities will be sent the request")).to_be_visible()

    page.get_by_role("link", name=f"← {title}").click()
    page.get_by_role("link", name="Preview", exact=True).click()
    letter = page.get_by_test_id("letter-body")
    for name in ("Kent County Council", "Lancashire County Council"):
        page.get_by_label("Authority").select_option(label=name)
        page.get_by_role("button", name="Show the letter").click()
        expect(page.get_by_role("heading", name=f"Letter to {name}")).to_be_visible()
        expect(letter).to_contain_text(f"Dear {name},")
        expect(letter).to_contain_text("section 1 of the Freedom of Information Act 2000")

    page.get_by_role("link", name=f"← {title}").click()
    page.get_by_role("link", name="Launch…").click()
    expect(page.get_by_text(f"This sends {n} requests and skips 0 authorities.")).to_be_visible()
    page.get_by_role("button", name=f"Send {n} requests").click()

    expect(page.get_by_role("heading", name="Launched")).to_be_visible()
    expect(page.get_by_text(f"{n} requests queued for sending.")).to_be_visible()
    progress = page.locator("#progress")
    expect(progress.locator('[data-field="summary"]')).to_have_text(f"{n} of {n} processed.")
    expect(progress.locator('[data-field="sent"]')).to_have_text(str(n))
    expect(progress.locator('[data-field="failed"]')).to_have_text("0")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", str(n))
    screenshot(page, shots, "1-campaign-launched")

    page.get_by_role("link", name="See every request").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Requests"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"^All {n}$"))).to_be_visible()
    expect(page.locator("table.requests tbody tr")).to_have_count(n)
    screenshot(page, shots, "2-requests")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    page.get_by_label("Campaign").select_option(label=title)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"{n} letters, newest first")).to_be_visible()
    rows = page.locator("table.outbox tbody tr")
    expect(rows).to_have_count(n)
    for address in county_councils.values():
        expect(rows.filter(has_text=address)).to_have_count(1)
    screenshot(page, shots, "3-outbox")

    # The outbox page's letters are the files on disk, each with its own reply address.
    with live_app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        letters = db.session.scalars(
            sa.select(Message)
            .where(Message.request_id.in_([r.id for r in campaign.requests]))
            .order_by(Message.id)
        ).all()
        outbox = Path(live_app.config["OUTBOX_DIR"])
        files = [outbox / outbox_file_name(m.message_id) for m in letters]
    emails = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(str(e["To"]) for e in emails) == sorted(county_councils.values())
    assert len({str(e["Reply-To"]) for e in emails}) == n

    kent = rows.filter(has_text=county_councils["Kent County Council"])
    kent.get_by_role("link", name=re.compile(r"^Freedom of Information request")).click()
    expect(page.get_by_role("heading", name="Headers")).to_be_visible()
    expect(page.get_by_text("Dear Kent County Council,")).to_be_visible()
    expect(page.get_by_role("link", name="Download the .eml file")).to_be_visible()
    screenshot(page, shots, "4-outbox-letter")

    page.get_by_role("link", name="The request").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Kent County Council"))).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    screenshot(page, shots, "5-request")
