"""Campaign authoring: the letter and its questions, the targets, previews and letter versions.

The rules for what a campaign may hold live here once, so the web form and the CLI refuse the
same things with the same words. Problems are returned as values (field -> messages); the
pages and commands decide how to show them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from campaign.domain.authority_import import GSS_CODE, name_keys
from campaign.domain.law import Law, LawCode
from campaign.domain.letters import (
    MAX_TEMPLATE_CHARS,
    Letter,
    LetterAuthority,
    LetterCheck,
    LetterContext,
    LetterError,
    check_templates,
    law_for,
    render_letter,
)
from campaign.domain.names import normalise_name
from campaign.domain.vocabulary import CampaignStatus, Nation, RequestStatus
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.models import Authority, AuthorityTag, Campaign, LetterVersion, Question, Request
from campaign.services.statuses import record_event

MAX_TITLE = 200
MAX_SLUG = 80
MAX_DESCRIPTION = 5_000
MAX_SUBJECT = 300  # the column's size: a subject line, not a paragraph
MAX_BODY = MAX_TEMPLATE_CHARS
MAX_QUESTIONS = 50
MAX_QUESTION_CHARS = 2_000
MAX_NAMES_LINES = 2_000
MAX_ID = 2**31 - 1  # the largest id the database's integer columns hold

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths under /campaigns/ that a slug would shadow.
RESERVED_SLUGS = {"new"}
# "1. ", "2) ", "- ", "* ", "• " in front of a pasted question: the letter numbers them itself.
_LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|[-*\u2022])\s+")
LETTERS_TIME_ZONE = ZoneInfo("Europe/London")
PREVIEW_TOKEN = "preview"
NO_EMAIL = "no FOI email address"
OWN_LAW = "own"

DEFAULT_SUBJECT = "Freedom of Information request: {{ campaign.title }}"
DEFAULT_BODY = """Dear {{ authority.name }},

I am writing to request information under {{ law.citation }}.

Please provide the following information:

{{ questions }}

If any part of this request is unclear, please contact me so that I can clarify it. If you hold \
some but not all of the information, please send what you hold. If you consider any of it \
exempt from disclosure, please tell me which exemption applies and why, and release the rest.

I would like to receive the information by email, in an electronic format such as a \
spreadsheet or PDF. Please send your reply to {{ reply_to }}, the address for this request.

I look forward to your response within 20 working days, as the law requires.

Yours faithfully,
"""

# The short reference shown next to the editor: (placeholder, what it becomes).
PLACEHOLDER_HELP: list[tuple[str, str]] = [
    ("{{ authority.name }}", "the authority's name, e.g. Coventry City Council"),
    ("{{ law.name }}", "Freedom of Information Act 2000, or the Scottish Act for Scottish bodies"),
    ("{{ law.citation }}", "section 1 of the Act (regulation 5 for the EIR)"),
    ("{{ reply_to }}", "this request's own reply address, foi+<token>@…"),
    ("{{ today }}", "the date the letter is sent, e.g. 24 November 2026"),
    ("{{ questions }}", "the questions as a numbered list"),
    ("{{ campaign.title }}", "this campaign's title"),
]


# ---------------------------------------------------------------------------
# What a campaign holds, and the rules it must follow


@dataclass
class CampaignDraft:
    """A campaign as a person typed it; `slug` "" means "make one from the title"."""

    title: str
    slug: str = ""
    description: str = ""
    subject_template: str = DEFAULT_SUBJECT
    body_template: str = DEFAULT_BODY
    law_override: str | None = None  # None: each authority's own law; "eir": the EIR for all
    questions: list[str] = field(default_factory=list)


Problems = dict[str, list[str]]


@dataclass
class Saved:
    """The outcome of saving a campaign: the campaign, or the problems that stopped it."""

    campaign: Campaign | None
    problems: Problems = field(default_factory=dict)
    new_version: int | None = None  # set when a live campaign's edit made a new letter version

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_questions(text: str) -> list[str]:
    """One question per line, blank lines ignored, list numbers or bullets pasted in dropped."""
    questions = []
    for line in text.splitlines():
        question = " ".join(_LIST_MARKER.sub("", line, count=1).split())
        if question:
            questions.append(question)
    return questions


def slugify(title: str) -> str:
    """A URL name from a title: "Councils' use of AI (2026)" -> "councils-use-of-ai-2026"."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    ascii_text = ascii_text.replace("'", "").replace("&", " and ")
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text))[: MAX_SLUG - 4].strip("-")
    return slug or "campaign"


