"""Launching and sending through the real Mailgun SDK against a fake Mailgun on 127.0.0.1:
every letter goes exactly once, whatever fails along the way."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fakes import FakeMailgun

from campaign.extensions import db
from campaign.models import Authority, Campaign, Event, Message, Question, Request
from campaign.models.base import utcnow
from campaign.services.launch import campaign_progress, launch_campaign
from campaign.services.sending import SendOutcome, send_request, stuck_requests
from campaign.tasks import transport_for

BODY = (
    "Dear {{ authority.name }},\n\nUnder {{ law.citation }}:\n\n{{ questions }}\n\n{{ reply_to }}"
)


@pytest.fixture
def mailgun():
    with FakeMailgun(hang_seconds=2.5) as server:
        yield server


def make_campaign(n: int, *, domains: int = 40, without_email: int = 0) -> Campaign:
    """A campaign targeting n authorities with email (on `domains` mail domains) and some
    without."""
    authorities = [
        Authority(
            name=f"Council {i}",
            nation="Scotland" if i % 10 == 0 else "England",
            law="foisa" if i % 10 == 0 else "foia",
            foi_email=f"foi{i}@council{i % domains}.gov.uk",
        )
        for i in range(n)
    ] + [Authority(name=f"No Email Council {i}", nation="Wales") for i in range(without_email)]
    db.session.add_all(authorities)
    db.session.flush()
    campaign = Campaign(
        slug=f"campaign-{n}",
        title="Data analytics",
        subject_template="Freedom of Information request: data analytics",
        body_template=BODY,
        target_filter={"authority_ids": [a.id for a in authorities]},
    )
    campaign.questions = [Question(position=1, text="Any briefing notes?")]
    db.session.add(campaign)
    db.session.commit()
    return campaign


def statuses(campaign: Campaign) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(sa.select(Request.status).where(Request.campaign_id == campaign.id))
    )


def test_launch_through_the_outbox_writes_one_letter_per_authority_with_its_own_address(app):
    with app.app_context():
        campaign = make_campaign(12, without_email=2)
        result = launch_campaign(campaign)
        assert (result.queued, len(result.skipped)) == (12, 2)
        assert all(reason == "no FOI email address" for _, reason in result.skipped)
        assert statuses(campaign) == {"sent": 12, "draft": 2}
        outbox = list(
            (
                app.config["OUTBOX_DIR"] and __import__("pathlib").Path(app.config["OUTBOX_DIR"])
            ).glob("*.eml")
        )
        assert len(outbox) == 12
        senders = {m.from_address for m in db.session.scalars(sa.select(Message))}
        assert len(senders) == 12 and all(s.startswith("foi+") for s in senders)
        scottish = db.session.scalar(
            sa.select(Message)
            .join(Message.request)
            .join(Authority)
            .where(Authority.name == "Council 0")
        )
        assert "Freedom of Information (Scotland) Act 2002" in scottish.body_text
        assert campaign_progress(campaign) == {
            "total": 14,
            "queued": 0,
            "sent": 12,
            "delivered": 0,
            "failed": 0,
            "skipped": 2,
        }


def test_launching_again_sends_nothing_twice_and_picks_up_new_addresses(app):
    with app.app_context():
        campaign = make_campaign(5, without_email=1)
        launch_campaign(campaign)
        missing = db.session.scalar(sa.select(Authority).where(Authority.foi_email.is_(None)))
        missing.foi_email = "foi@late.gov.uk"
        db.session.commit()
        again = launch_campaign(campaign)
        assert (again.queued, again.already_launched, again.skipped) == (1, 5, [])
        assert statuses(campaign) == {"sent": 6}
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 6


def test_400_authority_launch_with_10_percent_transient_failures_loses_and_duplicates_none(
    mailgun_app, mailgun, run_scheduled
):
    mailgun.fail_rate = 0.10
    with mailgun_app.app_context():
        campaign = make_campaign(400)
        launch_campaign(campaign)
        run_scheduled()  # the retries, as if their back-off had passed
        assert statuses(campaign) == {"sent": 400}
        ids = [m.message_id for m in mailgun.messages]
        assert len(ids) == 400 and len(set(ids)) == 400
        assert mailgun.post_count > 400  # failures happened and were retried
        stored = set(db.session.scalars(sa.select(Message.message_id)))
        assert stored == set(ids)


def test_permanent_refusal_marks_the_request_delivery_failed_with_the_reason(mailgun_app, mailgun):
    mailgun.mode = "400"
    with mailgun_app.app_context():
        campaign = make_campaign(3)
        launch_campaign(campaign)
        assert statuses(campaign) == {"delivery_failed": 3}
        request = db.session.scalars(sa.select(Request)).first()
        assert request.failure_reason
        assert mailgun.post_count == 3  # no retry of a permanent refusal


def test_unanswered_send_is_reconciled_not_resent(mailgun_app, mailgun):
    mailgun.mode = "accept_then_hang"
    with mailgun_app.app_context():
        campaign = make_campaign(1)
        request = db.session.scalar(sa.select(Request))
        assert request is None
        launch_campaign(campaign)
        request = db.session.scalar(sa.select(Request))
        assert request.status == "queued" and request.send_claimed_at is not None
        mailgun.mode = "ok"
        # Later, the claim is stale: the worker asks Mailgun before sending again.
        request.send_claimed_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        report = send_request(request.id, transport_for(mailgun_app))
        assert report.outcome == SendOutcome.RECONCILED
        assert len(mailgun.messages) == 1
        assert statuses(campaign) == {"sent": 1}


def test_crash_after_claim_before_send_is_resent_once_with_the_same_message_id(
    mailgun_app, mailgun
):
    """A worker died after claiming and storing the letter but before Mailgun saw it."""
    mailgun.mode = "hang"
    with mailgun_app.app_context():
        campaign = make_campaign(1)
        launch_campaign(campaign)
        request = db.session.scalar(sa.select(Request))
        first_id = db.session.scalar(sa.select(Message.message_id))
        assert mailgun.messages == []
        mailgun.mode = "ok"
        request.send_claimed_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert send_request(request.id, transport_for(mailgun_app)).outcome == SendOutcome.SENT
        assert [m.message_id for m in mailgun.messages] == [first_id]
        assert send_request(request.id, transport_for(mailgun_app)).outcome == (SendOutcome.SKIPPED)
        assert len(mailgun.messages) == 1


def test_a_letter_that_cannot_be_written_fails_with_the_reason_and_is_not_left_claimed(
    mailgun_app, mailgun
):
    """The letter quotes each authority's GSS code, and one authority has none: its request
    fails with the template's own words, holds no claim, and the rest of its batch goes."""
    with mailgun_app.app_context():
        campaign = make_campaign(3)
        campaign.body_template = BODY + "\n\nArea: {{ authority.gss_code[0] }}"
        uncoded = "Council 0"
        for authority in db.session.scalars(sa.select(Authority)):
            authority.gss_code = None if authority.name == uncoded else f"E1{authority.id:07d}"
        db.session.commit()

        launch_campaign(campaign)

        assert statuses(campaign) == {"sent": 2, "delivery_failed": 1}
        failed = db.session.scalar(
            sa.select(Request).join(Authority).where(Authority.name == uncoded)
        )
        assert failed.send_claimed_at is None
        assert failed.failure_reason == (
            "The letter could not be written: "
            "The body uses a placeholder that has no value: str object has no element 0"
        )
        event = db.session.scalar(
            sa.select(Event).where(
                Event.request_id == failed.id, Event.to_status == "delivery_failed"
            )
        )
        assert event.from_status == "queued" and event.detail["reason"] == failed.failure_reason
        assert failed.messages == []  # nothing stored, so nothing to reconcile or resend
        assert len(mailgun.messages) == 2
        assert stuck_requests(utcnow() + timedelta(days=1)) == []

        # Queued again unchanged, it fails again the same way, and again holds no claim.
        failed.status = "queued"
        db.session.commit()
        report = send_request(failed.id, transport_for(mailgun_app))
        assert report.outcome == SendOutcome.FAILED
        assert report.detail.startswith("The body uses a placeholder that has no value")
        db.session.expire_all()
        assert (failed.status, failed.send_claimed_at) == ("delivery_failed", None)
        assert mailgun.post_count == 2


