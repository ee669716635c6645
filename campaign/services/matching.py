"""Find the request an inbound email answers, or say why a person has to decide.

Order of clues, strongest first: the token in any recipient address (To, Cc, Delivered-To,
X-Original-To, the route's recipient); In-Reply-To/References against our Message-Ids; the
authority's reference ID already known for a request; the sender's address or domain with
the subject of the letter. A clue found from a sender who is neither the authority's domain
nor an address a person vouched for is *held*: a leaked reply address must not let a stranger
write into a request's record. Anything else waits in the Inbox, with a suggestion if there
is one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from campaign.domain.tokens import near_tokens
from campaign.domain.vocabulary import MatchMethod, MatchState, MessageDirection
from campaign.extensions import db
from campaign.mail.inbound import InboundEmail
from campaign.mail.matching import (
    SUBJECT_THRESHOLD,
    address_domain,
    domain_belongs,
    reply_tokens,
    sender_vouched_for,
    subject_similarity,
    thread_ids,
    token_in_message_id,
    website_domain,
)
from campaign.models import Authority, AuthorityAddress, Message, Request

# Mail providers anyone can sign up to: their domain says nothing about the sender.
OPEN_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
     "live.co.uk", "yahoo.com", "yahoo.co.uk", "icloud.com", "aol.com", "btinternet.com"}
)  # fmt: skip


@dataclass(frozen=True)
class MatchDecision:
    state: MatchState
    request_id: int | None = None
    method: MatchMethod | None = None
    suggested_request_id: int | None = None
    note: str = ""


def match_inbound(email: InboundEmail, reference_id: str | None) -> MatchDecision:
    """Decide where an inbound email goes; reads the database, changes nothing."""
    found = _by_token(email) or _by_thread(email) or _by_reference(reference_id)
    if isinstance(found, MatchDecision):
        return found
    if found is not None:
        request, method, clue = found
        if email.delivery_report and method in (MatchMethod.TOKEN, MatchMethod.THREAD):
            # Bounces come from mail servers, not the authority: the clue vouches for them.
            return MatchDecision(MatchState.MATCHED, request.id, method, note=clue)
        if sender_is_known(email.from_address, request.authority):
            return MatchDecision(MatchState.MATCHED, request.id, method, note=clue)
        sender = email.from_address or "an unknown sender"
        return MatchDecision(
            MatchState.HELD,
            suggested_request_id=request.id,
            note=f"{clue}, but it came from {sender}, which is not an address or domain "
            f"known for {request.authority.name}: confirm it belongs to this request",
        )
    return _by_sender(email)


def sender_is_known(sender: str, authority: Authority) -> bool:
    """The sender is the authority's FOI address, a vouched-for address, or on its domain."""
    return sender_vouched_for(sender, known_addresses(authority), known_domains(authority))


def known_addresses(authority: Authority) -> set[str]:
    learned = db.session.scalars(
        sa.select(AuthorityAddress.address).where(AuthorityAddress.authority_id == authority.id)
    )
    addresses = {a.lower() for a in learned}
    if authority.foi_email:
        addresses.add(authority.foi_email.lower())
    return addresses


def known_domains(authority: Authority) -> set[str]:
    domains = {website_domain(authority.website)}
    if authority.foi_email:
        domains.add(address_domain(authority.foi_email))
    return {d for d in domains if d and d not in OPEN_MAIL_DOMAINS}


def _by_token(email: InboundEmail) -> tuple[Request, MatchMethod, str] | MatchDecision | None:
    valid, damaged = reply_tokens(email.recipients)
    if valid:
        request = db.session.scalar(sa.select(Request).where(Request.token.in_(valid)))
        if request is not None:
            return request, MatchMethod.TOKEN, "sent to the request's reply address"
    for candidate in damaged + valid:
        suggestion = _near_token(candidate)
        if suggestion is not None:
            return MatchDecision(
                MatchState.UNMATCHED,
                suggested_request_id=suggestion.id,
                note=f"sent to foi+{candidate}, which is close to but not exactly the reply "
                f"address of request {suggestion.id}: check before assigning it",
            )
    return None


def _near_token(candidate: str) -> Request | None:
    """The request whose token the damaged one probably meant, if exactly one is that close."""
    tokens = set(db.session.scalars(sa.select(Request.token)))
    near = near_tokens(candidate, tokens)
    if len(near) != 1:
        return None
    return db.session.scalar(sa.select(Request).where(Request.token == near[0]))


