"""Publishing a campaign: the owner's methodology note and names to mask, publish and unpublish.

A campaign's public page exists only while `is_public` is set; every change is an Event, so
the campaign's history says who made it public and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from campaign.domain.redaction import Redactor, term_problems
from campaign.extensions import db
from campaign.models import Campaign, User
from campaign.models.base import utcnow
from campaign.services.statuses import record_event

MAX_METHODOLOGY_CHARS = 20_000
_SLUG = re.compile(r"[\w.-]{1,80}")
PUBLISHED = "campaign_published"
UNPUBLISHED = "campaign_unpublished"
PUBLISHING_CHANGED = "publishing_changed"


def redactor_for(campaign: Campaign) -> Redactor:
    """The campaign's redaction rules: the built-in ones and its own list of names."""
    return Redactor.from_terms(campaign.redaction_terms)


def may_publish(user: User | None) -> bool:
    """Only owners publish: a public page speaks for the whole team."""
    return user is not None and bool(getattr(user, "is_authenticated", False)) and user.is_owner


def find_visible(slug: str, user: User | None = None) -> Campaign | None:
    """The campaign behind /p/<slug>: published, or unpublished for an owner's preview.

    Unknown, unpublished and hostile slugs all give None, so they look the same from outside.
    """
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        return None  # a NUL or a megabyte never reaches the database
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        return None
    if campaign.is_public or may_publish(user):
        return campaign
    return None


@dataclass
class PublishingProblems:
    """What stops the settings being saved, by field, in words."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, problem: str) -> None:
        self.by_field.setdefault(name, []).append(problem)

    @property
    def ok(self) -> bool:
        return not self.by_field


def check_settings(methodology: str, redaction_terms: str) -> PublishingProblems:
    problems = PublishingProblems()
    if len(methodology) > MAX_METHODOLOGY_CHARS:
        problems.add(
            "methodology",
            f"The methodology note is at most {MAX_METHODOLOGY_CHARS:,} characters "
            f"({len(methodology):,} given).",
        )
    for problem in term_problems(redaction_terms):
        problems.add("redaction_terms", problem)
    return problems


def save_settings(
    campaign: Campaign, methodology: str, redaction_terms: str, user_id: int | None = None
) -> PublishingProblems:
    """Store the methodology note and the names to mask; nothing is stored if a field is bad."""
    methodology = (methodology or "").replace("\r\n", "\n").strip()
    redaction_terms = "\n".join(
        " ".join(line.split()) for line in (redaction_terms or "").splitlines() if line.strip()
    )
    problems = check_settings(methodology, redaction_terms)
    if not problems.ok:
        return problems
    changed = [
        name
        for name, old, new in (
            ("methodology", campaign.methodology, methodology),
            ("redaction_terms", campaign.redaction_terms, redaction_terms),
        )
        if (old or "") != new
    ]
    campaign.methodology = methodology
    campaign.redaction_terms = redaction_terms
    if changed:
        # The names themselves stay out of the log: the count is enough to see what changed.
        record_event(
            PUBLISHING_CHANGED,
            campaign_id=campaign.id,
            user_id=user_id,
            fields=changed,
            names=len(redaction_terms.splitlines()) if redaction_terms else 0,
        )
    db.session.commit()
    return problems


def publish(campaign: Campaign, user_id: int | None = None) -> bool:
    """Make /p/<slug> public; False if it already was."""
    if campaign.is_public:
        return False
    campaign.is_public = True
    campaign.published_at = utcnow()
    record_event(PUBLISHED, campaign_id=campaign.id, user_id=user_id)
    db.session.commit()
    return True


def unpublish(campaign: Campaign, user_id: int | None = None) -> bool:
    """Take the public page down at once (it answers 404 again); False if it was not up."""
    if not campaign.is_public:
        return False
    campaign.is_public = False
    record_event(UNPUBLISHED, campaign_id=campaign.id, user_id=user_id)
    db.session.commit()
    return True
