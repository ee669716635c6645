"""Small factories for the follow-up tests: late requests with their letter, and replies.

Dates are relative to today in London, because sending re-checks lateness on the real day.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from campaign.domain.deadlines import working_calendar
from campaign.domain.tokens import new_token
from campaign.extensions import db
from campaign.mail.compose import new_message_id, reply_address
from campaign.models import Authority, Campaign, Event, Message, Question, Request
from campaign.models.base import utcnow
from campaign.services.followups import today_in_london

SUBJECT = "Freedom of Information request: data analytics"
QUESTIONS = ["Which data analytics systems do you use?", "What did they cost?"]


def working_days_ago(n: int, law: str = "foia") -> date:
    return working_calendar(law).add_working_days(today_in_london(), -n)


def make_campaign(**fields) -> Campaign:
    """A launched campaign with two questions (call inside an app context)."""
    campaign = Campaign(
        slug=fields.pop("slug", f"chase-{uuid.uuid4().hex[:8]}"),
        title=fields.pop("title", "Data analytics"),
        status="live",
        **fields,
    )
    campaign.questions = [Question(position=n, text=q) for n, q in enumerate(QUESTIONS, 1)]
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_request(
    campaign: Campaign,
    name: str | None = None,
    *,
    email: str | None = "",
    status: str = "overdue",
    late_by: int = 10,
    law: str = "foia",
    reference_id: str | None = None,
    chase_stage: int = 0,
    chased_days_ago: int | None = None,
    sent_to: str | None = "",
) -> Request:
    """A request whose letter went out and whose reply is `late_by` working days late."""
    suffix = uuid.uuid4().hex[:6]
    if email == "":
        email = f"foi@{suffix}.gov.uk"
    authority = Authority(
        name=name or f"Borough Council {suffix}",
        nation="Scotland" if law == "foisa" else "England",
        law=law,
        foi_email=email,
    )
    due_on = working_days_ago(late_by, law)
    sent_at = utcnow() - timedelta(days=(today_in_london() - due_on).days + 29)
    token = new_token()
    request = Request(
        campaign=campaign,
        authority=authority,
        token=token,
        status=status,
        law=law,
        sent_to=email if sent_to == "" else sent_to,
        sent_at=sent_at,
        due_on=due_on,
        reference_id=reference_id,
        chase_stage=chase_stage,
        chased_at=(
            utcnow() - timedelta(days=chased_days_ago) if chased_days_ago is not None else None
        ),
    )
    domain = current_app.config["MAIL_DOMAIN"]
    letter = Message(
        request=request,
        direction="outbound",
        kind="request",
        subject=SUBJECT,
        message_id=new_message_id(token, domain),
        from_address=reply_address(token, domain),
        to_address=email or "",
        sent_at=sent_at,
        delivery_status="delivered",
        processing_state="processed",
    )
    db.session.add_all([authority, request, letter])
    db.session.commit()
    return request


def add_reply(
    request: Request,
    kind: str = "response",
    *,
    sender: str = "",
    exemptions: list[str] | tuple[str, ...] = (),
    reference_id: str | None = None,
    days_ago: int = 3,
) -> Message:
    """An inbound reply already read and filed on the request (no event, no status change)."""
    received = utcnow() - timedelta(days=days_ago)
    message = Message(
        request_id=request.id,
        direction="inbound",
        source="webhook",
        kind=kind,
        inbound_key=f"reply-{uuid.uuid4().hex}@council.example",
        message_id=f"reply-{uuid.uuid4().hex}@council.example",
        from_address=sender or request.authority.foi_email or "foi@council.example",
        to_address=reply_address(request.token, current_app.config["MAIL_DOMAIN"]),
        subject=f"RE: {SUBJECT}",
        body_text="Our answer.",
        sent_at=received,
        received_at=received,
        processing_state="processed",
        match_state="matched",
        match_method="token",
        reference_id=reference_id,
        analysis={"exemptions": list(exemptions)},
    )
    message.created_at = received
    db.session.add(message)
    db.session.commit()
    return message


def follow_ups(request_id: int) -> list[Message]:
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(
                Message.request_id == request_id,
                Message.kind.in_(("chaser", "review_request")),
            )
            .order_by(Message.id)
            .execution_options(populate_existing=True)
        )
    )


def event_kinds(request_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Event.kind).where(Event.request_id == request_id).order_by(Event.id)
        )
    )


def fresh(request: Request) -> Request:
    db.session.expire_all()
    return db.session.get(Request, request.id)
