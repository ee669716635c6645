"""The follow-up pages as people use them: sign-in, roles, CSRF, bad input, downloads."""

from __future__ import annotations

import re

import pytest
from test_followups_support import (
    add_reply,
    event_kinds,
    follow_ups,
    fresh,
    make_campaign,
    make_request,
)

from campaign.extensions import db
from campaign.models import Campaign
from campaign.services.followups import today_in_london


@pytest.fixture
def late_campaign(app):
    """A campaign with two chaseable overdue requests and one without any address."""
    with app.app_context():
        campaign = make_campaign(slug="late-councils")
        make_request(campaign, "Coventry City Council", reference_id="REQ04543", late_by=12)
        make_request(campaign, "Solihull Council", late_by=4)
        make_request(campaign, "Nowhere Council", email=None, sent_to=None)
        return campaign.slug


def ticked(html: str) -> list[str]:
    return re.findall(r'name="selected" value="([^"]+)" checked', html)


def test_pages_need_sign_in(client, late_campaign):
    response = client.get(f"/campaigns/{late_campaign}/chase")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_chase_page_ticks_every_chaseable_request_and_explains_the_rest(
    client, auth, late_campaign
):
    auth.login("editor")
    html = client.get(f"/campaigns/{late_campaign}/chase").get_data(as_text=True)

    assert len(ticked(html)) == 2
    assert "Not chaseable: no email address for this authority" in html
    assert "Queue <span data-count>2</span> chasers" in html
    assert "[Your ref: REQ04543]" in html  # the preview of the latest request


def test_queueing_from_the_page_twice_sends_one_chaser_per_request(
    app, client, auth, forms, late_campaign
):
    auth.login("editor")
    page = f"/campaigns/{late_campaign}/chase"
    selected = ticked(client.get(page).get_data(as_text=True))

    first = forms.submit(page, {"selected": selected})
    again = forms.submit(page, {"selected": selected}, page=page)

    assert first.status_code == 302 and again.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "already chased for this stage" in html or "Not chaseable" in html
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=late_campaign).one()
        assert sum(len(follow_ups(r.id)) for r in campaign.requests) == 2


def test_a_post_without_its_csrf_token_is_refused(client, auth, late_campaign):
    auth.login("editor")
    response = client.post(f"/campaigns/{late_campaign}/chase", data={"selected": ["1:0"]})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    ["{{ ''.__class__ }}", "{{ cycler.__init__.__globals__ }}", "Dear {{ council }},"],
)
def test_a_hostile_or_unknown_chaser_template_is_refused_with_a_clear_message(
    app, client, auth, forms, late_campaign, body
):
    auth.login("editor")
    response = forms.submit(
        f"/campaigns/{late_campaign}/follow-ups/templates",
        {"kind": "chaser", "subject": "", "body": body},
        page=f"/campaigns/{late_campaign}/follow-ups",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not saved:" in html and ("Python internals" in html or "Unknown placeholder" in html)
    with app.app_context():
        assert (
            db.session.query(Campaign).filter_by(slug=late_campaign).one().chaser_body_template
            == ""
        )


def test_a_broken_template_already_saved_stops_the_bulk_queue(
    app, client, auth, forms, late_campaign
):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=late_campaign).one()
        campaign.chaser_body_template = "{{ request.__init__ }}"
        db.session.commit()
    auth.login("editor")
    page = f"/campaigns/{late_campaign}/chase"
    selected = ticked(client.get(page).get_data(as_text=True))

    response = forms.submit(page, {"selected": selected})

    assert response.status_code == 400
    assert "Nothing was queued" in response.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug=late_campaign).one()
        assert all(follow_ups(r.id) == [] for r in campaign.requests)


def test_a_viewer_sees_the_pages_but_cannot_queue_or_change_anything(
    client, auth, forms, late_campaign
):
    auth.login("viewer")
    for page in ("chase", "reviews", "follow-ups"):
        response = client.get(f"/campaigns/{late_campaign}/{page}")
        assert response.status_code == 200
        assert 'name="selected"' not in response.get_data(as_text=True)
    for url in (
        f"/campaigns/{late_campaign}/chase",
        f"/campaigns/{late_campaign}/reviews",
        f"/campaigns/{late_campaign}/follow-ups/ladder",
        f"/campaigns/{late_campaign}/follow-ups/templates",
        "/requests/1/follow-ups/chase",
        "/requests/1/follow-ups/outcome",
        "/requests/1/complaint/escalated",
    ):
        response = forms.submit(url, {}, page=f"/campaigns/{late_campaign}/chase")
        assert response.status_code == 403, url


def test_turning_the_ladder_on_is_shown_plainly(client, auth, forms, late_campaign):
    auth.login("editor")
    page = f"/campaigns/{late_campaign}/follow-ups"
    assert "Escalation ladder off" in client.get(page).get_data(as_text=True)

    response = forms.submit(
        f"{page}/ladder",
        {"enabled": "y", "first_after": "5", "second_after": "10"},
        page=page,
        follow_redirects=True,
    )
    bad = forms.submit(f"{page}/ladder", {"first_after": "0", "second_after": "x"}, page=page)

    html = response.get_data(as_text=True)
    assert "Escalation ladder on:" in html and "first chaser 5 working days" in html
    assert bad.status_code == 400
    assert "Escalation ladder on" in client.get(f"/campaigns/{late_campaign}/chase").get_data(
        as_text=True
    )


