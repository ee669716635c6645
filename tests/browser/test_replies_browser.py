"""Replies in a real browser: hostile HTML stays inert, and stray mail is filed from the Inbox."""

from __future__ import annotations

import uuid

import pytest
from browser_support import sign_in
from fakes.replies import reply_email
from flask import Flask
from playwright.sync_api import Page, expect

from campaign.domain.tokens import new_token
from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import new_message_id, reply_address
from campaign.models import Authority, Campaign, Message, Request
from campaign.services.ingest import store_inbound

pytestmark = pytest.mark.browser

HOSTILE = (
    "<p>Please find our answer below.</p>"
    "<script>alert('script ran')</script>"
    '<img src="https://tracker.example/open.gif" width="1" height="1">'
    '<img src="x" onerror="alert(\'onerror ran\')">'
    "<a href=\"javascript:alert('link ran')\">Click here</a>"
    '<iframe src="https://evil.example/"></iframe>'
)


def a_sent_request(app: Flask, name: str) -> tuple[int, str]:
    """A request to a new authority whose letter went out; its id and reply address."""
    with app.app_context():
        suffix = uuid.uuid4().hex[:6]
        authority = Authority(name=f"{name} {suffix}", foi_email=f"foi@{suffix}.gov.uk")
        token = new_token()
        request = Request(
            campaign=Campaign(slug=f"replies-{suffix}", title="Data analytics"),
            authority=authority,
            token=token,
            status="sent",
            sent_to=authority.foi_email,
        )
        letter = Message(
            request=request,
            direction="outbound",
            kind="request",
            subject="Freedom of Information request",
            message_id=new_message_id(token, "replies.example.org"),
        )
        db.session.add_all([authority, request, letter])
        db.session.commit()
        return request.id, reply_address(token, "replies.example.org")


def test_a_hostile_html_reply_shows_its_text_and_runs_nothing(
    page: Page, live_server, live_app, offsite_requests
):
    request_id, address = a_sent_request(live_app, "Hostile Borough Council")
    with live_app.app_context():
        sender = db.session.get(Request, request_id).authority.foi_email
        store_inbound(
            reply_email(to=address, sender=sender, body="", html=HOSTILE), MessageSource.WEBHOOK
        )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/requests/{request_id}")
    expect(page.get_by_text("Please find our answer below.")).to_be_visible()
    page.get_by_text("Click here").click()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert offsite_requests == []
    assert page.locator(".html-body script, .html-body iframe, .html-body img").count() == 0


def test_stray_mail_is_found_and_assigned_from_the_inbox(page: Page, live_server, live_app):
    request_id, _ = a_sent_request(live_app, "Inbox Test District Council")
    with live_app.app_context():
        authority = db.session.get(Request, request_id).authority.name
        subject = f"Your request {uuid.uuid4().hex[:6]}"
        store_inbound(
            reply_email(
                to="records@elsewhere.example",
                sender="case.officer@contractor.example",
                subject=subject,
                body="We received your request. Our ref: CAS-123456-ABCD",
            ),
            MessageSource.WEBHOOK,
        )
    sign_in(page, live_server)
    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name="Not matched to a request")).to_be_visible()
    page.get_by_label("Authority name, their reference or the request token").fill(
        "Inbox Test District"
    )
    page.get_by_role("button", name="Search").click()
    page.get_by_label(authority, exact=False).first.check()
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text(f"Filed on the request to {authority}")).to_be_visible()
    expect(page.get_by_text("CAS-123456-ABCD").first).to_be_visible()
    expect(page.locator(f"#message-title-{_inbound_id(live_app, subject)}")).to_contain_text(
        subject
    )


def _inbound_id(app: Flask, subject: str) -> int:
    import sqlalchemy as sa

    with app.app_context():
        return db.session.scalar(sa.select(Message.id).where(Message.subject == subject))
