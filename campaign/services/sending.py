"""Sending letters exactly once, whatever crashes or times out along the way.

A worker takes a batch of requests. It claims them and stores each outbound Message (the exact
text and our Message-Id) in one transaction *before* calling the transport, then records each
outcome after. A claim with no outcome means a crash or an unanswered call: it is reconciled by
asking the transport whether that Message-Id was accepted, and only resent if it was not.
The send path reads and writes plain rows (no ORM objects) in a fixed handful of statements per
batch of letters: building ORM objects cost more than rendering the letters did.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import ARRAY, JSON

from campaign.domain.letters import LetterAuthority, LetterContext, LetterError, law_for
from campaign.domain.letters import render_letter as render
from campaign.domain.vocabulary import MessageDirection, MessageKind, RequestStatus
from campaign.extensions import db
from campaign.mail.compose import OutgoingEmail, new_message_id
from campaign.mail.transports import (
    AmbiguousSendError,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
)
from campaign.models import Authority, Campaign, Event, Message, Question, Request
from campaign.models.base import UTCDateTime, utcnow
from campaign.services.statuses import change_status

MAX_ATTEMPTS = 8
RECORD_EVERY = 25  # outcomes written per transaction while a batch is being sent
_OPEN_DELIVERY = ("sending", "retrying", "unknown")
_DEAD_LETTER = ("rejected", "failed")  # a resend writes a new letter rather than repeat these
_REQUEST = Request.__table__
_MESSAGE = Message.__table__
_UTC = UTCDateTime()
_Statement = TypeVar("_Statement", bound=sa.Executable)


def stale_claim() -> timedelta:
    """A claim older than this with no recorded outcome was abandoned by a dead worker, or its
    transport call went unanswered long enough for the provider's log to say what happened."""
    return timedelta(seconds=current_app.config["SEND_STALE_CLAIM_SECONDS"])


class SendOutcome(StrEnum):
    SENT = "sent"  # accepted by the transport now
    RECONCILED = "reconciled"  # an earlier attempt had been accepted; recorded, not resent
    RETRY = "retry"  # not accepted; try again later
    UNKNOWN = "unknown"  # maybe accepted: reconcile later before any resend
    FAILED = "failed"  # permanently refused; request is delivery_failed
    SKIPPED = "skipped"  # nothing to do: already sent, withdrawn, or another worker has it


@dataclass(frozen=True)
class SendReport:
    outcome: SendOutcome
    request_id: int
    detail: str = ""
    attempts: int = 0


def reply_address(token: str) -> str:
    return f"foi+{token}@{current_app.config['MAIL_DOMAIN']}"


# Statements built once -------------------------------------------------------------------

_BUILT: dict[tuple[Any, ...], Any] = {}


def _built(key: tuple[Any, ...], build: Callable[[], _Statement]) -> _Statement:
    """The statement `build` makes, made once per `key` and kind of database; what changes
    from run to run goes in bound parameters.

    Building a statement and working out its cache key cost SQLAlchemy more than running it
    did (0.2 to 0.5 ms each, a dozen statements per batch of letters).
    """
    full_key = (*key, db.session.get_bind().dialect.name)
    statement = _BUILT.get(full_key)
    if statement is None:
        statement = _BUILT[full_key] = build()
    return statement


def _on_postgresql() -> bool:
    """PostgreSQL gets one parameter for many rows or ids; SQLite gets plain lists, its
    executemany being a loop in this process with no server to wait for."""
    return db.session.get_bind().dialect.name == "postgresql"


def _among(column: sa.ColumnElement[int], name: str = "ids") -> sa.ColumnElement[bool]:
    """`column IN :name`, the ids given when the statement runs. On PostgreSQL it is
    `column = ANY(:name)`, one array parameter: an IN list is rendered with a cast per id on
    every run, and is a different statement for every number of ids."""
    if _on_postgresql():
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(sa.Integer())))
    return column.in_(sa.bindparam(name, expanding=True))


# Many rows in one statement ---------------------------------------------------------------


