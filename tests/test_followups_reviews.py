"""Internal review requests in bulk and one by one, review outcomes, and complaint drafts."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from test_followups_support import (
    add_reply,
    event_kinds,
    follow_ups,
    fresh,
    make_campaign,
    make_request,
)

from campaign.domain.deadlines import review_answer_due
from campaign.extensions import db
from campaign.mail.transports import outbox_file_name
from campaign.services import followups
from campaign.services.followups import today_in_london


def refused(campaign, name: str, exemptions: list[str], **kwargs):
    request = make_request(campaign, name, status="refused", **kwargs)
    add_reply(request, "refusal", exemptions=exemptions, reference_id=kwargs.get("reference_id"))
    return request


def test_every_s12_refusal_gets_a_review_request_quoting_its_reference_dates_and_grounds(app_ctx):
    campaign = make_campaign()
    cost = refused(campaign, "Costly Council", ["s12"], reference_id="FOI-12")
    own = refused(campaign, "Own Grounds Council", ["s12", "s40(2)"])
    own.review_grounds = "Our own grounds for this council."
    db.session.commit()
    refused(campaign, "Personal Data Council", ["s40(2)"])

    rows = followups.review_candidates(campaign, exemption="s12")
    result = followups.queue_review_requests(
        campaign,
        [(row.request.id, row.request.status) for row in rows],
        default_grounds="The cost estimate counts work the law does not allow.",
    )

    assert [row.request.authority.name for row in rows] == ["Costly Council", "Own Grounds Council"]
    assert result.ok and len(result.queued) == 2
    cost = fresh(cost)
    assert cost.status == "review_requested"
    assert cost.review_due_on == review_answer_due("foia", today_in_london())
    [message] = follow_ups(cost.id)
    assert message.send_state == "sent" and message.kind == "review_request"
    outbox = Path(app_ctx.config["OUTBOX_DIR"])
    sent = message_from_bytes(
        (outbox / outbox_file_name(message.message_id)).read_bytes(), policy=policy.default
    )
    assert "[Your ref: FOI-12]" in sent["Subject"]
    assert sent["In-Reply-To"] == f"<{followups.original_letter(cost.id).message_id}>"
    body = sent.get_content()
    assert "Your reference: FOI-12" in body and "withholding information under section 12" in body
    assert "The cost estimate counts work the law does not allow." in body
    assert "section 45" in body
    own_body = follow_ups(own.id)[0].body_text
    assert "Our own grounds for this council." in own_body and "cost estimate" not in own_body
    assert "section 12 and section 40(2)" in own_body
    assert "status_changed" in event_kinds(cost.id) and "review_request_sent" in event_kinds(
        cost.id
    )


def test_posting_the_review_form_twice_asks_once(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Twice Council", ["s14"])
    selection = [(request.id, "refused")]

    first = followups.queue_review_requests(campaign, selection)
    again = followups.queue_review_requests(campaign, selection)

    assert len(first.queued) == 1 and again.queued == []
    assert "already requested" in again.skipped[0][1]
    assert len(follow_ups(request.id)) == 1


def test_a_review_request_that_cannot_be_delivered_puts_the_request_back(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Gone Council", ["s12"])
    [message_id] = followups.queue_review_requests(
        campaign, [(request.id, "refused")], send=False
    ).queued

    class Refusing:
        name = "refusing"

        def send(self, email):
            from campaign.mail.transports import PermanentSendError

            raise PermanentSendError("mailbox unavailable")

        def find_sent(self, message_id):
            return None

    report = followups.send_follow_up(message_id, Refusing())

    request = fresh(request)
    assert report.outcome.value == "failed"
    assert request.status == "refused" and request.review_requested_at is None
    assert follow_ups(request.id)[0].send_state == "failed"


def test_a_scottish_review_is_due_twenty_working_days_later_under_foisa(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Glasgow City Council", ["s30"], law="foisa")

    followups.queue_review_requests(campaign, [(request.id, "refused")])

    request = fresh(request)
    assert request.review_due_on == review_answer_due("foisa", today_in_london())
    body = follow_ups(request.id)[0].body_text
    assert "section 20 of the Freedom of Information (Scotland) Act 2002" in body


def test_recording_the_outcome_answers_the_review(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Upheld Council", ["s12"])
    followups.queue_review_requests(campaign, [(request.id, "refused")])

    problem = followups.record_review_outcome(fresh(request), "upheld", None, "same answer")

    request = fresh(request)
    assert problem is None
    assert (request.status, request.review_outcome) == ("review_answered", "upheld")
    assert "review_outcome_recorded" in event_kinds(request.id)


def test_an_outcome_for_a_request_never_reviewed_is_refused(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Unreviewed Council", ["s12"])

    assert followups.record_review_outcome(request, "upheld", None) is not None
    assert followups.record_review_outcome(request, "maybe", None) is not None
    assert fresh(request).review_outcome is None


def test_a_complaint_for_an_overdue_review_carries_the_whole_timeline(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Slow Review Council", ["s12"], reference_id="REQ04543")
    followups.queue_review_requests(campaign, [(request.id, "refused")])
    request = fresh(request)
    request.status = "review_overdue"
    request.review_due_on = today_in_london().replace(day=1)
    db.session.commit()

    draft, reason = followups.complaint_draft(request)

    assert draft is not None and reason == "the internal review is overdue"
    assert draft.regulator == "Information Commissioner's Office"
    for expected in (
        "Their reference: REQ04543",
        "Request sent to",
        "Reply due",
        "Refusal received, their reference REQ04543, citing section 12",
        "Internal review request sent",
        "Internal review answer due",
        "section 50 of the Freedom of Information Act 2000",
    ):
        assert expected in draft.text


def test_no_complaint_before_the_review_is_due(app_ctx):
    campaign = make_campaign()
    request = refused(campaign, "Patient Council", ["s12"])
    followups.queue_review_requests(campaign, [(request.id, "refused")])

    draft, reason = followups.complaint_draft(fresh(request))

    assert draft is None and "not due yet" in reason
