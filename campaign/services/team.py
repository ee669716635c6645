"""Working as a team: who looks after which request, private notes, and a campaign's activity.

Notes are the team's own words about a request ("phoned the FOI officer, promised Friday"):
they are shown only to signed-in users and never published or exported. Their text is not
copied into the timeline either, which the activity feed shows to everyone in the team.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.vocabulary import Role
from campaign.extensions import db
from campaign.models import Authority, Campaign, Event, Request, RequestNote, User
from campaign.services.statuses import record_event

MAX_NOTE_CHARS = 5000
ACTIVITY_PER_PAGE = 50


class TeamError(ValueError):
    """A team action that cannot be done; the message says why."""


def team_members() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.name, User.email)
        )
    )


def member(user_id: int | None) -> User | None:
    """An active user, or None for "nobody"; TeamError for anyone else."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise TeamError("Choose someone from the team (an active user).")
    return user


def assign(request: Request, assignee: User | None, by_user_id: int | None) -> bool:
    """Give the request to `assignee` (None: nobody); False if nothing changed."""
    new_id = assignee.id if assignee else None
    if request.assigned_to_id == new_id:
        return False
    request.assigned_to_id = new_id
    record_event("assigned", request=request, user_id=by_user_id, to=_who(assignee))
    return True


def assign_matching(
    campaign: Campaign,
    where: list[sa.ColumnElement[bool]],
    assignee: User | None,
    by_user_id: int | None,
) -> int:
    """Assign every request of the campaign matching `where` (the list's filters); returns how
    many changed, each with its own timeline entry."""
    new_id = assignee.id if assignee else None
    changing = list(
        db.session.scalars(
            sa.select(Request).where(
                Request.campaign_id == campaign.id,
                *where,
                sa.or_(Request.assigned_to_id.is_(None), Request.assigned_to_id != new_id)
                if new_id is not None
                else Request.assigned_to_id.is_not(None),
            )
        )
    )
    for request in changing:
        request.assigned_to_id = new_id
        record_event("assigned", request=request, user_id=by_user_id, to=_who(assignee))
    if changing:
        record_event(
            "requests_assigned",
            campaign_id=campaign.id,
            user_id=by_user_id,
            to=_who(assignee),
            count=len(changing),
        )
    return len(changing)


def assignee_filter(value: str, me: int) -> tuple[str, sa.ColumnElement[bool] | None]:
    """The request list's "assigned to" filter: "me", "none", a user id, or "" for anyone."""
    if value == "me":
        return value, Request.assigned_to_id == me
    if value == "none":
        return value, Request.assigned_to_id.is_(None)
    if value.isdigit() and len(value) < 10:
        return value, Request.assigned_to_id == int(value)
    return "", None


def _who(user: User | None) -> str:
    return (user.name or user.email) if user else "nobody"


def add_note(request: Request, body: str, user_id: int) -> RequestNote:
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise TeamError("The note is empty.")
    if len(body) > MAX_NOTE_CHARS:
        raise TeamError(f"Notes are limited to {MAX_NOTE_CHARS:,} characters.")
    note = RequestNote(request_id=request.id, user_id=user_id, body=body)
    db.session.add(note)
    record_event("note_added", request=request, user_id=user_id)
    return note


def delete_note(note: RequestNote, user: User) -> None:
    """Authors delete their own notes; owners any."""
    if note.user_id != user.id and user.role != Role.OWNER.value:
        raise TeamError("Only the author of a note, or an owner, can delete it.")
    request = db.session.get(Request, note.request_id)
    db.session.delete(note)
    record_event("note_deleted", request=request, user_id=user.id)


def notes_of(request: Request) -> list[RequestNote]:
    return list(
        db.session.scalars(
            sa.select(RequestNote)
            .where(RequestNote.request_id == request.id)
            .options(so.joinedload(RequestNote.user))
            .order_by(RequestNote.created_at.desc(), RequestNote.id.desc())
        )
    )


@dataclass(frozen=True)
class ActivityItem:
    event: Event
    authority: str | None
    who: str


@dataclass(frozen=True)
class Activity:
    items: list[ActivityItem]
    page: int
    pages: int
    total: int
    kinds: list[str]
    kind: str


def campaign_activity(campaign: Campaign, *, page: int = 1, kind: str = "") -> Activity:
    """The campaign's timeline across its requests, newest first; `kind` one event kind."""
    of_campaign = sa.or_(
        Event.campaign_id == campaign.id,
        Event.request_id.in_(sa.select(Request.id).where(Request.campaign_id == campaign.id)),
    )
    kinds = list(
        db.session.scalars(sa.select(Event.kind).where(of_campaign).distinct().order_by(Event.kind))
    )
    kind = kind if kind in kinds else ""
    where = [of_campaign] + ([Event.kind == kind] if kind else [])
    total = db.session.scalar(sa.select(sa.func.count(Event.id)).where(*where)) or 0
    pages = max(1, math.ceil(total / ACTIVITY_PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        sa.select(Event, Authority.name, User.name, User.email)
        .outerjoin(Request, Request.id == Event.request_id)
        .outerjoin(Authority, Authority.id == Request.authority_id)
        .outerjoin(User, User.id == Event.user_id)
        .where(*where)
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(ACTIVITY_PER_PAGE)
        .offset((page - 1) * ACTIVITY_PER_PAGE)
    ).all()
    items = [
        ActivityItem(event, authority, (name or email) if email else "the system")
        for event, authority, name, email in rows
    ]
    return Activity(items, page, pages, total, kinds, kind)
