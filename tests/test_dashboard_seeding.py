"""The seeding helper other tests and the benchmark rely on: deterministic, shareable, realistic."""

from __future__ import annotations

import sqlalchemy as sa
from seeding import seed_campaign

from campaign.extensions import db
from campaign.models import Answer, Authority, Mention, Message, Request


def _shape(campaign_id: int) -> tuple:
    statuses = db.session.scalars(
        sa.select(Request.status).where(Request.campaign_id == campaign_id).order_by(Request.id)
    ).all()
    answers = db.session.scalars(
        sa.select(Answer.outcome)
        .join(Request)
        .where(Request.campaign_id == campaign_id)
        .order_by(Answer.id)
    ).all()
    return statuses, answers


def test_the_same_seed_gives_the_same_campaign(app_ctx):
    first = seed_campaign(db.session, authorities=25, seed=5)
    second = seed_campaign(db.session, authorities=25, seed=5)
    assert first.slug != second.slug
    assert _shape(first.id) == _shape(second.id)
    assert _shape(first.id) != _shape(seed_campaign(db.session, authorities=25, seed=6).id)


def test_campaigns_can_share_their_authorities_or_bring_new_ones(app_ctx):
    seed_campaign(db.session, authorities=10, seed=1)
    seed_campaign(db.session, authorities=12, seed=2, share_authorities=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Authority)) == 12
    seed_campaign(db.session, authorities=5, seed=3)
    names = db.session.scalars(sa.select(Authority.name)).all()
    assert len(names) == len(set(names)) == 17


def test_a_seeded_campaign_has_replies_answers_mentions_and_places(app_ctx):
    campaign = seed_campaign(db.session, authorities=60, seed=9, questions=3, public=True)
    assert campaign.is_public and campaign.status == "live" and len(campaign.questions) == 3
    statuses = set(
        db.session.scalars(sa.select(Request.status).where(Request.campaign_id == campaign.id))
    )
    assert {"successful", "refused", "awaiting_response"} <= statuses
    kinds = set(db.session.scalars(sa.select(Message.kind)))
    assert {"request", "acknowledgement", "response", "refusal", "chaser"} <= kinds
    reply = db.session.scalars(sa.select(Message).where(Message.kind == "response")).first()
    assert "Freedom of Information request" in reply.body_text
    assert any(db.session.scalars(sa.select(Answer.exemptions)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mention))
    for lat, lon in db.session.execute(sa.select(Authority.latitude, Authority.longitude)):
        assert 49.8 < lat < 59.0 and -8.6 < lon < 2.0