def test_reviews_in_two_clicks_filter_then_queue(app, client, auth, forms):
    with app.app_context():
        campaign = make_campaign(slug="refusals")
        for name, codes in (("Cost Council", ["s12"]), ("Vexed Council", ["s14"])):
            request = make_request(campaign, name, status="refused")
            add_reply(request, "refusal", exemptions=codes)
    auth.login("editor")

    listing = client.get("/campaigns/refusals/reviews?exemption=s12").get_data(as_text=True)
    response = forms.submit(
        "/campaigns/refusals/reviews",
        {
            "selected": ticked(listing),
            "grounds": "The estimate is wrong.",
            "statuses": "refused",
            "exemption": "s12",
            "action": "queue",
        },
        page="/campaigns/refusals/reviews?exemption=s12",
        follow_redirects=True,
    )

    assert "Cost Council" in listing and "Vexed Council" not in listing
    assert "The estimate is wrong." not in listing
    assert "Queued 1 review request." in response.get_data(as_text=True)
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="refusals").one()
        statuses = {r.authority.name: r.status for r in campaign.requests}
        assert statuses == {"Cost Council": "review_requested", "Vexed Council": "refused"}


def test_the_review_preview_uses_the_grounds_typed_on_the_form(app, client, auth, forms):
    with app.app_context():
        campaign = make_campaign(slug="preview-grounds")
        request = make_request(campaign, "Preview Council", status="refused")
        add_reply(request, "refusal", exemptions=["s12"])
        request_id = request.id
    auth.login("editor")

    response = forms.submit(
        "/campaigns/preview-grounds/reviews",
        {"selected": [f"{request_id}:refused"], "grounds": "Typed grounds.", "preview": ""},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Typed grounds." in html
    with app.app_context():
        assert follow_ups(request_id) == []


def test_one_request_edited_then_reviewed_then_its_outcome_recorded(app, client, auth, forms):
    with app.app_context():
        campaign = make_campaign(slug="one-by-one")
        request = make_request(campaign, "Single Council", status="partially_successful")
        add_reply(request, "response", exemptions=["s43(2)"])
        request_id = request.id
    auth.login("editor")
    page = f"/requests/{request_id}/follow-ups"

    forms.submit(f"{page}/grounds", {"grounds": "The commercial interests test fails."}, page=page)
    preview = client.get(page).get_data(as_text=True)
    forms.submit(f"{page}/review", {"seen": "partially_successful"}, page=page)
    forms.submit(f"{page}/outcome", {"outcome": "upheld", "note": ""}, page=page)

    assert "The commercial interests test fails." in preview and "section 43(2)" in preview
    with app.app_context():
        request = fresh(db.session.get(type(request), request_id))
        assert (request.status, request.review_outcome) == ("review_answered", "upheld")
        assert [m.send_state for m in follow_ups(request_id)] == ["sent"]
    html = client.get(page).get_data(as_text=True)
    assert "Ready: the internal review upheld the decision" in html


def test_the_complaint_draft_can_be_copied_and_downloaded_and_the_download_is_logged(
    app, client, auth
):
    with app.app_context():
        campaign = make_campaign(slug="complaints")
        request = make_request(
            campaign, "Glasgow City Council", status="review_overdue", law="foisa"
        )
        request.review_requested_at = request.sent_at
        request.review_due_on = today_in_london().replace(day=1)
        db.session.commit()
        request_id = request.id
    auth.login("viewer")

    page = client.get(f"/requests/{request_id}/complaint").get_data(as_text=True)
    download = client.get(f"/requests/{request_id}/complaint.txt")

    assert "<textarea" in page and 'id="copy-complaint"' in page
    # Its copy button is the app's own script: nothing loaded from elsewhere.
    assert re.findall(r'<script src="([^"]+)"', page) == ["/static/copy-complaint.js"]
    assert "Application to the Scottish Information Commissioner" in page
    assert download.status_code == 200 and download.mimetype == "text/plain"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "sic-complaint-glasgow" in disposition
    assert "section 47(1) of the Freedom of Information (Scotland) Act 2002" in download.get_data(
        as_text=True
    )
    with app.app_context():
        assert "complaint_draft_downloaded" in event_kinds(request_id)


def test_no_complaint_download_before_one_is_ready(app, client, auth, late_campaign):
    auth.login("editor")
    response = client.get("/requests/1/complaint.txt")
    assert response.status_code == 404
    assert "No complaint is ready yet" in client.get("/requests/1/complaint").get_data(as_text=True)


def test_the_ladder_summary_partial_counts_each_rung(app, late_campaign):
    from flask import render_template_string

    with app.test_request_context():
        campaign = db.session.query(Campaign).filter_by(slug=late_campaign).one()
        html = render_template_string(
            "{% with ladder = ladder_summary_for(campaign) %}"
            '{% include "followups/_ladder_summary.html" %}{% endwith %}',
            campaign=campaign,
        )
    assert re.search(r"Overdue, not chased</dt><dd>3</dd>", html)
    assert re.search(r"Chased once</dt><dd>0</dd>", html)