def _json_value(value: Any) -> str:
    """Timestamps in a JSON document of rows, held to what UTCDateTime accepts."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a JSON document of rows")


def _rows_parameter(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {"rows": json.dumps(rows, default=_json_value, ensure_ascii=False)}


def _as_table(types: Mapping[str, Any]) -> sa.TableValuedAlias:
    """The rows given as the `rows` parameter (`_rows_parameter`), as a table PostgreSQL reads
    from one JSON document: json_to_recordset(:rows) AS v(a INTEGER, b VARCHAR, ...).

    What SQLAlchemy does with a list of rows costs PostgreSQL, per batch of 25 letters:
    an executemany is 25 statements for the server to run; a multi-row INSERT ... VALUES has a
    parameter per value, and psycopg parses a statement of more than 50 parameters afresh, in
    Python, every time; and UPDATE ... FROM (VALUES ...) is compiled afresh every time (3 ms).
    One array per column (unnest) avoided those, but psycopg then quoted every element of
    every array in Python. One JSON document is written by the C encoder and read by the
    server, and the statement is the same text whatever the number of rows, so psycopg
    prepares it on the server after a few runs.
    """
    source = sa.func.json_to_recordset(sa.cast(sa.bindparam("rows", type_=sa.Text), JSON))
    columns = (sa.column(name, type_) for name, type_ in types.items())
    return source.table_valued(*columns).render_derived(name="v", with_types=True)


def insert_rows(
    table: sa.Table, rows: list[dict[str, Any]], *returning: sa.Column[Any]
) -> list[sa.Row[Any]]:
    """INSERT rows that all have the same keys; `returning` of each, in no particular order."""
    if not rows:
        return []
    names = tuple(rows[0])

    def build() -> sa.Insert:
        statement = table.insert()
        if _on_postgresql():
            source = _as_table({name: table.c[name].type for name in names})
            statement = statement.from_select(names, sa.select(*source.c))
        return statement.returning(*returning) if returning else statement

    key = ("insert", table.name, names, tuple(column.name for column in returning))
    params = _rows_parameter(rows) if _on_postgresql() else rows
    result = db.session.execute(_built(key, build), params)
    return list(result) if returning else []


def update_rows(
    rows: list[dict[str, Any]],
    types: Mapping[str, Any],
    statement: Callable[[Mapping[str, sa.ColumnElement[Any]]], sa.Update],
    key: tuple[str, sa.Column[int]],
) -> None:
    """Run, once per row, the UPDATE that `statement` builds from that row's values (given by
    name, of the types in `types`); `key` names the value that picks the row and the column
    it matches. `statement` is a module-level function: what it builds is kept and reused
    (see `_built`).

    On PostgreSQL the key values also go as `column = ANY(:keys)`, so the rows are found by
    index: the planner takes a JSON document for 100 rows and, while a table is small or
    has no statistics yet (a first launch), would read all of it to join them.
    """
    if not rows:
        return
    key_name, key_column = key

    def build() -> sa.Update:
        if _on_postgresql():
            source = _as_table(types)
            values = {name: source.c[name] for name in types}
            return statement(values).where(_among(key_column, "keys"))
        return statement({name: sa.bindparam(name, type_=type_) for name, type_ in types.items()})

    cache_key = ("update", statement.__module__, statement.__qualname__, *types, key_name)
    if _on_postgresql():
        params: Any = {**_rows_parameter(rows), "keys": [row[key_name] for row in rows]}
    else:
        params = rows
    db.session.execute(_built(cache_key, build), params)


@dataclass(frozen=True)
class PendingRequest:
    """A request as the send path reads it: plain values from one query with its authority.

    Building ORM objects (and their joined authority and campaign) cost a worker more CPU per
    letter than rendering the letter did, so the send path works from rows.
    """

    id: int
    campaign_id: int
    status: str
    token: str
    law: str
    sent_to: str | None
    send_claimed_at: datetime | None
    send_attempts: int
    authority: LetterAuthority

    @property
    def address(self) -> str:
        """Where the letter goes: the address kept at launch, else the authority's own."""
        return self.sent_to or self.authority.email


