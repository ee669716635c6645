"""Reading back what replies did to a request (the `sent_request` fixture is in conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from campaign.extensions import db
from campaign.models import Event, Message, Request

DOMAIN = "replies.example.org"
SUBJECT = "Freedom of Information request: data analytics and algorithmic systems"


@dataclass
class SentRequest:
    request_id: int
    authority_id: int
    token: str
    letter_message_id: str
    reply_to: str
    authority_email: str


def request_state(app: Flask, request_id: int) -> dict[str, Any]:
    with app.app_context():
        request = db.session.get(Request, request_id)
        events = db.session.scalars(
            sa.select(Event).where(Event.request_id == request_id).order_by(Event.id)
        ).all()
        return {
            "status": request.status,
            "reference_id": request.reference_id,
            "reference_source": request.reference_source,
            "due_on": request.due_on,
            "manual": request.status_manual,
            "events": [(e.kind, e.from_status, e.to_status) for e in events],
        }


def inbound_messages(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Message).where(Message.direction == "inbound").order_by(Message.id)
        ).all()
        return [
            {
                "id": m.id,
                "request_id": m.request_id,
                "kind": m.kind,
                "match_state": m.match_state,
                "match_method": m.match_method,
                "suggested_request_id": m.suggested_request_id,
                "processing_state": m.processing_state,
                "processing_error": m.processing_error,
                "reference_id": m.reference_id,
                "source": m.source,
                "attachments": [(a.filename, a.sha256, a.parse_state) for a in m.attachments],
                "notes": list(m.intake_notes),
            }
            for m in rows
        ]
