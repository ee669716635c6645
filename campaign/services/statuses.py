"""Every request status change goes through here, so the timeline is a complete audit log."""

from __future__ import annotations

from typing import Any

from campaign.domain.vocabulary import RequestStatus
from campaign.extensions import db
from campaign.models import Event, Request
from campaign.models.base import utcnow


def record_event(
    kind: str,
    *,
    request: Request | None = None,
    campaign_id: int | None = None,
    user_id: int | None = None,
    **detail: Any,
) -> Event:
    """Add an Event to the session (the caller commits with the change it describes)."""
    event = Event(
        kind=kind,
        request_id=request.id if request is not None else None,
        campaign_id=campaign_id
        if campaign_id is not None
        else getattr(request, "campaign_id", None),
        user_id=user_id,
        detail=detail,
    )
    db.session.add(event)
    return event


def change_status(
    request: Request,
    status: RequestStatus | str,
    *,
    user_id: int | None = None,
    reason: str | None = None,
    **detail: Any,
) -> bool:
    """Move a request to a new status and log it; False (and no event) if it is already there."""
    new = RequestStatus(status).value
    old = request.status
    if old == new:
        return False
    request.status = new
    request.status_changed_at = utcnow()
    event = record_event("status_changed", request=request, user_id=user_id, **detail)
    event.from_status, event.to_status = old, new
    if reason:
        event.detail = {**event.detail, "reason": reason}
    return True


def set_status_by_hand(
    request: Request, status: RequestStatus | str, user_id: int, reason: str = ""
) -> bool:
    """A person's status wins: automatic changes from later replies become suggestions."""
    request.status_manual = True
    changed = change_status(
        request, status, user_id=user_id, reason=reason or "set by hand", manual=True
    )
    if not changed:
        record_event("status_confirmed", request=request, user_id=user_id, status=request.status)
    db.session.commit()
    return changed


def resume_automatic_status(request: Request, user_id: int) -> None:
    """Let replies move the status again (from the next reply on)."""
    if request.status_manual:
        request.status_manual = False
        record_event("status_automatic", request=request, user_id=user_id)
    db.session.commit()