def _too_long(label: str, text: str, limit: int) -> str | None:
    if len(text) > limit:
        return f"{label} must be at most {limit:,} characters (it is {len(text):,})."
    return None


def title_problem(title: str) -> str | None:
    if not title.strip():
        return "Give the campaign a title."
    return _too_long("The title", title.strip(), MAX_TITLE)


def slug_problem(slug: str, campaign_id: int | None = None) -> str | None:
    """Why a slug cannot be used: its form, a reserved word, or another campaign has it."""
    if len(slug) > MAX_SLUG:
        return f"The slug must be at most {MAX_SLUG} characters (it is {len(slug):,})."
    if not SLUG_RE.match(slug):
        return (
            "The slug may use only lower-case letters a-z, digits and single hyphens between "
            "them, e.g. council-ai-2026 (no spaces)."
        )
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is reserved; choose another slug."
    taken = sa.select(Campaign.id).where(Campaign.slug == slug)
    if campaign_id is not None:
        taken = taken.where(Campaign.id != campaign_id)
    if db.session.scalar(taken) is not None:
        return f"Another campaign already uses the slug “{slug}”."
    return None


def unique_slug(title: str, campaign_id: int | None = None) -> str:
    """A free slug made from the title, numbered -2, -3 … when it is already taken."""
    base = slugify(title)
    if base in RESERVED_SLUGS:
        base = f"{base}-campaign"
    query = sa.select(Campaign.slug).where(Campaign.slug.startswith(base, autoescape=True))
    if campaign_id is not None:
        query = query.where(Campaign.id != campaign_id)
    taken = set(db.session.scalars(query))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def questions_problems(questions: Sequence[str]) -> list[str]:
    problems = []
    if len(questions) > MAX_QUESTIONS:
        problems.append(
            f"A campaign may have at most {MAX_QUESTIONS} questions; there are {len(questions)}."
        )
    for number, question in enumerate(questions, start=1):
        if len(question) > MAX_QUESTION_CHARS:
            problems.append(
                f"Question {number} is {len(question):,} characters; a question may be at most "
                f"{MAX_QUESTION_CHARS:,}."
            )
    return problems


def live_questions_problem(sent: Sequence[str], new: Sequence[str]) -> str | None:
    """Once requests are out, replies are matched to question numbers: numbers never move.

    Editing a question's text in place and adding questions at the end are fine; fewer
    questions, or a sent question turning up under another number, is refused.
    """
    rule = (
        "Replies are matched to question numbers, so questions already sent cannot be deleted "
        "or reordered. Edit a question's text in place, or add new questions at the end."
    )
    if len(new) < len(sent):
        return (
            f"This campaign is live: it has {len(sent)} questions and the edit leaves "
            f"{len(new)}. {rule}"
        )
    for number, text in enumerate(sent, start=1):
        if new[number - 1] != text and text in new:
            moved_to = new.index(text) + 1
            return (
                f"This campaign is live: question {number} would become question {moved_to}. {rule}"
            )
    return None


