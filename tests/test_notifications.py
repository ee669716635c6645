"""Notifications: collected once, mailed at once or in one digest a day, unsubscribed in a click."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email
from flask import Flask

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.models import Digest, Notification, Request, User
from campaign.models.base import utcnow
from campaign.models.notification import NotifyMode
from campaign.services import notifications
from campaign.services.ingest import store_inbound
from campaign.services.statuses import change_status

ACK = "Thank you for your request. We will respond within 20 working days. Our ref: FOI 18-0501"


def outbox(app: Flask) -> list:
    folder = Path(app.config["OUTBOX_DIR"])
    if not folder.exists():
        return []
    files = sorted(folder.glob("notify-*.eml"))
    return [message_from_bytes(path.read_bytes()) for path in files]


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def set_mode(app: Flask, email: str, campaign_id: int | None, mode: str) -> None:
    with app.app_context():
        notifications.set_mode(user_id(app, email), campaign_id, mode)
        db.session.commit()


def campaign_of(app: Flask, request_id: int) -> int:
    with app.app_context():
        return db.session.get(Request, request_id).campaign_id


def collect(app: Flask) -> int:
    with app.app_context():
        return notifications.collect()


def notes_of(app: Flask, email: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id(app, email))
            .order_by(Notification.id)
        )
        return [(n.kind, n.text) for n in rows]


def reply(app: Flask, sent, body: str = ACK, **kwargs) -> None:
    with app.app_context():
        raw = reply_email(to=sent.reply_to, sender=sent.authority_email, body=body, **kwargs)
        assert store_inbound(raw, MessageSource.IMPORT).ok


@pytest.fixture
def team(make_user):
    make_user("owner", email="owner@example.org")
    make_user("editor", email="editor@example.org")
    return ("owner@example.org", "editor@example.org")


def test_a_reply_notifies_everyone_following_once(app, sent_request, team):
    sent = sent_request()
    reply(app, sent)

    assert collect(app) == 2
    assert collect(app) == 0  # the same events, the same keys: nobody told twice
    [(kind, text)] = notes_of(app, "owner@example.org")
    assert kind == "new_reply"
    assert "acknowledgement received" in text


def test_off_for_a_campaign_means_nothing_for_it(app, sent_request, team):
    sent = sent_request()
    set_mode(app, "editor@example.org", campaign_of(app, sent.request_id), "off")
    reply(app, sent)

    collect(app)

    assert notes_of(app, "editor@example.org") == []
    assert len(notes_of(app, "owner@example.org")) == 1


def test_overdue_inbox_mail_unreadable_documents_and_reviews_due_are_collected(
    app, sent_request, team
):
    sent = sent_request(status="awaiting_response")
    later = sent_request(status="review_requested")
    with app.app_context():
        change_status(db.session.get(Request, sent.request_id), "overdue")
        db.session.get(Request, later.request_id).review_due_on = date.today() + timedelta(days=3)
        db.session.commit()
        stray = reply_email(to="someone@elsewhere.example", sender="x@unknown.example")
        assert store_inbound(stray, MessageSource.IMPORT).ok
    broken = make_pdf(["Response"])[:40]
    reply(
        app,
        sent,
        body="Please find our response attached.",
        attachments=[("response.pdf", "application/pdf", broken)],
    )

    collect(app)

    kinds = {kind for kind, _ in notes_of(app, "owner@example.org")}
    assert {"overdue", "inbox_waiting", "parse_failed", "review_due", "new_reply"} <= kinds
    texts = " ".join(text for _, text in notes_of(app, "owner@example.org"))
    assert "response.pdf could not be read" in texts
    assert "internal review answer due" in texts
    assert collect(app) == 0


def test_immediate_mode_sends_one_email_with_everything_new_and_an_unsubscribe_link(
    app, sent_request, team
):
    sent = sent_request()
    set_mode(app, "editor@example.org", None, "immediate")
    reply(app, sent)
    reply(app, sent, body="Your request is being processed.", message_id="second@council.example")
    collect(app)

    with app.app_context():
        assert notifications.send_immediate() == 1
        assert notifications.send_immediate() == 0
    [email] = outbox(app)
    assert email["To"] == "editor@example.org"
    assert email["Subject"] == "2 new on FOI Campaign"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = "".join(email["List-Unsubscribe"].split())  # long headers are folded
    assert unsubscribe.startswith("<http://127.0.0.1:5000/notifications/unsubscribe/")
    body = email.get_payload(decode=True).decode()
    assert f"http://127.0.0.1:5000/requests/{sent.request_id}" in body


def test_one_digest_per_user_per_day_however_often_the_job_runs(app, sent_request, team):
    sent = sent_request()
    set_mode(app, "editor@example.org", None, "off")
    reply(app, sent)
    collect(app)

    with app.app_context():
        first = notifications.send_digests()
        again = notifications.send_digests()
    assert (first.sent, again.sent, again.already) == (1, 0, 1)
    [digest] = outbox(app)
    assert digest["To"] == "owner@example.org"
    assert digest["Subject"] == "FOI Campaign: 1 thing to look at"
    with app.app_context():
        tomorrow = notifications.send_digests(day=date.today() + timedelta(days=1))
    assert (tomorrow.sent, tomorrow.empty) == (0, 1)  # nothing new: no email at all
    assert len(outbox(app)) == 1


def test_a_digest_that_could_not_be_sent_is_tried_again_and_loses_nothing(
    make_app, sent_request, team, app
):
    sent = sent_request()
    set_mode(app, "editor@example.org", None, "off")
    reply(app, sent)
    collect(app)
    broken = make_app(
        create_tables=False,
        MAIL_TRANSPORT="mailgun",
        MAILGUN_API_KEY="key",
        MAILGUN_DOMAIN="mg.example.org",
        MAILGUN_API_URL="http://127.0.0.1:9",
        MAILGUN_TIMEOUT_SECONDS=2,
    )

    with broken.app_context():
        assert notifications.send_digests().failed == 1
        digest = db.session.scalar(sa.select(Digest))
        assert digest.state == "failed"
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(Notification.emailed_at.is_(None)))
            == 1  # the owner's, back in line for the next run
        )
    with app.app_context():
        assert notifications.send_digests().sent == 1
    assert len(outbox(app)) == 1


def test_the_unsubscribe_link_works_without_sign_in_and_only_when_signed(
    app, client, sent_request, team
):
    sent = sent_request()
    campaign_id = campaign_of(app, sent.request_id)
    owner = user_id(app, "owner@example.org")
    with app.app_context():
        token = notifications.unsubscribe_token(owner, campaign_id)
        everything = notifications.unsubscribe_token(owner, None)

    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop emails about" in page.get_data(as_text=True)
    with app.app_context():
        assert notifications.mode_for(notifications.modes_of(owner), campaign_id).value == "daily"

    done = client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and "No more emails about" in done.get_data(as_text=True)
    client.post(f"/notifications/unsubscribe/{everything}")
    with app.app_context():
        modes = notifications.modes_of(owner)
        assert notifications.mode_for(modes, campaign_id) is NotifyMode.OFF
        assert notifications.mode_for(modes, None) is NotifyMode.OFF

    for forged in (token[:-2] + "xx", "nonsense", "a" * 500, everything.replace(".", "")):
        assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404


def test_the_notifications_page_lists_marks_read_and_counts_unread(app, sent_request, forms, auth):
    email = auth.login("editor")
    sent = sent_request()
    reply(app, sent)
    collect(app)

    page = forms.client.get("/notifications").get_data(as_text=True)
    assert "acknowledgement received" in page
    assert 'title="unread">1</span>' in page

    forms.submit("/notifications/read", page="/notifications")
    page = forms.client.get("/notifications").get_data(as_text=True)
    assert 'title="unread"' not in page
    with app.app_context():
        assert notifications.unread_count(user_id(app, email)) == 0


def test_marking_someone_elses_notification_read_does_nothing(app, sent_request, forms, auth):
    auth.login("editor")
    sent = sent_request()
    reply(app, sent)
    with app.app_context():
        other = User(email="other@example.org", role="viewer")
        other.set_password("correct horse 42")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    collect(app)
    with app.app_context():
        theirs = db.session.scalar(
            sa.select(Notification.id).where(Notification.user_id == other_id)
        )
    forms.submit("/notifications/read", {"id": str(theirs)}, page="/notifications")
    with app.app_context():
        assert db.session.get(Notification, theirs).read_at is None

    token = forms.token("/notifications")
    bad = forms.client.post("/notifications/read", data={"csrf_token": token, "id": "1; DROP"})
    assert bad.status_code == 400


def test_choices_are_saved_per_campaign_and_bad_values_refused(app, sent_request, forms, auth):
    email = auth.login("viewer")
    sent = sent_request()
    campaign_id = campaign_of(app, sent.request_id)

    response = forms.submit(
        "/notifications/settings",
        {"default": "off", f"campaign-{campaign_id}": "immediate"},
        follow_redirects=True,
    )
    assert "Notification choices saved" in response.get_data(as_text=True)
    with app.app_context():
        modes = notifications.modes_of(user_id(app, email))
    assert modes == {None: NotifyMode.OFF, campaign_id: NotifyMode.IMMEDIATE}

    bad = forms.submit("/notifications/settings", {"default": "hourly"})
    assert bad.status_code == 400


def test_collecting_a_launch_worth_of_events_is_quick_and_complete(app, sent_request, team):
    requests = [sent_request() for _ in range(30)]
    for n, sent in enumerate(requests):
        reply(app, sent, message_id=f"bulk-{n}@council.example")
    started = utcnow()

    assert collect(app) == 60
    assert utcnow() - started < timedelta(seconds=30)
