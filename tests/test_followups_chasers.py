"""Chasers: queued once per rung, sent once in-thread, never after an answer arrived; the ladder.

Sending goes through the outbox transport (the default) and through the real Mailgun SDK
against the fake Mailgun on 127.0.0.1.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from fakes import FakeMailgun
from fakes.replies import reply_email
from test_followups_support import (
    SUBJECT,
    add_reply,
    event_kinds,
    follow_ups,
    fresh,
    make_campaign,
    make_request,
)

from campaign.cli_deadlines import deadlines
from campaign.domain.deadlines import working_calendar
from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.mail.transports import outbox_file_name
from campaign.services import followups
from campaign.services.followups import SendOutcome, today_in_london
from campaign.services.ingest import store_inbound
from campaign.services.replies import process_message
from campaign.tasks import climb_follow_up_ladders, send_follow_up_task, transport_for


def outbox_email(app, message_id: str):
    path = Path(app.config["OUTBOX_DIR"]) / outbox_file_name(message_id)
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def chase_all(campaign, **kwargs):
    rows = followups.chase_candidates(campaign)
    return followups.queue_chasers(
        campaign, [(r.request.id, r.request.chase_stage) for r in rows if r.chaseable], **kwargs
    )


def test_bulk_chasers_go_in_thread_to_the_address_the_authority_last_replied_from(app_ctx):
    campaign = make_campaign()
    replied = make_request(campaign, "Coventry City Council", reference_id="REQ04543")
    add_reply(replied, "acknowledgement", sender="case.officer@coventry.gov.uk", days_ago=40)
    add_reply(replied, "acknowledgement", sender="noreply@coventry.gov.uk", days_ago=20)
    quiet = make_request(campaign, "Quiet District Council", late_by=3)
    letter = followups.original_letter(replied.id)

    result = chase_all(campaign)

    assert result.ok and len(result.queued) == 2 and result.skipped == []
    first = follow_ups(replied.id)[0]
    assert (first.kind, first.send_state, first.delivery_status) == ("chaser", "sent", "accepted")
    sent = outbox_email(app_ctx, first.message_id)
    assert sent["To"] == "case.officer@coventry.gov.uk"
    assert sent["Subject"] == f"Re: {SUBJECT} [Your ref: REQ04543]"
    assert sent["In-Reply-To"] == f"<{letter.message_id}>"
    assert sent["References"].split()[0] == f"<{letter.message_id}>"
    address = reply_address(replied.token, app_ctx.config["MAIL_DOMAIN"])
    assert address in sent["From"] and sent["Reply-To"] == address
    body = sent.get_content()
    assert "section 10(1) of the Freedom of Information Act 2000" in body
    assert "Your reference: REQ04543" in body and "10 working days" in body
    other = follow_ups(quiet.id)[0]
    assert other.to_address == quiet.sent_to
    assert fresh(replied).chase_stage == 1
    assert event_kinds(replied.id)[-2:] == ["chaser_queued", "chaser_sent"]


def test_posting_the_same_selection_twice_queues_one_chaser(app_ctx):
    campaign = make_campaign()
    request = make_request(campaign)
    selection = [(request.id, 0)]

    first = followups.queue_chasers(campaign, selection)
    again = followups.queue_chasers(campaign, selection)

    assert len(first.queued) == 1
    assert again.queued == [] and again.skipped == [(request.authority.name, again.skipped[0][1])]
    assert "already chased" in again.skipped[0][1]
    assert len(follow_ups(request.id)) == 1 and fresh(request).chase_stage == 1


def test_a_second_chaser_waits_for_the_ladders_spacing(app_ctx):
    campaign = make_campaign(ladder_second_after=10)
    request = make_request(campaign, chase_stage=1, chased_days_ago=2)

    result = followups.queue_chasers(campaign, [(request.id, 1)])

    assert result.queued == []
    assert "the second chaser can go from" in result.skipped[0][1]


def test_a_reply_stored_while_the_bulk_job_waits_means_that_request_is_not_chased(app_ctx):
    campaign = make_campaign()
    answered = make_request(campaign)
    silent = make_request(campaign)
    result = chase_all(campaign, send=False)  # queued; the worker has not run yet
    assert len(result.queued) == 2

    reply = reply_email(
        to=reply_address(answered.token, app_ctx.config["MAIL_DOMAIN"]),
        sender=answered.authority.foi_email,
        body="Please find attached our response to your request. The information is not held.",
    )
    assert store_inbound(reply, MessageSource.WEBHOOK).ok  # read and applied at once in tests
    for message_id in result.queued:
        send_follow_up_task(message_id)

    cancelled, sent = follow_ups(answered.id)[0], follow_ups(silent.id)[0]
    assert cancelled.send_state == "cancelled" and cancelled.sent_at is None
    assert not (
        Path(app_ctx.config["OUTBOX_DIR"]) / outbox_file_name(cancelled.message_id)
    ).exists()
    assert sent.send_state == "sent"
    assert "chaser_cancelled" in event_kinds(answered.id)
    assert fresh(answered).chase_stage == 0  # a chaser that never went is not a rung taken


def test_the_sender_cancels_a_chaser_when_an_answer_reached_the_request_after_queueing(app_ctx):
    campaign = make_campaign()
    request = make_request(campaign)
    [message_id] = chase_all(campaign, send=False).queued
    add_reply(request, "extension", days_ago=0)  # filed without the replies service's hook

    report = followups.send_follow_up(message_id, transport_for(app_ctx))

    assert report.outcome is SendOutcome.CANCELLED
    assert "extension" in report.detail
    assert follow_ups(request.id)[0].send_state == "cancelled"


def test_a_reply_still_being_read_holds_the_chaser_until_it_is_read(app_ctx):
    campaign = make_campaign()
    request = make_request(campaign)
    [message_id] = chase_all(campaign, send=False).queued
    reply = reply_email(
        to=reply_address(request.token, app_ctx.config["MAIL_DOMAIN"]),
        sender=request.authority.foi_email,
        body="We have extended the time for our response under section 10(3).",
    )
    stored = store_inbound(reply, MessageSource.WEBHOOK, queue=False)

    waiting = followups.send_follow_up(message_id, transport_for(app_ctx))
    process_message(stored.message_id)
    after = followups.send_follow_up(message_id, transport_for(app_ctx))

    assert waiting.outcome is SendOutcome.WAIT
    assert after.outcome is SendOutcome.SKIPPED  # the replies service cancelled it meanwhile
    assert follow_ups(request.id)[0].send_state == "cancelled"


def test_a_request_no_longer_late_when_the_worker_comes_is_not_chased(app_ctx):
    campaign = make_campaign()
    request = make_request(campaign)
    [message_id] = chase_all(campaign, send=False).queued
    request = fresh(request)
    request.status, request.due_on = "extended", today_in_london()
    db.session.commit()

    report = followups.send_follow_up(message_id, transport_for(app_ctx))

    assert report.outcome is SendOutcome.CANCELLED and "no longer overdue" in report.detail


@pytest.mark.parametrize(
    "body",
    [
        "Dear {{ authority.nmae }}",
        "{{ ''.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{% macro x() %}{% endmacro %}",
    ],
)
def test_a_broken_or_hostile_chaser_template_queues_nothing(app_ctx, body):
    campaign = make_campaign(chaser_body_template=body)
    request = make_request(campaign)

    result = followups.queue_chasers(campaign, [(request.id, 0)])

    assert not result.ok and result.queued == []
    assert result.errors[0]
    assert follow_ups(request.id) == [] and fresh(request).chase_stage == 0


def test_an_authority_with_no_address_at_all_is_listed_as_not_chaseable(app_ctx):
    campaign = make_campaign()
    request = make_request(campaign, "Addressless Council", email=None, sent_to=None)

    [row] = followups.chase_candidates(campaign)
    result = followups.queue_chasers(campaign, [(request.id, 0)])

    assert not row.chaseable and "no email address" in row.blocker
    assert result.queued == [] and result.skipped[0][0] == "Addressless Council"


# --- Through the real Mailgun SDK ---------------------------------------------------------------


@pytest.fixture
def mailgun():
    with FakeMailgun(hang_seconds=2.5) as server:
        yield server


def test_mailgun_receives_the_chaser_in_thread_with_the_reference(mailgun_app, mailgun):
    with mailgun_app.app_context():
        campaign = make_campaign()
        request = make_request(campaign, reference_id="FOI/2026/123")
        root = followups.original_letter(request.id).message_id
        chase_all(campaign)

        [received] = mailgun.messages
        assert received.form_value("h:In-Reply-To") == f"<{root}>"
        assert received.form_value("h:References").split()[0] == f"<{root}>"
        assert received.form_value("subject") == f"Re: {SUBJECT} [Your ref: FOI/2026/123]"
        assert received.form_value("to") == request.sent_to
        assert received.message_id == follow_ups(request.id)[0].message_id


def test_mailgun_failures_are_retried_with_back_off_and_sent_once(
    mailgun_app, mailgun, run_scheduled
):
    with mailgun_app.app_context():
        campaign = make_campaign()
        request = make_request(campaign)
        mailgun.mode = "500"
        chase_all(campaign)
        assert follow_ups(request.id)[0].send_state == "queued"
        assert "chaser_retry" in event_kinds(request.id)

        mailgun.mode = "ok"
        run_scheduled()

        [message] = follow_ups(request.id)
        assert message.send_state == "sent" and message.send_attempts == 2
        assert len(mailgun.messages) == 1


def test_an_unanswered_send_is_reconciled_not_resent(mailgun_app, mailgun):
    with mailgun_app.app_context():
        campaign = make_campaign()
        request = make_request(campaign)
        [message_id] = chase_all(campaign, send=False).queued
        mailgun.mode = "accept_then_hang"
        first = followups.send_follow_up(message_id, transport_for(mailgun_app))
        assert first.outcome is SendOutcome.UNKNOWN

        mailgun.mode = "ok"
        mailgun_app.config["SEND_STALE_CLAIM_SECONDS"] = 0  # as if the claim had gone stale
        again = followups.send_follow_up(message_id, transport_for(mailgun_app))

        assert again.outcome is SendOutcome.RECONCILED
        assert len(mailgun.messages) == 1
        assert follow_ups(request.id)[0].send_state == "sent"


# --- The escalation ladder ----------------------------------------------------------------------


def test_the_ladder_is_off_by_default_and_queues_nothing(app_ctx):
    campaign = make_campaign()
    make_request(campaign, late_by=30)

    run = followups.run_ladder(campaign)

    assert not run.enabled and run.steps == [] and run.queued.queued == []


def test_the_ladder_climbs_one_rung_at_a_time_and_a_second_run_the_same_day_does_nothing(
    app_ctx,
):
    campaign = make_campaign(ladder_enabled=True, ladder_first_after=5, ladder_second_after=10)
    due = make_request(campaign, "Late Council", late_by=6)
    make_request(campaign, "Only Just Late Council", late_by=2)
    calendar = working_calendar("foia")
    today = today_in_london()

    first = followups.run_ladder(campaign, today=today)
    repeat = followups.run_ladder(campaign, today=today)
    too_soon = followups.run_ladder(campaign, today=calendar.add_working_days(today, 9))
    second = followups.run_ladder(campaign, today=calendar.add_working_days(today, 10))
    proposal_day = calendar.add_working_days(today, 20)
    proposed = followups.run_ladder(campaign, today=proposal_day)
    proposed_again = followups.run_ladder(campaign, today=proposal_day)

    assert [s.authority for s in first.steps] == ["Late Council"]
    assert len(first.queued.queued) == 1
    assert repeat.steps == [] and repeat.queued.queued == []
    assert all(s.authority != "Late Council" for s in too_soon.steps)
    assert [s.rung.value for s in second.steps if s.authority == "Late Council"] == [
        "second_chaser"
    ]
    assert proposed.proposed >= 1 and proposed_again.proposed == 0
    assert [m.send_state for m in follow_ups(due.id)] == ["sent", "sent"]
    assert fresh(due).chase_stage == 3
    assert event_kinds(due.id).count("escalation_proposed") == 1
    assert "Only Just Late Council" in {s.authority for s in too_soon.steps}


def test_the_daily_job_runs_every_campaign_with_the_ladder_on(app_ctx):
    on = make_campaign(ladder_enabled=True, ladder_first_after=1)
    off = make_campaign()
    chased = make_request(on, late_by=4)
    left = make_request(off, late_by=4)

    summaries = climb_follow_up_ladders.call_local()

    assert len(summaries) == 1 and on.slug in summaries[0]
    assert [m.send_state for m in follow_ups(chased.id)] == ["sent"]
    assert follow_ups(left.id) == []


@pytest.fixture
def cli(app):
    app.cli.add_command(deadlines)
    return app.test_cli_runner()


def test_cli_chase_dry_run_prints_what_it_would_send_and_sends_nothing(app, cli):
    with app.app_context():
        campaign = make_campaign(ladder_enabled=True, ladder_first_after=2)
        request = make_request(campaign, "Dry Run Council", reference_id="DR-1")
        slug, request_id = campaign.slug, request.id

    dry = cli.invoke(args=["deadlines", "chase", slug, "--dry-run"])
    real = cli.invoke(args=["deadlines", "chase", slug])
    again = cli.invoke(args=["deadlines", "chase", slug])

    assert dry.exit_code == 0, dry.output
    assert "Would send first chaser to Dry Run Council" in dry.output
    assert "[Your ref: DR-1]" in dry.output
    assert real.exit_code == 0 and "Queued first chaser to Dry Run Council" in real.output
    assert "Nothing is due today." in again.output
    with app.app_context():
        assert [m.send_state for m in follow_ups(request_id)] == ["sent"]


def test_cli_chase_refuses_a_campaign_whose_ladder_is_off_unless_asked_for_all(app, cli):
    with app.app_context():
        campaign = make_campaign()
        make_request(campaign, "Bulk Council")
        make_request(campaign, "Nowhere Council", email=None, sent_to=None)
        slug = campaign.slug

    refused = cli.invoke(args=["deadlines", "chase", slug])
    dry = cli.invoke(args=["deadlines", "chase", slug, "--all-overdue", "--dry-run"])
    bulk = cli.invoke(args=["deadlines", "chase", slug, "--all-overdue"])

    assert refused.exit_code != 0 and "ladder" in refused.output
    assert "Not chaseable: Nowhere Council: no email address" in dry.output
    assert "1 chaser(s) would be queued." in dry.output
    assert bulk.exit_code == 0 and "Queued 1 chaser." in bulk.output
