"""The demo campaign: the 2018 data-analytics request to every UK council, with replies.

A newcomer should see every page with something on it without sending a real letter. So the
demo goes through the product's own paths: the normal launch and the worker's sending code on
the outbox transport, the mbox importer and the worker's reply processing, the deadline sweep,
the chaser ladder and the review requests. Only two things are staged: the campaign's clock is
moved back 45 days after the letters are written (so deadlines have passed), and each reply's
arrival is dated by its Date header (so the timeline reads as it would have happened).

Everything the demo makes is findable again for `remove_demo`: the campaign is `is_demo`, its
inbound mail has Message-Ids in DEMO_MESSAGE_DOMAIN, and the addresses it invented for councils
are tagged `demo-address`.
"""

from __future__ import annotations

import mailbox
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from campaign.domain.calendar import london_date
from campaign.domain.deadlines import due_date
from campaign.domain.law import LawCode
from campaign.domain.letters import law_for
from campaign.domain.vocabulary import MessageDirection, MessageSource, RequestStatus
from campaign.extensions import db
from campaign.mail.mailboxes import iter_mail_sources
from campaign.models import (
    Answer,
    Authority,
    AuthorityTag,
    Campaign,
    Event,
    Message,
    Request,
)
from campaign.models.base import utcnow
from campaign.services import demo_letters as letters
from campaign.services.campaigns import (
    CampaignDraft,
    TargetFilter,
    create_campaign,
    law_code_for,
    parse_questions,
    set_targets,
    slug_problem,
    unique_slug,
)
from campaign.services.demo_mail import (
    DEMO_MESSAGE_DOMAIN,
    Attached,
    delivery_failure,
    demo_message_id,
    reply_email,
)
from campaign.services.ingest import max_inbound_bytes, store_inbound
from campaign.services.replies import process_message

DEMO_SLUG = "demo-data-analytics-2018"
DEMO_TITLE = "Data analytics and algorithmic systems in UK councils (demo)"
DEMO_SUBJECT = "Freedom of Information request: data analytics and algorithmic systems"
DEMO_TAG = "demo-address"
DEMO_ADDRESS_DOMAIN = "demo.invalid"  # foi@<code>.demo.invalid: `.invalid` never delivers
DAYS_AGO = 45
SEED = 2018
METHODOLOGY = (
    "DEMONSTRATION DATA. This campaign was made by `campaign demo` to show how FOI Campaign "
    "works. The request is the real 2018 request about data analytics and algorithmic "
    "systems, and five replies (Coventry, Kent, Manchester, Southwark, Suffolk) are those "
    "councils' real replies from the Data Justice Lab's archive; every other reply is made up "
    "and says so, and no letter was sent to any council. Answers were read by the parser "
    "and have not been checked by a person."
)
DESCRIPTION = (
    "Demonstration campaign: the 2018 request about data analytics, predictive analytics and "
    "algorithmic systems, as sent to every UK council. Letters were written to the outbox, "
    "not sent; apart from five real replies, the replies are made up."
)
REVIEW_GROUNDS = (
    "The refusal does not explain why the information could not be provided in part, and "
    "does not show that the public interest was weighed. Please review the decision."
)


class DemoRefused(Exception):
    """The demo would send real mail: it runs on the outbox transport only."""


@dataclass(frozen=True)
class CorpusReply:
    """A council's real reply, sent as its original document or as the email's text."""

    code: str
    filename: str
    reference: str
    days_after: int