def test_a_fresh_claim_is_left_to_the_worker_holding_it(mailgun_app, mailgun):
    with mailgun_app.app_context():
        campaign = make_campaign(1)
        authority_request = Request(
            campaign_id=campaign.id,
            authority_id=db.session.scalar(sa.select(Authority.id)),
            token="abcdefghjkmnpq",
            status="queued",
            sent_to="foi0@council0.gov.uk",
            send_claimed_at=utcnow(),
        )
        db.session.add(authority_request)
        db.session.commit()
        report = send_request(authority_request.id, transport_for(mailgun_app))
        assert report.outcome == SendOutcome.SKIPPED
        assert mailgun.post_count == 0


def test_edits_after_launch_apply_only_to_letters_not_yet_sent(app):
    with app.app_context():
        campaign = make_campaign(2, without_email=1)
        launch_campaign(campaign)
        sent_before = {m.body_text for m in db.session.scalars(sa.select(Message))}
        campaign.body_template = "Version two for {{ authority.name }}. {{ questions }}"
        campaign.letter_version = 2
        missing = db.session.scalar(sa.select(Authority).where(Authority.foi_email.is_(None)))
        missing.foi_email = "foi@late.gov.uk"
        db.session.commit()
        launch_campaign(campaign)
        bodies = {m.body_text for m in db.session.scalars(sa.select(Message))}
        assert sent_before < bodies
        late = db.session.scalar(sa.select(Request).where(Request.sent_to == "foi@late.gov.uk"))
        assert late.letter_version == 2 and "Version two" in late.messages[0].body_text
        assert all("Version two" not in body for body in sent_before)