def _pending_query() -> sa.Select[Any]:
    authority = Authority.__table__
    return (
        sa.select(
            _REQUEST.c.id,
            _REQUEST.c.campaign_id,
            _REQUEST.c.status,
            _REQUEST.c.token,
            _REQUEST.c.law,
            _REQUEST.c.sent_to,
            _REQUEST.c.send_claimed_at,
            _REQUEST.c.send_attempts,
            authority.c.name,
            authority.c.short_name,
            authority.c.nation,
            authority.c.authority_type,
            authority.c.gss_code,
            authority.c.foi_email,
        )
        .join(authority, authority.c.id == _REQUEST.c.authority_id)
        .where(_among(_REQUEST.c.id))
    )


def load_pending(request_ids: Sequence[int]) -> dict[int, PendingRequest]:
    """The requests with these ids, by id; ids with no request are left out."""
    rows = db.session.execute(_built(("pending",), _pending_query), {"ids": list(request_ids)})
    return {
        row[0]: PendingRequest(
            *row[:8],
            LetterAuthority(
                name=row.name,
                short_name=row.short_name,
                nation=row.nation or "",
                type=row.authority_type,
                gss_code=row.gss_code or "",
                email=row.foi_email or "",
            ),
        )
        for row in rows
    }


@dataclass(frozen=True)
class _CampaignLetter:
    """A campaign's current letter: what every request of the campaign is rendered from."""

    subject_template: str
    body_template: str
    title: str
    version: int
    questions: list[str]


def _campaign_letters_query() -> sa.Select[Any]:
    campaign, question = Campaign.__table__, Question.__table__
    return (
        sa.select(
            campaign.c.id,
            campaign.c.subject_template,
            campaign.c.body_template,
            campaign.c.title,
            campaign.c.letter_version,
            question.c.text,
        )
        .outerjoin(question, question.c.campaign_id == campaign.c.id)
        .where(_among(campaign.c.id))
        .order_by(campaign.c.id, question.c.position)
    )


def _campaign_letters(campaign_ids: set[int]) -> dict[int, _CampaignLetter]:
    """Read once per batch, so an edit to a live campaign applies from the next batch on."""
    query = _built(("campaign letters",), _campaign_letters_query)
    letters: dict[int, _CampaignLetter] = {}
    for campaign_id, subject, body, title, version, text in db.session.execute(
        query, {"ids": list(campaign_ids)}
    ):
        if campaign_id not in letters:
            letters[campaign_id] = _CampaignLetter(subject, body, title, version, [])
        if text is not None:  # None: a campaign with no questions
            letters[campaign_id].questions.append(text)
    return letters


def render_for(
    request: PendingRequest, letter: _CampaignLetter, today: date | None = None
) -> tuple[str, str]:
    """The subject and body this request's authority gets from the campaign's current letter."""
    context = LetterContext(
        authority=request.authority,
        law=law_for(request.law),
        reply_to=reply_address(request.token),
        today=today or utcnow().date(),
        questions=letter.questions,
        campaign_title=letter.title,
    )
    rendered = render(letter.subject_template, letter.body_template, context)
    return rendered.subject, rendered.body


def _outbound_letters(request_ids: Sequence[int]) -> dict[int, Message]:
    """The stored letter of each request (the latest, if an attempt was ever repeated)."""
    rows = db.session.scalars(
        sa.select(Message)
        .where(
            Message.request_id.in_(request_ids),
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.kind == MessageKind.REQUEST.value,
        )
        .order_by(Message.id)
    )
    return {m.request_id: m for m in rows}


def _stored_letters_query() -> sa.Select[Any]:
    return (
        sa.select(
            _MESSAGE.c.request_id,
            _MESSAGE.c.id,
            _MESSAGE.c.message_id,
            _MESSAGE.c.to_address,
            _MESSAGE.c.subject,
            _MESSAGE.c.body_text,
            _MESSAGE.c.delivery_status,
        )
        .where(
            _among(_MESSAGE.c.request_id),
            _MESSAGE.c.direction == MessageDirection.OUTBOUND.value,
            _MESSAGE.c.kind == MessageKind.REQUEST.value,
        )
        .order_by(_MESSAGE.c.id)
    )