def check_draft(draft: CampaignDraft, campaign: Campaign | None = None) -> Problems:
    """Every field-level problem with a draft, keyed by field name."""
    problems: Problems = defaultdict(list)
    campaign_id = campaign.id if campaign is not None else None

    def add(name: str, problem: str | None) -> None:
        if problem:
            problems[name].append(problem)

    add("title", title_problem(draft.title))
    if draft.slug:
        add("slug", slug_problem(draft.slug, campaign_id))
    add("description", _too_long("The description", draft.description, MAX_DESCRIPTION))
    if not draft.subject_template.strip():
        add("subject", "Write a subject line.")
    add("subject", _too_long("The subject", draft.subject_template, MAX_SUBJECT))
    if not draft.body_template.strip():
        add("body", "Write the letter.")
    add("body", _too_long("The letter", draft.body_template, MAX_BODY))
    if draft.law_override not in (None, LawCode.EIR.value):
        add("law", "Choose each authority's own law, or the EIR for every authority.")
    problems["questions"].extend(questions_problems(draft.questions))
    if campaign is not None and is_live(campaign):
        sent = [q.text for q in campaign.questions]
        add("questions", live_questions_problem(sent, draft.questions))
        if draft.law_override != campaign.law_override:
            add("law", "The law cannot change once the campaign is live: each request keeps it.")
    return {name: messages for name, messages in problems.items() if messages}


def is_live(campaign: Campaign) -> bool:
    """Launched (or closed): requests may be out, so the letter is versioned from now on."""
    return campaign.status != CampaignStatus.DRAFT.value


# ---------------------------------------------------------------------------
# Creating and editing


def new_draft() -> CampaignDraft:
    """The starting point of the "new campaign" form: a polite letter with every placeholder."""
    return CampaignDraft(title="")


def create_campaign(draft: CampaignDraft, user_id: int | None = None) -> Saved:
    """Store a new draft campaign with its questions; problems instead if it breaks a rule."""
    draft = _tidy(draft)
    problems = check_draft(draft)
    if problems:
        return Saved(None, problems)
    campaign = Campaign(
        slug=draft.slug or unique_slug(draft.title),
        title=draft.title,
        description=draft.description,
        subject_template=draft.subject_template,
        body_template=draft.body_template,
        law_override=draft.law_override,
        status=CampaignStatus.DRAFT.value,
        target_filter=TargetFilter().to_json(),
        created_by_id=user_id,
    )
    _set_questions(campaign, draft.questions)
    db.session.add(campaign)
    return _commit(campaign, "campaign_created", user_id, Saved(campaign))


def update_campaign(campaign: Campaign, draft: CampaignDraft, user_id: int | None = None) -> Saved:
    """Save an edit. On a live campaign a changed letter becomes a new LetterVersion, and a
    letter that cannot be rendered is refused, because unsent requests would go out with it."""
    draft = _tidy(draft)
    problems = check_draft(draft, campaign)
    if is_live(campaign) and not problems:
        errors = review_letter_text(
            draft.subject_template, draft.body_template, draft.questions, draft.law_override
        ).errors
        if errors:
            problems["letter"] = [
                "This campaign is live, so the letter must work before it is saved.",
                *errors,
            ]
    if problems:
        return Saved(campaign, problems)

    before = _letter_of(campaign)
    if is_live(campaign) and before != _letter_of_draft(draft):
        snapshot_letter(campaign, user_id)  # the text sent so far, if launch did not store it
    campaign.title = draft.title
    campaign.slug = draft.slug or unique_slug(draft.title, campaign.id)
    campaign.description = draft.description
    campaign.subject_template = draft.subject_template
    campaign.body_template = draft.body_template
    campaign.law_override = draft.law_override
    _set_questions(campaign, draft.questions)
    saved = Saved(campaign)
    if is_live(campaign) and before != _letter_of(campaign):
        campaign.letter_version += 1
        snapshot_letter(campaign, user_id)
        saved.new_version = campaign.letter_version
    return _commit(campaign, "campaign_edited", user_id, saved)


def snapshot_letter(campaign: Campaign, user_id: int | None = None) -> LetterVersion:
    """Store the current letter as LetterVersion `campaign.letter_version` unless it is stored.

    Called at launch (version 1) and for each edit of a live campaign; the caller commits.
    """
    for version in campaign.letter_versions:
        if version.version == campaign.letter_version:
            return version
    version = LetterVersion(
        version=campaign.letter_version,
        subject_template=campaign.subject_template,
        body_template=campaign.body_template,
        questions=[q.text for q in campaign.questions],
        created_by_id=user_id,
    )
    campaign.letter_versions.append(version)
    return version


