"""Writing a campaign and previewing its letter per authority, in a real browser."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_support import sign_in as submit_sign_in_form
from flask import Flask
from playwright.sync_api import Page, expect

from campaign.extensions import db
from campaign.models import Authority, Campaign, Request
from campaign.models.base import utcnow

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BODIES = [
    {
        "name": "Glasgow City Council",
        "nation": "Scotland",
        "law": "foisa",
        "gss_code": "S12000049",
        "authority_type": "Unitary authority",
        "foi_email": "foi@glasgow.gov.uk",
    },
    {
        "name": "Coventry City Council",
        "nation": "England",
        "law": "foia",
        "gss_code": "E08000026",
        "authority_type": "Metropolitan district",
        "foi_email": "foi@coventry.gov.uk",
    },
]


@pytest.fixture
def authorities(live_app: Flask) -> dict[str, int]:
    """Two councils, one Scottish; their ids by GSS code."""
    ids = {}
    with live_app.app_context():
        for fields in BODIES:
            query = sa.select(Authority).where(Authority.gss_code == fields["gss_code"])
            authority = db.session.scalar(query)
            if authority is None:
                authority = Authority(**fields)
                db.session.add(authority)
                db.session.commit()
            ids[fields["gss_code"]] = authority.id
    return ids


def sign_in(page: Page, live_server) -> None:
    submit_sign_in_form(page, live_server)
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()


def show_letter_for(page: Page, name: str) -> None:
    page.get_by_label("Authority").select_option(label=name)
    page.get_by_role("button", name="Show the letter").click()
    expect(page.get_by_role("heading", name=f"Letter to {name}")).to_be_visible()


def test_a_campaign_written_in_the_form_previews_per_authority_with_its_law(
    page: Page, live_server, authorities, tmp_path: Path
):
    sign_in(page, live_server)
    page.get_by_role("link", name="New campaign").click()
    title = f"Bin collections {uuid.uuid4().hex[:6]}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Questions").fill(
        "How many missed bin collections were reported in 2025?\n\n"
        "Which contractor collects household waste?"
    )
    page.get_by_role("button", name="Create the campaign").click()

    expect(page).to_have_url(re.compile(r"/campaigns/bin-collections-[0-9a-f]{6}/targets$"))
    page.get_by_label("Add by name or GSS code").fill("Glasgow City Council\nE08000026")
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_text("2 authorities will be sent the request")).to_be_visible()

    page.get_by_role("link", name=f"← {title}").click()
    page.get_by_role("link", name="Preview").click()
    subject = page.get_by_test_id("letter-subject")
    letter = page.get_by_test_id("letter-body")

    show_letter_for(page, "Coventry City Council")
    expect(subject).to_have_text(f"Freedom of Information request: {title}")
    expect(letter).to_contain_text("Dear Coventry City Council,")
    expect(letter).to_contain_text("section 1 of the Freedom of Information Act 2000")
    expect(letter).to_contain_text("1. How many missed bin collections were reported in 2025?")
    expect(letter).to_contain_text("2. Which contractor collects household waste?")

    show_letter_for(page, "Glasgow City Council")
    expect(letter).to_contain_text("Dear Glasgow City Council,")
    expect(letter).to_contain_text("Freedom of Information (Scotland) Act 2002")
    expect(letter).not_to_contain_text("Freedom of Information Act 2000")
    expect(page.get_by_text("Example address: each request gets its own.")).to_be_visible()
    # The template sits beside the letter
    template_box = page.get_by_role("heading", name="Template").bounding_box()
    letter_box = page.get_by_role("heading", name="Letter to Glasgow City Council").bounding_box()
    assert template_box and letter_box and template_box["x"] < letter_box["x"]
    assert abs(template_box["y"] - letter_box["y"]) < 5

    shot = tmp_path / "campaign-preview.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 20_000, "a blank page compresses to almost nothing"


def test_the_progress_bar_follows_the_sending_without_a_reload(
    page: Page, live_server, live_app: Flask, authorities: dict[str, int]
):
    slug = f"progress-{uuid.uuid4().hex[:6]}"
    with live_app.app_context():
        campaign = Campaign(
            slug=slug,
            title="Progress",
            subject_template="FOI",
            body_template="{{ questions }}",
            status="live",
            launched_at=utcnow(),
            target_filter={"authority_ids": list(authorities.values())},
        )
        campaign.requests = [
            Request(authority_id=authority_id, token=f"{slug}-{n}", status="queued")
            for n, authority_id in enumerate(authorities.values())
        ]
        db.session.add(campaign)
        db.session.commit()

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{slug}")
    progress = page.locator("#progress")
    expect(progress.locator('[data-field="queued"]')).to_have_text("2")
    expect(progress.locator('[data-field="summary"]')).to_have_text(
        "0 of 2 processed, 2 waiting in the queue."
    )

    with live_app.app_context():
        db.session.execute(
            sa.update(Request)
            .where(Request.token.startswith(slug))
            .values(status="sent", sent_at=utcnow())
        )
        db.session.commit()

    # No reload: the page asks progress.json every 2 s and stops once nothing is queued.
    expect(progress.locator('[data-field="sent"]')).to_have_text("2")
    expect(progress.locator('[data-field="queued"]')).to_have_text("0")
    expect(progress.locator('[data-field="summary"]')).to_have_text("2 of 2 processed.")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "2")
