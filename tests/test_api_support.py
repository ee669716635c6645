"""Small factories for the API tests: users with tokens, a hand-made request with a reply, an
attachment, answers and mentions, and bulk-seeded campaigns for paging. No tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask
from seeding import seed_campaign

from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    Mention,
    Message,
    Question,
    Request,
    User,
)
from campaign.services import api_tokens

SENT = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
REPLIED = datetime(2025, 3, 20, 14, 0, tzinfo=UTC)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_token(app: Flask, role: str = "owner", scope: str = "read", email: str | None = None):
    """A working token of a new user (or of the user with `email`); returns the secret."""
    with app.app_context():
        user = None
        if email is not None:
            user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = User(email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.org", role=role)
            user.set_password("correct horse 42")
            db.session.add(user)
            db.session.commit()
        new = api_tokens.create_token(user, f"script {uuid.uuid4().hex[:4]}", scope)
        assert new.ok, new.problems
        return new.secret


@dataclass(frozen=True)
class Thread:
    """Ids of the hand-made request and what hangs off it."""

    campaign_slug: str
    request_id: int
    authority_id: int
    reply_id: int
    attachment_id: int
    rejected_mention: str


def hand_made_request(app: Flask, slug: str = "analytics") -> Thread:
    """A campaign with two questions and one request answered by a PDF: everything the read
    endpoints show, with values a test can name."""
    with app.app_context():
        authority = Authority(
            name="Coventry City Council",
            gss_code="E08000026",
            nation="England",
            foi_email="foi@coventry.example",
        )
        campaign = Campaign(slug=slug, title="Data analytics", status="live")
        campaign.questions.append(Question(position=1, text="Do you use predictive analytics?"))
        campaign.questions.append(Question(position=2, text="Which suppliers?"))
        request = Request(
            campaign=campaign,
            authority=authority,
            token=uuid.uuid4().hex[:12],
            status="partially_successful",
            sent_at=SENT,
            due_on=date(2025, 3, 31),
            reference_id="REQ04543",
            chase_stage=1,
            last_contact_at=REPLIED,
        )
        letter = Message(
            request=request,
            direction="outbound",
            kind="request",
            subject="Freedom of Information request",
            message_id=f"{uuid.uuid4().hex}@example.org",
            from_address="foi+abc@example.org",
            body_text="SECRET LETTER BODY",
            sent_at=SENT,
            created_at=SENT,
        )
        reply = Message(
            request=request,
            direction="inbound",
            kind="response",
            subject="RE: Freedom of Information request [REQ04543]",
            message_id=f"{uuid.uuid4().hex}@coventry.example",
            from_address="foi@coventry.example",
            from_name="Information Governance",
            body_text="SECRET REPLY BODY",
            body_html="<p>SECRET REPLY HTML</p>",
            received_at=REPLIED,
            created_at=REPLIED,
        )
        pdf = Attachment(
            sha256="a" * 64,
            filename="REQ04543 response.pdf",
            content_type="application/pdf",
            size=48_213,
            pages=["page one", "page two"],
            page_count=2,
            parse_state="parsed",
        )
        reply.attachments.append(pdf)
        db.session.add_all([campaign, request, letter, reply])
        db.session.flush()
        q1, q2 = campaign.questions
        db.session.add_all(
            [
                Answer(
                    request_id=request.id,
                    question_id=q1.id,
                    outcome="not_held",
                    exemptions=[],
                    excerpt="This information is not held.",
                    message_id=reply.id,
                    attachment_id=pdf.id,
                    page=1,
                    confidence=0.9,
                ),
                Answer(
                    request_id=request.id,
                    question_id=q2.id,
                    outcome="refused",
                    exemptions=["s21"],
                    excerpt="Published on our website.",
                    message_id=reply.id,
                    page=None,
                    confidence=0.6,
                ),
                Mention(request_id=request.id, name="FFT Aspire", category="system", page=2),
                Mention(request_id=request.id, name="Capita One", category="vendor", page=1),
                Mention(
                    request_id=request.id,
                    name="Nexus",
                    category="system",
                    page=1,
                    rejected_at=REPLIED,
                ),
            ]
        )
        db.session.commit()
        return Thread(slug, request.id, authority.id, reply.id, pdf.id, "Nexus")


def seed(app: Flask, campaigns: int = 1, authorities: int = 12, seed_base: int = 7) -> list[str]:
    """Bulk-seeded live campaigns to the same councils; returns their slugs."""
    slugs = []
    with app.app_context():
        for n in range(campaigns):
            campaign = seed_campaign(
                db.session,
                authorities=authorities,
                questions=3,
                seed=seed_base + n,
                slug=f"seeded-{n}",
                share_authorities=True,
                search_index=False,  # the API never searches
            )
            slugs.append(campaign.slug)
    return slugs
