"""The daily sweep sets due dates from delivery and marks late requests, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from reply_support import request_state

from campaign.cli_deadlines import deadlines
from campaign.extensions import db
from campaign.models import Event, Request
from campaign.services.deadlines import sweep

# Delivered Thursday 28 March 2024 at 10:00 London (09:00 UTC... GMT until 31 March).
# FOIA: Good Friday 29 Mar and Easter Monday 1 Apr are closed; day 1 is Tue 2 Apr,
# day 20 is Mon 29 Apr (skipping no other holiday).  FOISA keeps Easter Monday open: 26 Apr.
DELIVERED = datetime(2024, 3, 28, 10, 0, tzinfo=UTC)


def deliver(app, request_id: int, when: datetime = DELIVERED, **fields) -> None:
    with app.app_context():
        request = db.session.get(Request, request_id)
        request.delivered_at = when
        request.sent_at = when
        for name, value in fields.items():
            setattr(request, name, value)
        db.session.commit()


def run(app, today: date) -> str:
    with app.app_context():
        return sweep(today).summary


def status_events(app, request_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (e.from_status, e.to_status)
            for e in db.session.scalars(
                sa.select(Event).where(
                    Event.request_id == request_id, Event.kind == "status_changed"
                )
            )
        ]


def test_a_request_falls_overdue_the_day_after_it_was_due_then_very_overdue(app, sent_request):
    sent = sent_request(status="awaiting_response")
    deliver(app, sent.request_id)
    run(app, date(2024, 4, 29))
    state = request_state(app, sent.request_id)
    assert state["due_on"] == date(2024, 4, 29) and state["status"] == "awaiting_response"

    run(app, date(2024, 4, 30))
    assert request_state(app, sent.request_id)["status"] == "overdue"
    # 20 working days after 29 April: May has two bank holidays (6 and 27 May) -> 29 May.
    run(app, date(2024, 5, 29))
    assert request_state(app, sent.request_id)["status"] == "overdue"
    run(app, date(2024, 5, 30))
    assert request_state(app, sent.request_id)["status"] == "very_overdue"
    assert status_events(app, sent.request_id) == [
        ("awaiting_response", "overdue"),
        ("overdue", "very_overdue"),
    ]


def test_sweeping_twice_in_a_day_changes_nothing_the_second_time(app, sent_request):
    sent = sent_request(status="awaiting_response")
    deliver(app, sent.request_id)
    first = run(app, date(2024, 5, 2))
    second = run(app, date(2024, 5, 2))
    assert "1 to overdue" in first
    assert second == "Checked 1 request(s); set 0 due date(s); no status changed."
    assert len(status_events(app, sent.request_id)) == 1


def test_scottish_bodies_count_by_the_scottish_calendar(app, sent_request):
    sent = sent_request(status="awaiting_response")
    deliver(app, sent.request_id, law="foisa")
    run(app, date(2024, 4, 29))
    state = request_state(app, sent.request_id)
    assert state["due_on"] == date(2024, 4, 26) and state["status"] == "overdue"


def test_delivery_late_in_a_summer_evening_counts_from_the_london_date(app, sent_request):
    sent = sent_request(status="awaiting_response")
    # 23:30 UTC on Friday 5 July 2024 is 00:30 on Saturday 6 July in London:
    # day 1 is Mon 8 July; FOIA skips 12 July (Northern Ireland) and Mon 5 August (Scotland's
    # summer bank holiday) -> day 20 is Tue 6 August.
    deliver(app, sent.request_id, datetime(2024, 7, 5, 23, 30, tzinfo=UTC))
    run(app, date(2024, 7, 10))
    assert request_state(app, sent.request_id)["due_on"] == date(2024, 8, 6)


def test_an_extension_keeps_the_authoritys_date_and_can_end_the_lateness(app, sent_request):
    sent = sent_request(status="overdue")
    deliver(app, sent.request_id, status="extended", due_on=date(2024, 6, 14))
    run(app, date(2024, 6, 3))
    state = request_state(app, sent.request_id)
    assert state["due_on"] == date(2024, 6, 14) and state["status"] == "extended"
    run(app, date(2024, 6, 17))
    assert request_state(app, sent.request_id)["status"] == "overdue"


def test_a_status_set_by_hand_is_not_moved(app, sent_request):
    sent = sent_request(status="awaiting_response")
    deliver(app, sent.request_id, status_manual=True)
    run(app, date(2024, 6, 3))
    state = request_state(app, sent.request_id)
    assert state["status"] == "awaiting_response" and state["due_on"] == date(2024, 4, 29)


@pytest.mark.parametrize("status", ["awaiting_clarification", "successful", "withdrawn"])
def test_stopped_or_answered_requests_are_left_alone(app, sent_request, status):
    sent = sent_request(status=status)
    deliver(app, sent.request_id)
    run(app, date(2024, 6, 3))
    assert request_state(app, sent.request_id)["status"] == status


def test_a_review_past_its_due_date_is_review_overdue(app, sent_request):
    sent = sent_request(status="review_requested")
    deliver(app, sent.request_id, review_due_on=date(2024, 6, 3))
    run(app, date(2024, 6, 3))
    assert request_state(app, sent.request_id)["status"] == "review_requested"
    run(app, date(2024, 6, 4))
    assert request_state(app, sent.request_id)["status"] == "review_overdue"


def test_the_overdue_page_lists_late_requests_with_days_late(app, client, auth, sent_request):
    late = sent_request(status="awaiting_response", name="Late Borough Council")
    sent_request(status="awaiting_response", name="Prompt Borough Council")
    deliver(app, late.request_id, reference_id="FOI/2024/77")
    run(app, date(2024, 5, 2))
    auth.login("viewer")
    with app.app_context():
        slug = db.session.get(Request, late.request_id).campaign.slug
    page = client.get(f"/campaigns/{slug}/overdue").get_data(as_text=True)
    assert "Late Borough Council" in page and "FOI/2024/77" in page
    assert "Prompt Borough Council" not in page


def test_the_sweep_command(app, sent_request):
    sent = sent_request(status="awaiting_response")
    deliver(app, sent.request_id)
    app.cli.add_command(deadlines)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deadlines", "sweep", "--today", "2024-05-02"])
    assert result.exit_code == 0, result.output
    assert "1 to overdue" in result.output
    missing = runner.invoke(args=["deadlines", "sweep", "--campaign", "nope"])
    assert missing.exit_code == 2 and "no campaign 'nope'" in missing.output
