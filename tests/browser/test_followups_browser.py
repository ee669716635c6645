"""Follow-ups in a real browser: a bulk chaser round with a preview, and a complaint draft that
copies and downloads with no script from anywhere but this page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from browser_support import sign_in
from playwright.sync_api import Page, expect
from test_followups_support import follow_ups, make_campaign, make_request

from campaign.extensions import db
from campaign.services.followups import today_in_london

pytestmark = pytest.mark.browser


def test_a_bulk_chaser_round_previewed_then_queued(page: Page, live_server, live_app):
    suffix = uuid.uuid4().hex[:6]
    with live_app.app_context():
        campaign = make_campaign(slug=f"browser-chase-{suffix}")
        quoted = make_request(campaign, f"Quoted Council {suffix}", reference_id=f"REF-{suffix}")
        skipped = make_request(campaign, f"Skipped Council {suffix}", late_by=3)
        slug, quoted_id, skipped_id = campaign.slug, quoted.id, skipped.id

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{slug}/follow-ups")
    expect(page.get_by_text("Escalation ladder off")).to_be_visible()
    page.get_by_role("link", name="Chase overdue requests").first.click()

    boxes = page.locator("input[name=selected]")
    expect(boxes).to_have_count(2)
    for n in range(2):
        expect(boxes.nth(n)).to_be_checked()

    page.locator("tr", has_text=f"Quoted Council {suffix}").get_by_role(
        "link", name="Preview"
    ).click()
    expect(page.locator(".preview-subject")).to_contain_text(f"[Your ref: REF-{suffix}]")
    expect(page.locator(".preview-body")).to_contain_text("working days late")

    page.get_by_label(f"Chase Skipped Council {suffix}").uncheck()
    expect(page.locator("#queue-chasers [data-count]")).to_have_text("1")
    page.locator("#queue-chasers").click()
    expect(page.get_by_text("Queued 1 chaser.")).to_be_visible()
    with live_app.app_context():
        assert [m.send_state for m in follow_ups(quoted_id)] == ["sent"]
        assert follow_ups(skipped_id) == []


def test_a_complaint_draft_copies_and_downloads(page: Page, live_server, live_app, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    with live_app.app_context():
        campaign = make_campaign(slug=f"browser-complaint-{suffix}")
        request = make_request(campaign, f"Silent Review Council {suffix}", status="review_overdue")
        request.review_requested_at = request.sent_at + timedelta(days=30)
        request.review_due_on = today_in_london() - timedelta(days=10)
        db.session.commit()
        request_id = request.id

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/requests/{request_id}/follow-ups")
    page.get_by_role("link", name="See the complaint draft").click()

    text = page.get_by_label("Complaint text")
    expect(text).to_have_value(re.compile("Complaint to the Information Commissioner's Office"))
    page.get_by_role("button", name="Copy the text").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == text.input_value()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as .txt").click()
    download = download_info.value
    assert download.suggested_filename.startswith("ico-complaint-silent-review-council")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_text() == text.input_value().replace("\r\n", "\n")