def _stored_letters(request_ids: Sequence[int]) -> dict[int, sa.Row[Any]]:
    """`_outbound_letters` as rows, with only what a resend of the same letter needs."""
    query = _built(("stored letters",), _stored_letters_query)
    return {row.request_id: row for row in db.session.execute(query, {"ids": list(request_ids)})}


def _claim_statement() -> sa.Update:
    return (
        _REQUEST.update()
        .where(
            _among(_REQUEST.c.id),
            _REQUEST.c.status == RequestStatus.QUEUED.value,
            sa.or_(
                _REQUEST.c.send_claimed_at.is_(None),
                _REQUEST.c.send_claimed_at < sa.bindparam("stale_before", type_=_UTC),
            ),
        )
        .values(
            send_claimed_at=sa.bindparam("now", type_=_UTC),
            send_attempts=_REQUEST.c.send_attempts + 1,
        )
        .returning(_REQUEST.c.id, _REQUEST.c.send_attempts)
    )


def _claim(request_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """Atomically take the requests for this worker: {id: attempts, this one included}.
    Those another worker holds are left out."""
    if not request_ids:
        return {}
    params = {"ids": list(request_ids), "now": now, "stale_before": now - stale_claim()}
    claimed = db.session.execute(_built(("claim",), _claim_statement), params)
    return {request_id: attempts for request_id, attempts in claimed}


@dataclass
class _Letter:
    """What is needed to send and record one letter, detached from the session."""

    request_id: int
    campaign_id: int
    message_pk: int
    attempts: int
    email: OutgoingEmail
    letter_version: int | None  # of a newly written letter; None when an earlier one is reused


def _prepare(
    requests: list[PendingRequest], now: datetime
) -> tuple[list[_Letter], list[SendReport]]:
    """Claim, write each letter once, and commit: the text is durable before anything is sent.

    A letter is reused when an earlier attempt wrote it (so a resend keeps its Message-Id),
    and written afresh when it was refused or bounced and the request has been resent.
    Letters of requests never claimed before are rendered ahead of the claim, to keep the
    transaction that claims and stores them short: on SQLite it holds the one write lock
    every worker waits for (and a wait is a sleep of milliseconds), on PostgreSQL the locks
    of the claimed rows.
    """
    campaigns = _campaign_letters({r.campaign_id for r in requests})
    today = now.date()
    # Never claimed, so no earlier letter to reuse: one will be needed if the claim succeeds.
    rendered = {
        r.id: _render(r, campaigns[r.campaign_id], today) for r in requests if not r.send_attempts
    }
    claimed = _claim([r.id for r in requests], now)
    existing = _stored_letters(list(claimed)) if claimed else {}
    mail_domain = current_app.config["MAIL_DOMAIN"]
    reports: list[SendReport] = []
    rows: list[dict[str, Any]] = []
    reused: dict[int, sa.Row[Any]] = {}
    for request in requests:
        if request.id not in claimed:
            reports.append(SendReport(SendOutcome.SKIPPED, request.id, "claimed elsewhere"))
            continue
        stored = existing.get(request.id)
        if stored is not None and stored.delivery_status not in _DEAD_LETTER:
            reused[request.id] = stored
            continue
        letter = rendered.get(request.id) or _render(request, campaigns[request.campaign_id], today)
        if isinstance(letter, LetterError):
            _fail_now(request.id, f"The letter could not be written: {letter}")
            reports.append(SendReport(SendOutcome.FAILED, request.id, str(letter)))
            continue
        subject, body = letter
        rows.append(
            {
                "request_id": request.id,
                "direction": MessageDirection.OUTBOUND.value,
                "kind": MessageKind.REQUEST.value,
                "message_id": new_message_id(request.token, mail_domain),
                "from_address": reply_address(request.token),
                "to_address": request.address,
                "subject": subject,
                "body_text": body,
                "delivery_status": "sending",
            }
        )

    new_pks: dict[int, int] = {}
    if rows:
        inserted = insert_rows(_MESSAGE, rows, _MESSAGE.c.request_id, _MESSAGE.c.id)
        new_pks = {request_id: pk for request_id, pk in inserted}
    if reused:
        ids = [m.id for m in reused.values()]
        db.session.execute(_built(("resending",), _resending), {"ids": ids})
    db.session.commit()

    by_request = {row["request_id"]: row for row in rows}
    letters = []
    for request in requests:
        if request.id in new_pks:
            row = by_request[request.id]
            email = _email(
                request, row["message_id"], row["to_address"], row["subject"], row["body_text"]
            )
            pk, version = new_pks[request.id], campaigns[request.campaign_id].version
        elif request.id in reused:
            stored = reused[request.id]
            email = _email(
                request, stored.message_id, stored.to_address, stored.subject, stored.body_text
            )
            pk, version = stored.id, None
        else:
            continue
        letters.append(
            _Letter(request.id, request.campaign_id, pk, claimed[request.id], email, version)
        )
    return letters, reports


def _render(
    request: PendingRequest, letter: _CampaignLetter, today: date
) -> tuple[str, str] | LetterError:
    """`render_for`, with a letter that cannot be written as a value to report."""
    try:
        return render_for(request, letter, today)
    except LetterError as error:
        return error


def _email(
    request: PendingRequest, message_id: str, to: str, subject: str, body: str
) -> OutgoingEmail:
    address = reply_address(request.token)
    return OutgoingEmail(
        message_id=message_id,
        from_address=address,
        from_name=current_app.config["MAIL_FROM_NAME"],
        to=to,
        subject=subject,
        body_text=body,
        reply_to=address,
        variables={"request_id": str(request.id), "token": request.token},
    )


def _fail_now(request_id: int, reason: str) -> None:
    """Fail a request this worker has just claimed, releasing the claim.

    The row is read again: a Request the session already held (the launch's own session, when
    jobs run in-process) still shows no claim, so setting none would be no change to write,
    and the request would stay claimed.
    """
    request = db.session.get(Request, request_id, populate_existing=True)
    assert request is not None, "a claimed request exists"
    request.failure_reason = reason
    request.send_claimed_at = None
    change_status(request, RequestStatus.DELIVERY_FAILED, reason=reason)


class _Recorder:
    """Collects outcomes and writes them in groups with plain UPDATE and INSERT statements."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.retry: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.messages)  # one per outcome

    def sent_ok(self, letter: _Letter, result: SendResult, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": result.transport_id, "status": "accepted", "at": now}
        )
        self.sent.append({"rid": letter.request_id, "at": now, "version": letter.letter_version})
        self.events.append(
            _event(
                letter,
                "status_changed",
                now,
                RequestStatus.QUEUED,
                RequestStatus.SENT,
                message_id=letter.email.message_id,
            )
        )

    def not_now(self, letter: _Letter, error: Exception, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "retrying", "at": None}
        )
        self.retry.append({"rid": letter.request_id})
        self.events.append(
            _event(letter, "send_retry", now, error=str(error), attempt=letter.attempts)
        )

    def refused(self, letter: _Letter, reason: str, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "rejected", "at": None}
        )
        self.failed.append({"rid": letter.request_id, "reason": reason, "at": now})
        self.events.append(
            _event(
                letter,
                "status_changed",
                now,
                RequestStatus.QUEUED,
                RequestStatus.DELIVERY_FAILED,
                reason=reason,
            )
        )

    def unanswered(self, letter: _Letter, error: Exception, now: datetime) -> None:
        self.messages.append(
            {"pk": letter.message_pk, "tid": None, "status": "unknown", "at": None}
        )
        self.events.append(_event(letter, "send_unanswered", now, error=str(error)))

    def write(self) -> None:
        """All outcomes collected so far in one transaction, a statement per kind of outcome."""
        if not len(self):
            return
        update_rows(self.messages, _OUTCOME_TYPES, _record_outcome, ("pk", _MESSAGE.c.id))
        update_rows(self.sent, _SENT_TYPES, _record_sent_request, ("rid", _REQUEST.c.id))
        if self.retry:
            ids = [row["rid"] for row in self.retry]
            db.session.execute(_built(("release",), _release_claims), {"ids": ids})
        update_rows(self.failed, _FAILED_TYPES, _record_failed_request, ("rid", _REQUEST.c.id))
        insert_rows(Event.__table__, self.events)
        db.session.commit()
        self.__init__()


# What each outcome writes, built once (see update_rows) ------------------------------------

_OUTCOME_TYPES = {"pk": sa.Integer(), "status": sa.String(), "tid": sa.String(), "at": _UTC}
_SENT_TYPES = {"rid": sa.Integer(), "at": _UTC, "version": sa.Integer()}
_FAILED_TYPES = {"rid": sa.Integer(), "reason": sa.Text(), "at": _UTC}


def _record_outcome(row: Mapping[str, sa.ColumnElement[Any]]) -> sa.Update:
    message = _MESSAGE
    return (
        message.update()
        .where(message.c.id == row["pk"])
        .values(
            # A delivery report that raced ahead of this record is kept.
            delivery_status=sa.case(
                (
                    sa.or_(*(message.c.delivery_status == value for value in _OPEN_DELIVERY)),
                    row["status"],
                ),
                else_=message.c.delivery_status,
            ),
            transport_id=sa.func.coalesce(row["tid"], message.c.transport_id),
            sent_at=sa.func.coalesce(message.c.sent_at, row["at"]),
        )
    )


def _record_sent_request(row: Mapping[str, sa.ColumnElement[Any]]) -> sa.Update:
    request = _REQUEST
    return (
        request.update()
        .where(request.c.id == row["rid"], request.c.status == RequestStatus.QUEUED.value)
        .values(
            status=RequestStatus.SENT.value,
            status_changed_at=row["at"],
            sent_at=row["at"],
            last_contact_at=row["at"],
            send_claimed_at=None,
            letter_version=sa.func.coalesce(row["version"], request.c.letter_version),
        )
    )


def _record_failed_request(row: Mapping[str, sa.ColumnElement[Any]]) -> sa.Update:
    request = _REQUEST
    return (
        request.update()
        .where(request.c.id == row["rid"], request.c.status == RequestStatus.QUEUED.value)
        .values(
            status=RequestStatus.DELIVERY_FAILED.value,
            status_changed_at=row["at"],
            failure_reason=row["reason"],
            send_claimed_at=None,
        )
    )


def _release_claims() -> sa.Update:
    return _REQUEST.update().where(_among(_REQUEST.c.id)).values(send_claimed_at=None)


def _resending() -> sa.Update:
    return _MESSAGE.update().where(_among(_MESSAGE.c.id)).values(delivery_status="sending")


def _event(
    letter: _Letter,
    kind: str,
    now: datetime,
    from_status: RequestStatus | None = None,
    to_status: RequestStatus | None = None,
    **detail: Any,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "request_id": letter.request_id,
        "campaign_id": letter.campaign_id,
        "user_id": None,
        "from_status": from_status.value if from_status else None,
        "to_status": to_status.value if to_status else None,
        "detail": detail,
        "created_at": now,
    }


def _record_sent(request: Request, message: Message, result: SendResult) -> None:
    """Record a send found by reconciliation (one at a time: the rare path)."""
    now = utcnow()
    message.transport_id = result.transport_id
    if message.delivery_status in _OPEN_DELIVERY:
        message.delivery_status = "accepted"
    message.sent_at = message.sent_at or now
    request.sent_at = message.sent_at
    request.last_contact_at = message.sent_at
    request.send_claimed_at = None
    change_status(request, RequestStatus.SENT, reconciled=True, message_id=message.message_id)
    db.session.commit()


def reconcile(request_id: int, transport: Transport) -> SendReport | None:
    """Settle a claimed request whose outcome was never recorded; None if it must be resent."""
    message = _outbound_letters([request_id]).get(request_id)
    if message is None:
        return None
    try:
        found = transport.find_sent(message.message_id)
    except (TransientSendError, AmbiguousSendError) as error:
        return SendReport(SendOutcome.UNKNOWN, request_id, f"cannot reconcile yet: {error}")
    if found is None:
        return None
    request = db.session.get(Request, request_id)
    assert request is not None, "a message's request exists"
    _record_sent(request, message, found)
    return SendReport(SendOutcome.RECONCILED, request_id, found.transport_id)


def send_batch(
    request_ids: Sequence[int],
    transport: Transport,
    loaded: Mapping[int, PendingRequest] | None = None,
) -> list[SendReport]:
    """Send the letters of these queued requests, each at most once; safe to repeat.

    `loaded` is what `load_pending` read for these ids, when the caller has just read it (the
    queue job does, for the rate limits); the claim, not this read, decides who sends.
    """
    now = utcnow()
    if loaded is None:
        loaded = load_pending(request_ids)
    reports: list[SendReport] = []
    ready: list[PendingRequest] = []
    for request_id in request_ids:
        request = loaded.get(request_id)
        if request is None or request.status != RequestStatus.QUEUED.value:
            reports.append(SendReport(SendOutcome.SKIPPED, request_id, "not queued"))
        elif request.send_claimed_at is None:
            ready.append(request)
        elif now - request.send_claimed_at < stale_claim():
            reports.append(SendReport(SendOutcome.SKIPPED, request_id, "another worker has it"))
        else:
            settled = reconcile(request_id, transport)
            if settled is None:
                ready.append(request)
            else:
                reports.append(settled)
    if not ready:
        return reports

    letters, prepared = _prepare(ready, now)
    reports.extend(prepared)
    recorder = _Recorder()
    for letter in letters:
        reports.append(_send_one(letter, transport, recorder))
        if len(recorder) >= RECORD_EVERY:
            recorder.write()
    recorder.write()
    return reports


def _send_one(letter: _Letter, transport: Transport, recorder: _Recorder) -> SendReport:
    now = utcnow()
    rid, attempts = letter.request_id, letter.attempts
    try:
        result = transport.send(letter.email)
    except PermanentSendError as error:
        recorder.refused(letter, str(error), now)
        return SendReport(SendOutcome.FAILED, rid, str(error), attempts)
    except TransientSendError as error:
        if attempts >= MAX_ATTEMPTS:
            reason = f"Gave up after {attempts} attempts: {error}"
            recorder.refused(letter, reason, now)
            return SendReport(SendOutcome.FAILED, rid, reason, attempts)
        recorder.not_now(letter, error, now)
        return SendReport(SendOutcome.RETRY, rid, str(error), attempts)
    except AmbiguousSendError as error:
        recorder.unanswered(letter, error, now)
        return SendReport(SendOutcome.UNKNOWN, rid, str(error), attempts)
    recorder.sent_ok(letter, result, now)
    return SendReport(SendOutcome.SENT, rid, result.transport_id, attempts)


def send_request(request_id: int, transport: Transport) -> SendReport:
    """Send one queued request's letter, at most once; safe to call again for the same id."""
    return send_batch([request_id], transport)[0]


def abandoned(
    claimed_at: sa.ColumnElement, queued_at: sa.ColumnElement, now: datetime
) -> sa.ColumnElement[bool]:
    """No job is known to be handling it: a stale claim, or never claimed long after it was
    queued (a job lost with a killed worker or a lost queue file). Letters and follow-ups
    share this rule."""
    return sa.or_(
        claimed_at < now - stale_claim(),
        sa.and_(
            claimed_at.is_(None),
            queued_at < now - max(stale_claim(), timedelta(minutes=30)),
        ),
    )


def stuck_requests(now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Queued requests no job is known to be handling (see `abandoned`)."""
    now = now or utcnow()
    rows = db.session.scalars(
        sa.select(Request.id)
        .where(
            Request.status == RequestStatus.QUEUED.value,
            abandoned(Request.send_claimed_at, Request.status_changed_at, now),
        )
        .order_by(Request.id)
        .limit(limit)
    )
    return list(rows)