# The five councils whose real replies the demo carries (see campaign/data/demo/README.md).
CORPUS_REPLIES = (
    CorpusReply("COV", "coventry-req04543.txt", "REQ04543", 19),
    CorpusReply("KEN", "djl-kent-1189733.docx", "1189733", 27),
    CorpusReply("MAN", "djl-manchester-sol-aycbwb.pdf", "SOL/AYCBWB", 24),
    CorpusReply("SWK", "djl-southwark-943388.pdf", "943388", 26),
    CorpusReply("SFK", "djl-suffolk-16079.txt", "16079", 21),
)
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass
class DemoReport:
    """What `create_demo` did (or found), for the command to print."""

    slug: str
    created: bool
    authorities: int = 0
    addresses_given: int = 0
    letters_written: int = 0
    replies: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    chasers: int = 0
    review_requests: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[tuple[str, str]]:
        return [
            ("campaign", f"/campaigns/{self.slug}"),
            ("overdue", f"/campaigns/{self.slug}/overdue"),
            ("dashboard", f"/campaigns/{self.slug}/dashboard"),
            ("public page", f"/p/{self.slug}"),
        ]


@dataclass
class RemoveReport:
    campaigns: int = 0
    requests: int = 0
    messages: int = 0
    files: int = 0
    addresses: int = 0


def demo_data(name: str) -> Path:
    return Path(str(files("campaign").joinpath("data", "demo", name)))


def find_demo() -> Campaign | None:
    return db.session.scalar(
        sa.select(Campaign).where(Campaign.is_demo.is_(True)).order_by(Campaign.id).limit(1)
    )


# ---------------------------------------------------------------------------
# Building the demo


def create_demo(limit: int | None = None) -> DemoReport:
    """Create, launch, answer, chase and publish the demo campaign; never twice.

    `limit` keeps the campaign to that many councils (the five with real replies first and at
    least one Scottish council), so tests stay quick; the command sends to every council.
    """
    existing = find_demo()
    if existing is not None:
        return DemoReport(existing.slug, created=False)
    if current_app.config.get("MAIL_TRANSPORT") != "outbox":
        raise DemoRefused("the demo writes its letters to the outbox only (MAIL_TRANSPORT=outbox)")
    from campaign.services.authorities import load_uk_councils

    if not db.session.scalar(
        sa.select(sa.func.count(Authority.id)).where(Authority.code.isnot(None))
    ):
        load_uk_councils()
    councils = _choose_councils(limit)
    addresses_given = _give_demo_addresses(councils)
    campaign = _create_campaign(councils)
    report = DemoReport(campaign.slug, True, len(councils), addresses_given)
    report.letters_written = _launch_and_send(campaign)
    _move_clock_back(campaign, timedelta(days=DAYS_AGO))
    report.replies = _receive_replies(campaign)
    from campaign.services.deadlines import sweep, today_in_london

    sweep(today=today_in_london(), campaign=campaign)
    report.chasers = _climb_ladder(campaign)
    report.review_requests = _request_reviews(campaign)
    _publish(campaign)
    report.statuses, report.answers = _counts(campaign)
    return report


def _choose_councils(limit: int | None) -> list[Authority]:
    """Every current UK council, or `limit` of them: the real-reply councils always included."""
    councils = list(
        db.session.scalars(
            sa.select(Authority).where(Authority.code.isnot(None)).order_by(Authority.code)
        )
    )
    if limit is None or limit >= len(councils):
        return councils
    corpus = {reply.code for reply in CORPUS_REPLIES}
    chosen = [c for c in councils if c.code in corpus]
    rest = [c for c in councils if c.code not in corpus]
    random.Random(SEED).shuffle(rest)
    scottish = next((c for c in rest if c.law == LawCode.FOISA.value), None)
    if scottish is not None:
        rest.remove(scottish)
        rest.insert(0, scottish)
    return chosen + rest[: max(limit - len(chosen), 0)]


def demo_address(authority: Authority) -> str:
    return f"foi@{(authority.code or str(authority.id)).lower()}.{DEMO_ADDRESS_DOMAIN}"


def _give_demo_addresses(councils: list[Authority]) -> int:
    """Councils have no FOI address in the bundled data: give each a clearly fake one, tagged
    so that `remove_demo` takes back exactly these."""
    given = 0
    for authority in councils:
        if authority.foi_email:
            continue
        authority.foi_email = demo_address(authority)
        if DEMO_TAG not in authority.tag_names:
            authority.tags.append(AuthorityTag(tag=DEMO_TAG))
        given += 1
    db.session.commit()
    return given