def _tidy(draft: CampaignDraft) -> CampaignDraft:
    """Trim what people never mean to keep: spaces around the title, slug and subject."""
    return CampaignDraft(
        title=" ".join(draft.title.split()),
        slug=draft.slug.strip(),
        description=draft.description.strip(),
        subject_template=draft.subject_template.strip(),
        body_template=draft.body_template.replace("\r\n", "\n"),
        law_override=draft.law_override or None,
        questions=[" ".join(q.split()) for q in draft.questions if q.strip()],
    )


def _letter(subject: str, body: str, questions: Sequence[str], title: str) -> tuple:
    """What decides the text a request is sent with (the title only if the letter uses it)."""
    uses_title = "campaign.title" in subject or "campaign.title" in body
    return (subject, body, list(questions), title if uses_title else None)


def _letter_of(campaign: Campaign) -> tuple:
    questions = [q.text for q in campaign.questions]
    return _letter(campaign.subject_template, campaign.body_template, questions, campaign.title)


def _letter_of_draft(draft: CampaignDraft) -> tuple:
    return _letter(draft.subject_template, draft.body_template, draft.questions, draft.title)


def _set_questions(campaign: Campaign, texts: Sequence[str]) -> None:
    """Question n keeps its row (and its answers); new ones are added, extra ones removed."""
    for position, text in enumerate(texts, start=1):
        if position <= len(campaign.questions):
            campaign.questions[position - 1].text = text
        else:
            campaign.questions.append(Question(position=position, text=text))
    del campaign.questions[len(texts) :]


def _commit(campaign: Campaign, kind: str, user_id: int | None, saved: Saved) -> Saved:
    try:
        db.session.flush()
        detail = {"letter_version": saved.new_version} if saved.new_version else {}
        record_event(kind, campaign_id=campaign.id, user_id=user_id, **detail)
        db.session.commit()
    except sa.exc.IntegrityError:  # another campaign took the slug between check and save
        db.session.rollback()
        return Saved(None, {"slug": ["Another campaign took that slug just now; try again."]})
    return saved


def get_campaign(slug: str) -> Campaign | None:
    """The campaign at this address, or None; a slug no campaign could have (too long, a NUL
    byte PostgreSQL refuses) is None without asking the database."""
    if not slug or len(slug) > 80 or "\x00" in slug:
        return None
    return db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))


def list_campaigns() -> list[Campaign]:
    return list(db.session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc())))


