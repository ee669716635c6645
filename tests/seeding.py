"""A launched campaign with realistic replies, inserted in bulk: for dashboards, search and exports.

`seed_campaign(session, authorities=400, seed=3)` makes councils with places on the map, a live
campaign with questions, and requests in a believable mix of statuses: acknowledgements,
responses and refusals with body text, answers with outcomes, exemptions and excerpts, systems
and vendors named (one rejected by a person now and then), chasers and internal reviews. The
same seed on the same database state gives the same data. Rows go in with one INSERT per table,
so the dashboard benchmark can seed 50 campaigns of 400 councils in seconds.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from campaign.domain.deadlines import due_date, working_calendar
from campaign.models import Answer, Authority, Campaign, Mention, Message, Question, Request

SEED_DOMAIN = "seed.test"
SEEDED_CODE_PREFIX = "Z"  # seeded authorities' codes: Z00001, Z00002, ... never a real code

PLACES = (
    "Ashford", "Barnet", "Bolton", "Bracknell", "Bristol", "Cambridge", "Carlisle", "Chester",
    "Colchester", "Coventry", "Derby", "Dover", "Durham", "Exeter", "Gateshead", "Gloucester",
    "Harrow", "Hastings", "Hull", "Ipswich", "Kendal", "Lancaster", "Leeds", "Leicester",
    "Lincoln", "Luton", "Maidstone", "Norwich", "Oldham", "Oxford", "Plymouth", "Preston",
    "Reading", "Salford", "Sheffield", "Slough", "Stockport", "Swindon", "Truro", "Wigan",
    "Worcester", "York", "Aberdeen", "Dundee", "Falkirk", "Fife", "Highland", "Moray",
    "Stirling", "Cardiff", "Conwy", "Gwynedd", "Powys", "Swansea", "Torfaen", "Antrim",
    "Belfast", "Derry", "Newry", "Omagh",
)  # fmt: skip

# nation: (share, law, types, (lat low, lat high), (lon low, lon high))
NATIONS: dict[str, tuple[float, str, tuple[str, ...], tuple[float, float], tuple[float, float]]] = {
    "England": (
        0.80,
        "foia",
        (
            "Non-metropolitan district",
            "Unitary authority",
            "Metropolitan district",
            "London borough",
            "County",
        ),
        (50.6, 54.9),
        (-3.2, 1.3),
    ),
    "Scotland": (0.09, "foisa", ("Scottish unitary authority",), (55.2, 57.6), (-4.8, -2.2)),
    "Wales": (0.06, "foia", ("Welsh unitary authority",), (51.6, 53.2), (-4.3, -3.1)),
    "Northern Ireland": (0.05, "foia", ("NI district",), (54.2, 55.0), (-7.4, -5.9)),
}

QUESTIONS = (
    ("Predictive analytics", "Do you use any predictive analytics or risk-scoring system?"),
    ("Suppliers", "Which suppliers provide those systems, and under which contracts?"),
    ("Spending", "How much have you spent on these systems in each year since 2015?"),
    ("Impact assessment", "Have you carried out a data protection impact assessment?"),
    ("People flagged", "How many people or households has the system flagged?"),
    ("Human review", "Does a person review every case the system flags?"),
    ("Transparency", "Do you tell residents that their data is processed this way?"),
)

# status: weight of the mix
STATUS_MIX = {
    "successful": 24,
    "partially_successful": 15,
    "not_held": 11,
    "refused": 9,
    "awaiting_response": 10,
    "overdue": 8,
    "very_overdue": 4,
    "extended": 3,
    "awaiting_clarification": 2,
    "review_requested": 5,
    "review_answered": 4,
    "escalated": 1,
    "delivery_failed": 2,
    "withdrawn": 2,
}
ANSWERED = {
    "successful",
    "partially_successful",
    "not_held",
    "refused",
    "review_requested",
    "review_answered",
    "escalated",
}
REFUSING = {"refused", "review_requested", "review_answered", "escalated"}
# status of the request: outcome weights of its answers
OUTCOME_MIX = {
    "successful": {"disclosed": 8, "published_elsewhere": 2, "not_held": 1},
    "partially_successful": {"disclosed": 4, "partially_disclosed": 3, "not_held": 2, "refused": 2},
    "not_held": {"not_held": 9, "disclosed": 1},
    "refused": {"refused": 9, "not_held": 1},
}
EXEMPTIONS = ("s12", "s21", "s31", "s36", "s40", "s43(2)", "s14")
MENTIONS = (
    ("Capita One", "system"),
    ("Xantura", "vendor"),
    ("Liquidlogic", "vendor"),
    ("FFT Aspire", "system"),
    ("Nexus", "system"),
    ("Risk Based Verification", "system"),
    ("Mosaic", "system"),
    ("Experian", "vendor"),
    ("Policy in Practice", "vendor"),
    ("Northgate", "vendor"),
    ("Civica", "vendor"),
    ("TransUnion", "vendor"),
)
EXCERPTS = {
    "disclosed": "The council can confirm the information requested is attached.",
    "partially_disclosed": "Some of the information is provided below; the remainder is withheld.",
    "not_held": "This information is not held by the council.",
    "refused": "The council considers the information exempt from disclosure.",
    "published_elsewhere": "This information is published on the council's website.",
}


@dataclass(frozen=True)
class _Plan:
    """What one request will look like, decided before anything is inserted."""

    authority_id: int
    law: str
    status: str
    reference_id: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    due_on: date | None
    acknowledged_at: datetime | None
    replied_at: datetime | None
    chase_stage: int
    review_requested_at: datetime | None
    review_outcome: str | None


def seed_campaign(
    session: so.Session,
    *,
    authorities: int = 40,
    questions: int = 7,
    seed: int = 0,
    slug: str | None = None,
    launched_days_ago: int = 40,
    public: bool = False,
    share_authorities: bool = False,
    now: datetime | None = None,
    search_index: bool = True,
) -> Campaign:
    """Insert a launched campaign to `authorities` councils with replies, and return it.

    share_authorities: send to seeded councils already in the database first (as every campaign
    goes to the same ~400 councils), creating only the ones missing.
    search_index: make the replies searchable (benchmarks that never search skip it).
    """
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    launched_at = now - timedelta(days=launched_days_ago)
    slug = slug or f"seeded-{seed}-{_count(session, Campaign) + 1}"
    authority_rows = _authorities(session, rng, authorities, share_authorities)

    campaign = Campaign(
        slug=slug,
        title=f"Data analytics in councils ({slug})",
        description="Which councils score residents with predictive analytics, and who sells it.",
        subject_template="Freedom of Information request: data analytics",
        body_template="Dear {{ authority.name }},\n\nPlease tell me:\n\n{{ questions }}\n",
        status="live",
        launched_at=launched_at,
        is_public=public,
        published_at=now if public else None,
        methodology="One request sent to every council on the same day; replies read by hand.",
        target_filter={"all": True},
    )
    session.add(campaign)
    for position in range(1, questions + 1):
        label, text = QUESTIONS[(position - 1) % len(QUESTIONS)]
        if position > len(QUESTIONS):
            label = f"{label} ({position})"
        campaign.questions.append(Question(position=position, text=text, short_label=label))
    session.flush()
    question_ids = [q.id for q in campaign.questions]

    plans = [_plan(rng, a_id, law, launched_at, now) for a_id, law in authority_rows]
    request_ids = _insert_requests(session, campaign, plans)
    _insert_replies(session, rng, plans, request_ids, question_ids, now)
    session.commit()
    if search_index:  # replies inserted in bulk skip the pipeline that indexes them
        from campaign.services.search_index import reindex

        reindex([campaign.id])
    return campaign


def _count(session: so.Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _authorities(
    session: so.Session, rng: random.Random, count: int, share: bool
) -> list[tuple[int, str]]:
    """(id, law) of `count` seeded councils: existing ones when shared, new ones otherwise."""
    existing: list[tuple[int, str]] = []
    if share:
        existing = [
            (row.id, row.law)
            for row in session.execute(
                sa.select(Authority.id, Authority.law)
                .where(Authority.code.like(f"{SEEDED_CODE_PREFIX}%"))
                .order_by(Authority.id)
                .limit(count)
            )
        ]
    start = session.scalar(
        sa.select(sa.func.count())
        .select_from(Authority)
        .where(Authority.code.like(f"{SEEDED_CODE_PREFIX}%"))
    )
    rows = [_authority_row(rng, (start or 0) + n) for n in range(count - len(existing))]
    if not rows:
        return existing
    ids = session.scalars(
        sa.insert(Authority).returning(Authority.id, sort_by_parameter_order=True), rows
    ).all()
    return existing + [(i, row["law"]) for i, row in zip(ids, rows, strict=True)]


def _authority_row(rng: random.Random, n: int) -> dict[str, Any]:
    nation = rng.choices(list(NATIONS), weights=[v[0] for v in NATIONS.values()])[0]
    _, law, types, (lat_lo, lat_hi), (lon_lo, lon_hi) = NATIONS[nation]
    kind = rng.choice(types)
    place = PLACES[n % len(PLACES)]
    round_ = n // len(PLACES)
    name = f"{place}{'' if round_ == 0 else f' {_ORDINALS[round_ % len(_ORDINALS)]}'}"
    name = f"{name} {round_ // len(_ORDINALS) + 1}" if round_ >= len(_ORDINALS) else name
    full = f"{name} {'County Council' if kind == 'County' else 'Council'}"
    code = f"{SEEDED_CODE_PREFIX}{n + 1:05d}"
    return {
        "name": full,
        "normalised_name": full.lower().replace(" council", ""),
        "short_name": name,
        "code": code,
        "nation": nation,
        "region": nation,
        "authority_type": kind,
        "foi_email": f"foi@{code.lower()}.{SEED_DOMAIN}",
        "law": law,
        "latitude": round(rng.uniform(lat_lo, lat_hi), 4),
        "longitude": round(rng.uniform(lon_lo, lon_hi), 4),
        "population": rng.randrange(40_000, 1_100_000),
    }


_ORDINALS = ("", "North", "South", "East", "West", "Vale", "Forest", "Moor", "Coast", "Fields")


def _working_days_later(law: str, start: datetime, days: int) -> datetime:
    day = working_calendar(law).add_working_days(start, days)
    return datetime.combine(day, start.time(), tzinfo=UTC)


def _plan(
    rng: random.Random, authority_id: int, law: str, launched_at: datetime, now: datetime
) -> _Plan:
    status = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()))[0]
    sent_at = launched_at + timedelta(minutes=rng.randrange(0, 240))
    delivered_at = None if status == "delivery_failed" else sent_at + timedelta(seconds=30)
    due_on = due_date(law, sent_at) if delivered_at else None

    def capped(moment: datetime) -> datetime:
        return min(moment, now - timedelta(hours=1))

    acknowledged_at = replied_at = None
    if delivered_at and rng.random() < 0.6:
        acknowledged_at = capped(_working_days_later(law, sent_at, rng.randrange(1, 4)))
    if status in ANSWERED:
        late = rng.random() < 0.25
        days = rng.randrange(21, 45) if late else rng.randrange(3, 21)
        replied_at = capped(_working_days_later(law, sent_at, days))
    chase_stage = 0
    if status in ("overdue", "very_overdue"):
        chase_stage = rng.choice((0, 1, 1, 2)) if status == "overdue" else rng.choice((1, 2, 2))
    elif status in REFUSING and rng.random() < 0.2:
        chase_stage = 1
    review_requested_at = review_outcome = None
    if status in ("review_requested", "review_answered", "escalated") and replied_at:
        review_requested_at = capped(replied_at + timedelta(days=rng.randrange(2, 10)))
    if status in ("review_answered", "escalated"):
        review_outcome = (
            "upheld"
            if status == "escalated"
            else rng.choice(("upheld", "upheld", "overturned", "partially_overturned"))
        )
    reference = f"FOI{rng.randrange(10_000, 99_999)}" if (acknowledged_at or replied_at) else None
    return _Plan(
        authority_id,
        law,
        status,
        reference,
        sent_at,
        delivered_at,
        due_on,
        acknowledged_at,
        replied_at,
        chase_stage,
        review_requested_at,
        review_outcome,
    )


def _token(campaign: Campaign, authority_id: int) -> str:
    return hashlib.blake2b(f"{campaign.slug}/{authority_id}".encode(), digest_size=7).hexdigest()


def _insert_requests(session: so.Session, campaign: Campaign, plans: list[_Plan]) -> list[int]:
    rows = [
        {
            "campaign_id": campaign.id,
            "authority_id": p.authority_id,
            "token": _token(campaign, p.authority_id),
            "status": p.status,
            "status_changed_at": p.replied_at or p.sent_at,
            "law": p.law,
            "sent_to": f"foi@authority-{p.authority_id}.{SEED_DOMAIN}",
            "sent_at": p.sent_at,
            "delivered_at": p.delivered_at,
            "due_on": p.due_on,
            "chase_stage": p.chase_stage,
            "chased_at": p.sent_at + timedelta(days=30) if p.chase_stage else None,
            "review_requested_at": p.review_requested_at,
            "review_outcome": p.review_outcome,
            "reference_id": p.reference_id,
            "failure_reason": "Mailbox unavailable" if p.status == "delivery_failed" else None,
            "last_contact_at": p.replied_at or p.acknowledged_at,
        }
        for p in plans
    ]
    return list(
        session.scalars(
            sa.insert(Request).returning(Request.id, sort_by_parameter_order=True), rows
        )
    )


def _message(
    request_id: int, token: str, kind: str, direction: str, at: datetime, **extra: Any
) -> dict[str, Any]:
    inbound = direction == "inbound"
    key = f"{token}.{extra.pop('key', kind)}@{SEED_DOMAIN}"
    return {
        "request_id": request_id,
        "direction": direction,
        "source": "webhook" if inbound else "sent",
        "inbound_key": key if inbound else None,
        "kind": kind,
        "message_id": key,
        "from_address": f"foi@{SEED_DOMAIN}" if inbound else f"foi+{token}@{SEED_DOMAIN}",
        "to_address": f"foi+{token}@{SEED_DOMAIN}" if inbound else f"foi@{SEED_DOMAIN}",
        "sent_at": at,
        "received_at": at if inbound else None,
        "created_at": at,
        "processing_state": "processed",
        "match_state": "matched" if inbound else None,
        "match_method": "token" if inbound else None,
        "send_state": None if inbound else "sent",
        **extra,
    }


def _insert_replies(
    session: so.Session,
    rng: random.Random,
    plans: list[_Plan],
    request_ids: list[int],
    question_ids: list[int],
    now: datetime,
) -> None:
    messages: list[dict[str, Any]] = []
    replies: list[tuple[int, _Plan, list[tuple[str, str]]]] = []  # message index, plan, mentions
    for request_id, p in zip(request_ids, plans, strict=True):
        token = f"r{request_id}"
        subject = "Freedom of Information request: data analytics"
        if p.sent_at:
            messages.append(
                _message(request_id, token, "request", "outbound", p.sent_at, subject=subject)
            )
        if p.acknowledged_at:
            body = (
                f"Thank you for your request, which we received and logged as {p.reference_id}. "
                "We will respond within 20 working days."
            )
            messages.append(
                _message(request_id, token, "acknowledgement", "inbound", p.acknowledged_at,
                         subject=f"RE: {subject} [{p.reference_id}]", body_text=body,
                         reference_id=p.reference_id)
            )  # fmt: skip
        for stage in range(1, p.chase_stage + 1):
            at = min(p.sent_at + timedelta(days=28 + 7 * stage), now)  # type: ignore[operator]
            messages.append(
                _message(request_id, token, "chaser", "outbound", at, key=f"chaser{stage}")
            )
        if p.replied_at:
            named = rng.sample(MENTIONS, rng.choice((0, 1, 1, 2, 2, 3)))
            kind = "refusal" if p.status in REFUSING else "response"
            messages.append(
                _message(request_id, token, kind, "inbound", p.replied_at,
                         subject=f"RE: {subject} [{p.reference_id}]",
                         body_text=_reply_text(p, named), reference_id=p.reference_id,
                         outcome=p.status if p.status in OUTCOME_MIX else "refused")
            )  # fmt: skip
            replies.append((len(messages) - 1, p, named))
        if p.review_requested_at:
            messages.append(
                _message(request_id, token, "review_request", "outbound", p.review_requested_at)
            )  # fmt: skip
    message_ids = list(
        session.scalars(sa.insert(Message).returning(Message.id, sort_by_parameter_order=True),
                        messages)
    )  # fmt: skip

    answers: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for index, p, named in replies:
        request_id = messages[index]["request_id"]
        message_id = message_ids[index]
        mix = OUTCOME_MIX.get(p.status, OUTCOME_MIX["refused"])
        for question_id in question_ids:
            outcome = rng.choices(list(mix), weights=list(mix.values()))[0]
            exemptions: list[str] = []
            if outcome in ("refused", "partially_disclosed"):
                exemptions = rng.sample(EXEMPTIONS, rng.choice((1, 1, 2)))
            elif outcome == "published_elsewhere":
                exemptions = ["s21"]
            answers.append(
                {
                    "request_id": request_id,
                    "question_id": question_id,
                    "outcome": outcome,
                    "exemptions": exemptions,
                    "excerpt": EXCERPTS[outcome],
                    "urls": [],
                    "message_id": message_id,
                    "page": 1,
                    "confidence": round(rng.uniform(0.55, 0.98), 2),
                    "review_state": "parsed",
                    "parser_version": "seed",
                    "created_at": p.replied_at,
                }
            )
        for name, category in named:
            mentions.append(
                {
                    "request_id": request_id,
                    "name": name,
                    "category": category,
                    "sentence": f"The council uses {name} for this purpose.",
                    "message_id": message_id,
                    "page": 1,
                    "source": "gazetteer",
                    "parser_version": "seed",
                    "created_at": p.replied_at,
                    # Now and then a person said the reply does not name it after all.
                    "rejected_at": now if rng.random() < 0.08 else None,
                }
            )
    if answers:
        session.execute(sa.insert(Answer), answers)
    if mentions:
        session.execute(sa.insert(Mention), mentions)


def _reply_text(p: _Plan, named: list[tuple[str, str]]) -> str:
    systems = ", ".join(name for name, _ in named)
    uses = f"The council uses {systems} in this area. " if named else ""
    if p.status in REFUSING:
        middle = (
            "The council considers the information exempt under section 43(2) of the Act "
            "(commercial interests) and the public interest favours withholding it. "
        )
    elif p.status == "not_held":
        middle = "This information is not held by the council. "
    else:
        middle = "Please find the information you requested below. "
    return (
        f"Dear requester,\n\nFreedom of Information request {p.reference_id}\n\n{middle}{uses}"
        "If you are unhappy with this response you may ask for an internal review within "
        "40 working days.\n\nInformation Governance Team\n"
    )