def _create_campaign(councils: list[Authority]) -> Campaign:
    questions = parse_questions(demo_data("questions.txt").read_text(encoding="utf-8"))
    saved = create_campaign(
        CampaignDraft(
            title=DEMO_TITLE,
            # A campaign of the user's own may have taken the name: then the demo's is numbered.
            slug=DEMO_SLUG if slug_problem(DEMO_SLUG) is None else unique_slug(DEMO_SLUG),
            description=DESCRIPTION,
            subject_template=DEMO_SUBJECT,
            body_template=demo_data("letter.txt").read_text(encoding="utf-8"),
            questions=questions,
        )
    )
    if saved.campaign is None:
        raise RuntimeError(f"the demo campaign was refused: {saved.problems}")
    campaign = saved.campaign
    campaign.is_demo = True
    set_targets(campaign, TargetFilter(authority_ids=tuple(c.id for c in councils)))
    return campaign


@contextmanager
def _jobs_run_here() -> Iterator[None]:
    """Run queued jobs in this process, and drop what they schedule for later when done: the
    demo sends every letter itself, so the worker must not find demo jobs afterwards."""
    from campaign.tasks import huey

    was = huey.immediate
    huey.immediate = True
    try:
        yield
    finally:
        huey.immediate = was


def _launch_and_send(campaign: Campaign) -> int:
    """The normal launch, then the worker's own sending code for whatever it left queued."""
    from campaign.services.launch import launch_campaign
    from campaign.services.sending import send_batch
    from campaign.tasks import transport_for

    with _jobs_run_here():
        launch_campaign(campaign)
    transport = transport_for(current_app._get_current_object())
    queued = list(
        db.session.scalars(
            sa.select(Request.id).where(
                Request.campaign_id == campaign.id,
                Request.status == RequestStatus.QUEUED.value,
            )
        )
    )
    for start in range(0, len(queued), 100):
        send_batch(queued[start : start + 100], transport)
    db.session.expire_all()
    return (
        db.session.scalar(
            sa.select(sa.func.count(Message.id))
            .join(Request, Message.request_id == Request.id)
            .where(
                Request.campaign_id == campaign.id,
                Message.direction == MessageDirection.OUTBOUND.value,
                Message.kind == "request",
                Message.sent_at.isnot(None),
            )
        )
        or 0
    )


def _datetime_columns(model: type) -> list[str]:
    return [
        column.key
        for column in sa.inspect(model).columns
        if isinstance(column.type, sa.DateTime)
        or isinstance(getattr(column.type, "impl", None), sa.DateTime)
    ]


def _shift(rows: list[Any], by: timedelta) -> None:
    if not rows:
        return
    columns = _datetime_columns(type(rows[0]))
    for row in rows:
        for name in columns:
            value = getattr(row, name)
            if value is not None:
                setattr(row, name, value - by)


def _move_clock_back(campaign: Campaign, by: timedelta) -> None:
    """Date the launch, the letters and their events `by` earlier, so deadlines have passed."""
    requests = list(
        db.session.scalars(sa.select(Request).where(Request.campaign_id == campaign.id))
    )
    ids = [r.id for r in requests]
    _shift([campaign], by)
    _shift(requests, by)
    _shift(list(campaign.letter_versions), by)
    _shift(list(db.session.scalars(sa.select(Message).where(Message.request_id.in_(ids)))), by)
    _shift(list(db.session.scalars(sa.select(Event).where(Event.campaign_id == campaign.id))), by)
    db.session.commit()


# ---------------------------------------------------------------------------
# Replies


@dataclass(frozen=True)
class _Planned:
    when: datetime
    raw: bytes


def _letters_of(campaign: Campaign) -> dict[int, Message]:
    rows = db.session.scalars(
        sa.select(Message)
        .join(Request, Message.request_id == Request.id)
        .where(
            Request.campaign_id == campaign.id,
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == "request",
        )
    )
    return {m.request_id: m for m in rows if m.request_id is not None}