def _by_thread(email: InboundEmail) -> tuple[Request, MatchMethod, str] | None:
    ids = thread_ids(email.in_reply_to, email.references)
    if not ids:
        return None
    request_id = db.session.scalar(
        sa.select(Message.request_id)
        .where(
            Message.message_id.in_(ids),
            Message.direction == MessageDirection.OUTBOUND.value,
            Message.request_id.is_not(None),
        )
        .limit(1)
    )
    if request_id is None:
        tokens = [t for t in map(token_in_message_id, ids) if t]
        if tokens:
            request_id = db.session.scalar(sa.select(Request.id).where(Request.token.in_(tokens)))
    if request_id is None:
        return None
    return db.session.get(Request, request_id), MatchMethod.THREAD, "a reply to our letter"


def _by_reference(reference_id: str | None) -> tuple[Request, MatchMethod, str] | None:
    if not reference_id:
        return None
    requests = db.session.scalars(
        sa.select(Request)
        .where(sa.func.lower(Request.reference_id) == reference_id.lower())
        .limit(2)
    ).all()
    if len(requests) != 1:
        return None
    return requests[0], MatchMethod.REFERENCE, f"quotes the authority's reference {reference_id}"


def _by_sender(email: InboundEmail) -> MatchDecision:
    """Sender known for an authority, and a subject like the letter we sent it."""
    sender = email.from_address.lower()
    if not sender:
        return MatchDecision(MatchState.UNMATCHED, note="no sender address")
    candidates = _requests_of_authorities(_authorities_for_sender(sender))
    if not candidates:
        return MatchDecision(
            MatchState.UNMATCHED, note=f"no request to an authority that {sender} writes for"
        )
    scored = sorted(
        ((subject_similarity(email.subject, subject), request) for request, subject in candidates),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else -1.0
    if best_score >= SUBJECT_THRESHOLD and best_score > runner_up:
        return MatchDecision(
            MatchState.MATCHED,
            best.id,
            MatchMethod.SENDER,
            note=f"from {sender} of {best.authority.name}, subject like our letter's",
        )
    return MatchDecision(
        MatchState.UNMATCHED,
        suggested_request_id=best.id,
        note=f"from {sender} of {best.authority.name}, but the subject does not say which "
        "request it answers",
    )


def _authorities_for_sender(sender: str) -> list[int]:
    learned = set(
        db.session.scalars(
            sa.select(AuthorityAddress.authority_id).where(AuthorityAddress.address == sender)
        )
    )
    learned |= set(
        db.session.scalars(
            sa.select(Authority.id).where(sa.func.lower(Authority.foi_email) == sender)
        )
    )
    domain = address_domain(sender)
    if "." in domain and domain not in OPEN_MAIL_DOMAINS:
        # Authorities whose FOI address or website is on the sender's domain (or its parent).
        labels = domain.split(".")
        parents = [".".join(labels[i:]) for i in range(len(labels) - 1)]
        rows = db.session.execute(
            sa.select(Authority.id, Authority.foi_email, Authority.website).where(
                sa.or_(
                    *[Authority.foi_email.ilike(f"%@{parent}") for parent in parents],
                    *[Authority.website.ilike(f"%{parent}%") for parent in parents],
                )
            )
        )
        for authority_id, foi_email, website in rows:
            domains = {address_domain(foi_email or ""), website_domain(website or "")}
            if any(domain_belongs(domain, d) for d in domains if d not in OPEN_MAIL_DOMAINS):
                learned.add(authority_id)
    return sorted(learned)


def _requests_of_authorities(authority_ids: list[int]) -> list[tuple[Request, str]]:
    """Sent requests of these authorities with the subject of the first letter of each."""
    if not authority_ids:
        return []
    first_letter = (
        sa.select(Message.request_id, sa.func.min(Message.id).label("message_pk"))
        .where(Message.direction == MessageDirection.OUTBOUND.value)
        .group_by(Message.request_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Request, Message.subject)
        .join(first_letter, first_letter.c.request_id == Request.id)
        .join(Message, Message.id == first_letter.c.message_pk)
        .where(Request.authority_id.in_(authority_ids))
    )
    return [(request, subject) for request, subject in rows]
