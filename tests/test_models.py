"""Constraints the rest of the product relies on, checked on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Attachment, Authority, Campaign, Event, Message, Question, Request


@pytest.fixture
def one_request(app_ctx, make_authority):
    authority_id = make_authority()
    campaign = Campaign(slug="analytics-2018", title="Data analytics")
    campaign.questions = [Question(position=1, text="Any briefing notes?")]
    db.session.add(campaign)
    db.session.flush()
    request = Request(campaign_id=campaign.id, authority_id=authority_id, token="tok1")
    db.session.add(request)
    db.session.commit()
    return request


def _fails_to_commit(*rows) -> bool:
    db.session.add_all(rows)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return True
    return False


def test_one_request_per_campaign_and_authority(one_request):
    again = Request(
        campaign_id=one_request.campaign_id, authority_id=one_request.authority_id, token="tok2"
    )
    assert _fails_to_commit(again)


def test_request_tokens_are_unique(one_request, make_authority):
    other = Request(
        campaign_id=one_request.campaign_id, authority_id=make_authority(), token="tok1"
    )
    assert _fails_to_commit(other)


def test_message_id_is_unique_within_a_request(one_request):
    first = Message(request_id=one_request.id, direction="inbound", message_id="abc@x")
    assert not _fails_to_commit(first)
    assert _fails_to_commit(
        Message(request_id=one_request.id, direction="inbound", message_id="abc@x")
    )


def test_attachment_is_stored_once_per_message_by_sha256(one_request):
    message = Message(request_id=one_request.id, direction="inbound", message_id="m@x")
    db.session.add(message)
    db.session.commit()
    sha = "a" * 64
    assert not _fails_to_commit(
        Attachment(message_id=message.id, sha256=sha, filename="a.pdf", size=1)
    )
    assert _fails_to_commit(Attachment(message_id=message.id, sha256=sha, filename="b.pdf", size=1))


def test_question_positions_are_unique_in_a_campaign(one_request):
    assert _fails_to_commit(Question(campaign_id=one_request.campaign_id, position=1, text="dup"))


def test_datetimes_come_back_aware_in_utc(one_request):
    sent = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    one_request.sent_at = sent
    db.session.commit()
    db.session.expire_all()
    fresh = db.session.get(Request, one_request.id)
    assert fresh.sent_at == sent and fresh.sent_at.tzinfo is not None
    assert fresh.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(one_request):
    one_request.sent_at = datetime(2026, 1, 1)
    with pytest.raises(sa.exc.StatementError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("model", "field", "bad"),
    [
        (Request, "status", "lost"),
        (Message, "kind", "spam"),
        (Authority, "nation", "Cornwall"),
        (Authority, "law", "gdpr"),
    ],
)
def test_vocabulary_fields_refuse_unknown_words(model, field, bad):
    with pytest.raises(ValueError):
        model(**{field: bad})


def test_events_keep_their_detail(one_request):
    db.session.add(Event(request_id=one_request.id, kind="status_changed", detail={"why": "test"}))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Request, one_request.id).events[0].detail == {"why": "test"}


def test_authority_name_is_normalised_for_matching(app_ctx):
    authority = Authority(name="Borough Council of King's Lynn & West Norfolk")
    assert authority.normalised_name == "kings lynn and west norfolk"
