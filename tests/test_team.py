"""Team work: assigning requests (one, or the filtered set), private notes, the activity feed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from campaign.extensions import db
from campaign.models import Event, Request, RequestNote, User


def signed_in(app: Flask, forms, auth, role: str):
    """Another person, in their own browser (the fixtures' own classes, a new client)."""
    theirs = type(forms)(app.test_client())
    type(auth)(theirs, auth.make_user).login(role)
    return theirs


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def assignee_of(app: Flask, request_id: int) -> int | None:
    with app.app_context():
        return db.session.get(Request, request_id).assigned_to_id


def test_a_request_is_assigned_and_the_timeline_says_so(app, forms, auth, sent_request, make_user):
    auth.login("editor")
    make_user("editor", email="sam@example.org")
    sent = sent_request()
    page = f"/requests/{sent.request_id}"

    response = forms.submit(
        f"{page}/assign", {"assignee": str(user_id(app, "sam@example.org"))}, page=page
    )
    assert response.status_code == 302
    assert assignee_of(app, sent.request_id) == user_id(app, "sam@example.org")
    html = forms.client.get(page).get_data(as_text=True)
    assert 'id="assignee">sam@example.org' in html
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.kind == "assigned"))
        assert event.detail == {"to": "sam@example.org"}

    forms.submit(f"{page}/assign", {"assignee": "none"}, page=page)
    assert assignee_of(app, sent.request_id) is None


def test_assigning_to_someone_outside_the_team_or_nonsense_is_refused(
    app, forms, auth, sent_request
):
    auth.login("editor")
    sent = sent_request()
    page = f"/requests/{sent.request_id}"
    for bad in ("999999", "1 OR 1=1", "-1", "x" * 50):
        assert forms.submit(f"{page}/assign", {"assignee": bad}, page=page).status_code == 400
    assert assignee_of(app, sent.request_id) is None


def test_viewers_cannot_assign_or_write_notes(app, forms, auth, sent_request):
    auth.login("viewer")
    sent = sent_request()
    page = f"/requests/{sent.request_id}"
    token = forms.token(page)
    html = forms.client.get(page).get_data(as_text=True)
    assert "Add a note" not in html and "Assign to" not in html
    post = forms.client.post
    assert post(f"{page}/assign", data={"csrf_token": token, "assignee": "1"}).status_code == 403
    assert post(f"{page}/notes", data={"csrf_token": token, "body": "hi"}).status_code == 403


def test_the_filtered_set_is_assigned_across_pages(app, forms, auth, sent_request, make_user):
    me = auth.login("editor")
    waiting = [sent_request(status="awaiting_response") for _ in range(3)]
    other = sent_request(status="sent")
    with app.app_context():
        slug = db.session.get(Request, other.request_id).campaign.slug
        # sent_request makes a campaign per request: gather them under one campaign
        campaign_id = db.session.get(Request, other.request_id).campaign_id
        for sent in waiting:
            db.session.get(Request, sent.request_id).campaign_id = campaign_id
        db.session.commit()
    listing = f"/campaigns/{slug}/requests?status=awaiting_response"

    response = forms.submit(
        f"/campaigns/{slug}/requests/assign",
        {"status": "awaiting_response", "assigned": "", "assignee": str(user_id(app, me))},
        page=listing,
        follow_redirects=True,
    )

    assert "3 requests assigned to" in response.get_data(as_text=True)
    assert all(assignee_of(app, s.request_id) == user_id(app, me) for s in waiting)
    assert assignee_of(app, other.request_id) is None
    mine = forms.client.get(f"/campaigns/{slug}/requests?assigned=me").get_data(as_text=True)
    assert mine.count(f"{me}</td>") == 3
    nobody = forms.client.get(f"/campaigns/{slug}/requests?assigned=none").get_data(as_text=True)
    assert f"{me}</td>" not in nobody
    with app.app_context():
        kinds = db.session.scalars(sa.select(Event.kind)).all()
    assert kinds.count("assigned") == 3 and kinds.count("requests_assigned") == 1


def test_notes_are_added_shown_kept_out_of_the_timeline_and_deleted_by_their_author(
    app, forms, auth, sent_request, make_user
):
    author = auth.login("editor")
    sent = sent_request()
    page = f"/requests/{sent.request_id}"
    secret = "Phoned Jane on 0161 496 0000: she promised Friday"

    forms.submit(f"{page}/notes", {"body": secret}, page=page)

    html = forms.client.get(page).get_data(as_text=True)
    assert secret in html and author in html
    with app.app_context():
        events = db.session.scalars(sa.select(Event).where(Event.kind == "note_added")).all()
        assert len(events) == 1 and secret not in str(events[0].detail)
        note_id = db.session.scalar(sa.select(RequestNote.id))

    for bad in ("", "   ", "x" * 5001):
        response = forms.submit(f"{page}/notes", {"body": bad}, page=page, follow_redirects=True)
        assert "empty" in response.get_data(as_text=True) or "limited" in response.get_data(
            as_text=True
        )

    delete = f"{page}/notes/{note_id}/delete"
    other = signed_in(app, forms, auth, "editor")
    assert other.client.post(delete, data={"csrf_token": other.token(page)}).status_code == 403
    owner = signed_in(app, forms, auth, "owner")
    assert owner.submit(delete, page=page).status_code == 302
    with app.app_context():
        assert db.session.get(RequestNote, note_id) is None
    assert forms.client.post(delete, data={"csrf_token": forms.token(page)}).status_code == 404


def test_the_activity_feed_lists_the_campaigns_events_newest_first(app, forms, auth, sent_request):
    auth.login("editor")
    sent = sent_request()
    page = f"/requests/{sent.request_id}"
    forms.submit(f"{page}/notes", {"body": "first"}, page=page)
    forms.submit(f"{page}/assign", {"assignee": "none"}, page=page)
    forms.submit(f"{page}/status", {"status": "awaiting_response", "reason": "by post"}, page=page)
    with app.app_context():
        slug = db.session.get(Request, sent.request_id).campaign.slug

    html = forms.client.get(f"/campaigns/{slug}/activity").get_data(as_text=True)
    feed = html.split('id="activity"')[1]
    assert feed.index("status changed") < feed.index("note added")
    assert "first" not in feed  # the note's text stays on the request
    only = forms.client.get(f"/campaigns/{slug}/activity?kind=note_added").get_data(as_text=True)
    assert "status changed" not in only.split('id="activity"')[1]
    odd = forms.client.get(f"/campaigns/{slug}/activity?kind=<script>&page=-4")
    assert odd.status_code == 200
    assert forms.client.get("/campaigns/no-such-campaign/activity").status_code == 404