def _at(sent: datetime, days: int, rng: random.Random) -> datetime:
    """A working-hours moment `days` after the letter went (minutes after it, for 0 days)."""
    if days == 0:
        return sent + timedelta(minutes=rng.randrange(2, 30))
    day = (sent + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)), tzinfo=UTC)


def _council(request: Request, rng: random.Random) -> letters.Council:
    law = law_code_for(request.campaign, request.authority)
    year = (request.sent_at or utcnow()).year
    prefix = rng.choice(["FOI", "FOI/", "CRN", "IG"])
    number = rng.randrange(1000, 99999)
    reference = f"{prefix}{year}-{number:05d}" if prefix in ("FOI", "IG") else f"{prefix}{number}"
    return letters.Council(request.authority.name, law_for(law).name, reference)


def plan_replies(campaign: Campaign) -> list[_Planned]:
    """Every demo reply, the same on every run: real replies for the five corpus councils, then
    roles dealt to the other councils in a seeded order, and silence from the rest."""
    rng = random.Random(SEED)
    requests = sorted(
        db.session.scalars(sa.select(Request).where(Request.campaign_id == campaign.id)),
        key=lambda r: r.authority.code or "",
    )
    letters_by_request = _letters_of(campaign)
    questions = [q.text for q in campaign.questions]
    domain = current_app.config["MAIL_DOMAIN"]
    planned: list[_Planned] = []
    corpus = {reply.code: reply for reply in CORPUS_REPLIES}
    others = [r for r in requests if r.authority.code not in corpus and r.id in letters_by_request]
    rng.shuffle(others)

    def reply(request: Request, kind: str, days: int, body: str, **kw: Any) -> None:
        letter = letters_by_request[request.id]
        when = _at(letter.sent_at or utcnow(), days, rng)
        raw = reply_email(
            sender=kw.pop("sender", request.sent_to or ""),
            sender_name=kw.pop("sender_name", f"{request.authority.name} FOI"),
            to=f"foi+{request.token}@{domain}",
            subject=kw.pop("subject", f"RE: {letter.subject}"),
            body=body,
            when=when,
            message_id=demo_message_id(request.authority.code or str(request.id), kind),
            in_reply_to=letter.message_id,
            **kw,
        )
        planned.append(_Planned(when, raw))

    for request in requests:
        real = corpus.get(request.authority.code or "")
        if real is None or request.id not in letters_by_request:
            continue
        council = letters.Council(request.authority.name, "", real.reference)
        data = demo_data(f"replies/{real.filename}").read_bytes()
        suffix = Path(real.filename).suffix
        if suffix in CONTENT_TYPES:
            body = letters.covering_note(council, real.filename)
            attached = (Attached(real.filename, CONTENT_TYPES[suffix], data),)
            reply(request, "response", real.days_after, body, attachments=attached)
        else:
            reply(request, "response", real.days_after, data.decode("utf-8"))

    n = len(others)
    q = len(questions)
    roles: list[str] = ["clarification", "bounce", "out_of_office", "held"]
    roles += ["extension"] * max(1, n // 60)
    for kind in ("s12", "s43", "s21", "s40"):
        roles += [kind] * max(1, n // 40)
    roles += ["disclosure"] * max(2, n // 12)
    systems = list(letters.DISCLOSED_SYSTEMS)
    for index, request in enumerate(others):
        role = _deal(roles, request.law)
        council = _council(request, rng)
        code = request.authority.code or str(request.id)
        sent = letters_by_request[request.id].sent_at or utcnow()
        received = london_date(sent)
        acknowledged = role not in ("bounce", "out_of_office") and rng.random() < 0.4
        if role is None and not acknowledged:
            continue  # silence: these fall overdue
        if acknowledged:
            due = due_date(request.law, sent)
            reply(
                request,
                "acknowledgement",
                rng.randrange(1, 4),
                letters.acknowledgement(council, received, due),
            )
        if role == "clarification":
            reply(request, role, 6, letters.clarification(council))
        elif role == "bounce":
            letter = letters_by_request[request.id]
            when = _at(sent, 0, rng)
            raw = delivery_failure(
                reporting_host=f"mx.{domain}",
                failed_address=request.sent_to or "",
                return_path=f"foi+{request.token}@{domain}",
                subject=letter.subject,
                when=when,
                message_id=demo_message_id(code, "bounce"),
                original_message_id=letter.message_id,
            )
            planned.append(_Planned(when, raw))
        elif role == "out_of_office":
            reply(
                request,
                role,
                0,
                letters.out_of_office(request.authority.name, received + timedelta(days=9)),
                subject=f"Automatic reply: {letters_by_request[request.id].subject}",
                auto_reply=True,
            )
        elif role == "held":
            # An officer answering from a personal address: the token matches, but the sender
            # is not the council's, so the reply waits in the Inbox for a person to confirm.
            reply(
                request,
                role,
                rng.randrange(8, 15),
                letters.from_an_officer(council),
                sender=f"foi.officer.{code.lower()}@home-mail.{DEMO_ADDRESS_DOMAIN}",
                sender_name="Information Officer",
            )
        elif role == "extension":
            new_date = due_date(request.law, sent + timedelta(days=28))
            reply(request, role, 26, letters.extension(council, new_date))
        elif role is not None:
            answered = _final_answers(role, index, q, code, systems)
            reply(
                request,
                "final",
                rng.randrange(12, 40),
                letters.final_letter(council, questions, answered),
            )
    planned.sort(key=lambda p: p.when)
    return planned


# Letters that cite sections of the UK Act (s10(3) extensions, s12, s21, s40, s43): the
# Scottish Act numbers its exemptions differently, so Scottish councils are not dealt these.
FOIA_ONLY_ROLES = frozenset({"extension", "s12", "s43", "s21", "s40"})


def _deal(roles: list[str], law: str) -> str | None:
    """Take the next role that suits a council under this law (None: it stays silent)."""
    for position, role in enumerate(roles):
        if law == LawCode.FOIA.value or role not in FOIA_ONLY_ROLES:
            return roles.pop(position)
    return None


def _final_answers(role: str, index: int, q: int, code: str, systems: list[str]) -> Any:
    system = systems[index % len(systems)]
    if role == "s12":
        return letters.refusal_for_cost(q)
    if role == "s43":
        return letters.refusal_for_commercial_interests(q)
    if role == "s21":
        url = f"https://www.{code.lower()}.{DEMO_ADDRESS_DOMAIN}/transparency/data-analytics"
        return letters.refusal_as_published(q, url)
    if role == "s40":
        return letters.refusal_for_personal_data(q, system)
    return letters.disclosure(q, system, full=index % 2 == 0)


def mbox_path() -> Path:
    """The demo's replies as an mbox in the data directory, as a campaigner would save them."""
    return Path(current_app.config["CAMPAIGN_DATA_DIR"]) / "demo" / "replies.mbox"


def _receive_replies(campaign: Campaign) -> Counter[str]:
    """Write the replies to an mbox, then import and read them as `campaign mail import` does."""
    planned = plan_replies(campaign)
    path = mbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    box = mailbox.mbox(path)
    try:
        box.lock()
        for item in planned:
            box.add(item.raw)
        box.flush()
    finally:
        box.unlock()
        box.close()
    kinds: Counter[str] = Counter()
    for source in iter_mail_sources([path], max_message_bytes=max_inbound_bytes()):
        if source.raw is None:
            kinds["unreadable"] += 1
            continue
        stored = store_inbound(source.raw, MessageSource.IMPORT, queue=False)
        if stored.message_id is None:
            kinds["refused"] += 1
            continue
        done = process_message(stored.message_id)
        kinds[done.kind or "failed"] += 1
    _date_replies_by_their_headers(campaign)
    return kinds


def _date_replies_by_their_headers(campaign: Campaign) -> None:
    """Each reply arrived when its Date header says, not when the demo imported it: move its
    arrival, the events it caused and the request's dates to match."""
    requests = {
        r.id: r
        for r in db.session.scalars(sa.select(Request).where(Request.campaign_id == campaign.id))
    }
    messages = db.session.scalars(
        sa.select(Message).where(
            sa.or_(
                Message.request_id.in_(list(requests)),
                Message.inbound_key.endswith(f"@{DEMO_MESSAGE_DOMAIN}"),  # held in the Inbox
            ),
            Message.direction == MessageDirection.INBOUND.value,
        )
    ).all()
    when_by_message = {m.id: m.sent_at for m in messages if m.sent_at is not None}
    for message in messages:
        if message.sent_at is None:
            continue
        message.received_at = message.created_at = message.sent_at
    events = db.session.scalars(
        sa.select(Event).where(Event.campaign_id == campaign.id, Event.request_id.isnot(None))
    ).all()
    for message in sorted(messages, key=lambda m: m.received_at or utcnow()):
        if message.request_id in requests:
            requests[message.request_id].last_contact_at = message.received_at
    for event in events:
        when = when_by_message.get((event.detail or {}).get("message_id"))
        if when is None:
            continue
        event.created_at = when
        request = requests[event.request_id]
        if event.kind == "status_changed":
            request.status_changed_at = when
            if event.to_status == RequestStatus.AWAITING_CLARIFICATION.value:
                request.clock_stopped_at = when
    for answer in db.session.scalars(
        sa.select(Answer).where(Answer.request_id.in_(list(requests)))
    ):
        when = when_by_message.get(answer.message_id)
        if when is not None:
            answer.created_at = when
    db.session.commit()


# ---------------------------------------------------------------------------
# Follow-ups and publishing


def _send_follow_ups(message_ids: list[int]) -> int:
    from campaign.services.followups import SendOutcome, send_follow_up
    from campaign.tasks import transport_for

    transport = transport_for(current_app._get_current_object())
    sent = 0
    for message_pk in message_ids:
        report = send_follow_up(message_pk, transport)
        sent += report.outcome == SendOutcome.SENT
    return sent


def _climb_ladder(campaign: Campaign) -> int:
    """Turn the escalation ladder on and take today's rung: a first chaser to the late ones."""
    from campaign.services.followups import run_ladder

    campaign.ladder_enabled = True
    db.session.commit()
    run = run_ladder(campaign, send=False)
    return _send_follow_ups(run.queued.queued)


def _request_reviews(campaign: Campaign, how_many: int = 3) -> int:
    """Ask for internal reviews of a few refusals, as a campaigner would."""
    from campaign.services.followups import queue_review_requests

    refused = db.session.execute(
        sa.select(Request.id, Request.status)
        .join(Authority, Request.authority_id == Authority.id)
        .where(
            Request.campaign_id == campaign.id,
            Request.status.in_([RequestStatus.REFUSED.value]),
        )
        .order_by(Authority.name)
        .limit(how_many)
    ).all()
    if not refused:
        return 0
    result = queue_review_requests(
        campaign,
        [(rid, status) for rid, status in refused],
        default_grounds=REVIEW_GROUNDS,
        send=False,
    )
    return _send_follow_ups(result.queued)


def _publish(campaign: Campaign) -> None:
    campaign.is_public = True
    campaign.published_at = utcnow()
    campaign.methodology = METHODOLOGY
    db.session.commit()


def _counts(campaign: Campaign) -> tuple[Counter[str], Counter[str]]:
    statuses = Counter(
        dict(
            db.session.execute(
                sa.select(Request.status, sa.func.count())
                .where(Request.campaign_id == campaign.id)
                .group_by(Request.status)
            ).all()
        )
    )
    answers = Counter(
        dict(
            db.session.execute(
                sa.select(Answer.outcome, sa.func.count())
                .join(Request, Answer.request_id == Request.id)
                .where(Request.campaign_id == campaign.id)
                .group_by(Answer.outcome)
            ).all()
        )
    )
    return statuses, answers