def request_counts() -> dict[int, dict[str, int]]:
    """Requests per campaign by status, in one query, for the campaigns list."""
    rows = db.session.execute(
        sa.select(Request.campaign_id, Request.status, sa.func.count()).group_by(
            Request.campaign_id, Request.status
        )
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for campaign_id, status, n in rows:
        counts[campaign_id][status] = n
    return dict(counts)


# ---------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class TargetFilter:
    """Which authorities get the request. Nothing chosen means nobody, never "everyone":
    sending to every authority is the explicit `everyone` choice."""

    everyone: bool = False
    nations: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    authority_ids: tuple[int, ...] = ()  # hand-picked, added to the filtered set

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TargetFilter:
        data = data or {}

        def strings(key: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(str(v) for v in data.get(key) or [] if str(v).strip()))

        ids = []
        for value in data.get("authority_ids") or []:
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if 0 < number <= MAX_ID:
                ids.append(number)
        return cls(
            everyone=bool(data.get("all")),
            nations=strings("nations"),
            types=strings("types"),
            tags=strings("tags"),
            authority_ids=tuple(dict.fromkeys(ids)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "all": self.everyone,
            "nations": list(self.nations),
            "types": list(self.types),
            "tags": list(self.tags),
            "authority_ids": list(self.authority_ids),
        }

    @property
    def has_filters(self) -> bool:
        return bool(self.nations or self.types or self.tags)


@dataclass(frozen=True)
class Targets:
    """The authorities a campaign goes to, split by whether a request can be emailed."""

    with_email: list[Authority]
    without_email: list[Authority]

    @property
    def total(self) -> int:
        return len(self.with_email) + len(self.without_email)

    @property
    def skipped(self) -> list[tuple[Authority, str]]:
        return [(authority, NO_EMAIL) for authority in self.without_email]


def target_filter_of(campaign: Campaign) -> TargetFilter:
    return TargetFilter.from_json(campaign.target_filter)


def _target_condition(targets: TargetFilter) -> sa.ColumnElement[bool]:
    if targets.everyone:
        filtered: sa.ColumnElement[bool] = sa.true()
    elif targets.has_filters:
        parts = []
        if targets.nations:
            parts.append(Authority.nation.in_(targets.nations))
        if targets.types:
            parts.append(Authority.authority_type.in_(targets.types))
        if targets.tags:
            tagged = sa.select(AuthorityTag.authority_id).where(AuthorityTag.tag.in_(targets.tags))
            parts.append(Authority.id.in_(tagged))
        filtered = sa.and_(*parts)
    else:
        filtered = sa.false()
    if targets.authority_ids:
        return sa.or_(filtered, Authority.id.in_(targets.authority_ids))
    return filtered


def select_targets(campaign: Campaign) -> Targets:
    """The campaign's target authorities by name; those with no FOI email are kept, apart."""
    return find_targets(target_filter_of(campaign))


def find_targets(targets: TargetFilter) -> Targets:
    query = sa.select(Authority).where(_target_condition(targets)).order_by(Authority.name)
    with_email, without_email = [], []
    for authority in db.session.scalars(query):
        (with_email if (authority.foi_email or "").strip() else without_email).append(authority)
    return Targets(with_email, without_email)


def set_targets(campaign: Campaign, targets: TargetFilter, user_id: int | None = None) -> Targets:
    """Store the campaign's target filter and return who it now reaches."""
    campaign.target_filter = targets.to_json()
    found = find_targets(targets)
    record_event(
        "targets_changed",
        campaign_id=campaign.id,
        user_id=user_id,
        with_email=len(found.with_email),
        without_email=len(found.without_email),
    )
    db.session.commit()
    return found


@dataclass(frozen=True)
class FilterOptions:
    """The values targets can be filtered on, each with how many authorities have it."""

    nations: list[tuple[str, int]]
    types: list[tuple[str, int]]
    tags: list[tuple[str, int]]
    total: int


def filter_options() -> FilterOptions:
    def counted(column: Any) -> dict[str, int]:
        query = sa.select(column, sa.func.count()).group_by(column)
        return {value: n for value, n in db.session.execute(query) if value}

    nations = counted(Authority.nation)
    types = counted(Authority.authority_type)
    tags = counted(AuthorityTag.tag)
    total = db.session.scalar(sa.select(sa.func.count(Authority.id))) or 0
    return FilterOptions(
        nations=[(n.value, nations[n.value]) for n in Nation if n.value in nations],
        types=sorted(types.items()),
        tags=sorted(tags.items()),
        total=total,
    )


@dataclass
class NameMatches:
    """Authorities found from typed names or GSS codes, and the lines that found none."""

    authorities: list[Authority] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)


def match_authorities(text: str) -> NameMatches:
    """Find authorities from lines of names or GSS codes, as people paste them from a list.

    Names are compared after normalise_name (so "Kings Lynn and West Norfolk BC" finds the
    Borough Council of King's Lynn & West Norfolk); a body's short and alternative names count
    too. A line that fits several bodies is reported, not guessed.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    result = NameMatches()
    if not lines:
        return result
    if len(lines) > MAX_NAMES_LINES:
        result.unmatched.append(("", f"Paste at most {MAX_NAMES_LINES:,} names at a time."))
        return result
    bodies = db.session.scalars(sa.select(Authority).order_by(Authority.name)).all()
    by_gss = {b.gss_code.upper(): b for b in bodies if b.gss_code}
    by_name: dict[str, list[Authority]] = defaultdict(list)
    by_other_name: dict[str, list[Authority]] = defaultdict(list)
    for body in bodies:
        by_name[body.normalised_name].append(body)
        for key in name_keys(body.name, body.short_name, body.alt_names) - {body.normalised_name}:
            by_other_name[key].append(body)

    seen: set[int] = set()
    for line in lines:
        code = line.upper().replace(" ", "")
        if GSS_CODE.match(code):
            found = [by_gss[code]] if code in by_gss else []
        else:
            key = normalise_name(line)
            found = by_name.get(key) or by_other_name.get(key) or []
        if not found:
            result.unmatched.append((line, "no authority has this name or GSS code"))
        elif len(found) > 1:
            names = "; ".join(b.name for b in found[:5])
            result.unmatched.append(
                (line, f"matches {len(found)} authorities ({names}): use its GSS code")
            )
        elif found[0].id not in seen:
            seen.add(found[0].id)
            result.authorities.append(found[0])
    return result


def search_authorities(text: str, limit: int = 50) -> list[Authority]:
    """Authorities whose name or GSS code contains the text, for ticking by hand."""
    text = text.strip()
    if not text:
        return []
    query = (
        sa.select(Authority)
        .where(
            sa.or_(
                Authority.name.icontains(text, autoescape=True),
                Authority.gss_code.icontains(text, autoescape=True),
            )
        )
        .order_by(Authority.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def authorities_by_id(ids: Iterable[int]) -> list[Authority]:
    ids = [i for i in ids if 0 < i <= MAX_ID]
    if not ids:
        return []
    query = sa.select(Authority).where(Authority.id.in_(ids)).order_by(Authority.name)
    return list(db.session.scalars(query))


def parse_id(text: str) -> int | None:
    """A database id typed or posted as text; None for anything that cannot be one."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def list_authorities() -> list[Authority]:
    """Every authority by name, for previewing a campaign that has no targets yet."""
    return list(db.session.scalars(sa.select(Authority).order_by(Authority.name)))


def get_authority(authority_id: int | None) -> Authority | None:
    if authority_id is None or not 0 < authority_id <= MAX_ID:
        return None
    return db.session.get(Authority, authority_id)


def find_authority(text: str) -> tuple[Authority | None, str]:
    """One authority from an id, a GSS code or a name; (None, why) when it is not one body."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        authority = get_authority(parse_id(text))
        return (authority, "") if authority else (None, f"No authority has id {text}.")
    matches = match_authorities(text)
    if matches.authorities:
        return matches.authorities[0], ""
    reason = matches.unmatched[0][1] if matches.unmatched else "no name given"
    return None, f"“{text}”: {reason}."


# ---------------------------------------------------------------------------
# Letters: the law each authority gets, previews and the checks before launch


def law_code_for(campaign: Campaign, authority: Authority) -> LawCode:
    """The EIR when the campaign says so, else the authority's own law (FOISA in Scotland)."""
    if campaign.law_override:
        return LawCode(campaign.law_override)
    return LawCode(authority.law or LawCode.FOIA.value)


def letter_authority(authority: Authority) -> LetterAuthority:
    return LetterAuthority(
        name=authority.name,
        short_name=authority.short_name,
        nation=authority.nation or "",
        type=authority.authority_type,
        gss_code=authority.gss_code or "",
        email=authority.foi_email or "",
    )


def letter_today() -> date:
    """Letters are dated in UK time, whatever the server's clock says."""
    return datetime.now(LETTERS_TIME_ZONE).date()


def preview_address(mail_domain: str) -> str:
    """An example reply address; each real request gets its own token in its place."""
    return reply_address(PREVIEW_TOKEN, mail_domain)


_SAMPLE_AUTHORITY = LetterAuthority(
    name="Example Borough Council",
    short_name="Example",
    nation="England",
    type="Non-metropolitan district",
    gss_code="E07000000",
    email="foi@example.gov.uk",
)


def review_letter_text(
    subject: str,
    body: str,
    questions: Sequence[str],
    law_override: str | None = None,
    title: str = "",
) -> LetterCheck:
    """check_templates, plus one trial rendering: a letter that cannot be rendered for a sample
    authority (e.g. {{ authority.nmae }}, {{ ''.__class__ }}) would fail for every one."""
    check = check_templates(subject, body)
    if check.ok:
        context = LetterContext(
            authority=_SAMPLE_AUTHORITY,
            law=law_for(LawCode.EIR if law_override == LawCode.EIR else LawCode.FOIA),
            reply_to=reply_address(PREVIEW_TOKEN, "example.org"),
            today=letter_today(),
            questions=list(questions),
            campaign_title=title,
        )
        try:
            render_letter(subject, body, context)
        except LetterError as error:
            check.errors.append(str(error))
    return check


def review_letter(campaign: Campaign) -> LetterCheck:
    """Errors (which block launch) and warnings about the campaign's current letter."""
    return review_letter_text(
        campaign.subject_template,
        campaign.body_template,
        [q.text for q in campaign.questions],
        campaign.law_override,
        campaign.title,
    )


@dataclass(frozen=True)
class Preview:
    """The exact letter one authority would receive, or why it cannot be made."""

    authority: Authority
    law: Law
    law_is_override: bool
    reply_to: str
    letter: Letter | None
    error: str | None


def preview_letter(
    campaign: Campaign, authority: Authority, mail_domain: str, today: date | None = None
) -> Preview:
    code = law_code_for(campaign, authority)
    reply_to = preview_address(mail_domain)
    context = LetterContext(
        authority=letter_authority(authority),
        law=law_for(code),
        reply_to=reply_to,
        today=today or letter_today(),
        questions=[q.text for q in campaign.questions],
        campaign_title=campaign.title,
    )
    letter, error = None, None
    try:
        letter = render_letter(campaign.subject_template, campaign.body_template, context)
    except LetterError as problem:
        error = str(problem)
    return Preview(
        authority=authority,
        law=law_for(code),
        law_is_override=bool(campaign.law_override),
        reply_to=reply_to,
        letter=letter,
        error=error,
    )


@dataclass
class LaunchPlan:
    """What pressing Launch would do now, and anything that stops it."""

    to_send: list[Authority]
    already_launched: int
    skipped: list[tuple[Authority, str]]
    blockers: list[str]

    @property
    def ok(self) -> bool:
        return not self.blockers


def not_yet_requested(campaign: Campaign, authorities: Sequence[Authority]) -> list[Authority]:
    """The authorities with no request in this campaign, or only a draft one (never sent)."""
    requested = dict(
        db.session.execute(
            sa.select(Request.authority_id, Request.status).where(
                Request.campaign_id == campaign.id
            )
        ).all()
    )
    return [a for a in authorities if requested.get(a.id) in (None, RequestStatus.DRAFT.value)]


def launch_plan(campaign: Campaign, mail_domain: str) -> LaunchPlan:
    """Who a launch would queue and skip; blocked while the letter has errors or fails to render
    for any target, or while no target has an FOI email address."""
    targets = select_targets(campaign)
    to_send = not_yet_requested(campaign, targets.with_email)
    blockers = list(review_letter(campaign).errors)
    if not blockers:
        failures = []
        for authority in to_send:
            preview = preview_letter(campaign, authority, mail_domain)
            if preview.error:
                failures.append(f"{authority.name}: {preview.error}")
        blockers += failures[:5]
        if len(failures) > 5:
            blockers.append(f"… and {len(failures) - 5} more authorities whose letter fails.")
    if not to_send and not blockers:
        if targets.with_email:
            blockers.append("Every target with an FOI email address has its request already.")
        else:
            blockers.append("No target authority has an FOI email address: choose targets first.")
    return LaunchPlan(
        to_send=to_send,
        already_launched=len(targets.with_email) - len(to_send),
        skipped=targets.skipped,
        blockers=blockers,
    )
