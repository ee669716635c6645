"""Which request does an inbound email belong to? The clues, read from plain values.

Matching tries the strongest clue first (see `campaign.services.matching`): the token in a
recipient address, then our Message-Ids in In-Reply-To/References, then the authority's own
reference ID, then the sender with the subject. This module reads those clues; the service
looks them up. Only an exact, check-summed token is applied automatically: a token one
character off is a suggestion for a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from campaign.domain.tokens import TOKEN_LENGTH, is_valid_token
from campaign.mail.compose import REPLY_LOCAL_PART

# Our outbound Message-Ids are req-<token>.<random>@domain (see compose.new_message_id).
_MESSAGE_ID_TOKEN_RE = re.compile(r"^req-([0-9a-z]+)\.", re.IGNORECASE)
_REPLY_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|sv|antw|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
# Subjects similar to at least this much (0-100, word-set similarity) count as the same thread.
SUBJECT_THRESHOLD = 70.0


def reply_tokens(addresses: Iterable[str]) -> tuple[list[str], list[str]]:
    """Valid tokens in foi+<token>@ addresses, and token-like strings whose check fails.

    The second list feeds suggestions: a gateway that upper-cased or mangled the address, or
    a person who retyped it, leaves something close to a real token.
    """
    valid: list[str] = []
    damaged: list[str] = []
    for address in addresses:
        local_part = address.rpartition("@")[0]
        prefix, plus, candidate = local_part.partition("+")
        if not plus or prefix.lower() != REPLY_LOCAL_PART or not candidate:
            continue
        candidate = candidate.lower()
        target = valid if is_valid_token(candidate) else damaged
        if candidate not in target and abs(len(candidate) - TOKEN_LENGTH) <= 1:
            target.append(candidate)
    return valid, damaged


def thread_ids(in_reply_to: str | None, references: Iterable[str]) -> list[str]:
    """Message-Ids the email says it answers, the direct parent first."""
    ids = [in_reply_to] if in_reply_to else []
    for ref in reversed(list(references)):
        if ref and ref not in ids:  # a References header may repeat an id
            ids.append(ref)
    return ids


def token_in_message_id(message_id: str) -> str | None:
    """The request token inside one of our own Message-Ids, if it is one of ours."""
    found = _MESSAGE_ID_TOKEN_RE.match(message_id)
    if found and is_valid_token(found.group(1)):
        return found.group(1).lower()
    return None


def address_domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def website_domain(website: str) -> str:
    """kent.gov.uk from https://www.kent.gov.uk/foi: the domain replies may come from."""
    if not website:
        return ""
    host = urlsplit(website if "//" in website else f"//{website}").hostname or ""
    return host.removeprefix("www.").lower()


def domain_belongs(sender_domain: str, authority_domain: str) -> bool:
    """Same domain, or a subdomain of it (mail.kent.gov.uk belongs to kent.gov.uk)."""
    if not sender_domain or not authority_domain or "." not in authority_domain:
        return False
    return sender_domain == authority_domain or sender_domain.endswith("." + authority_domain)


def sender_vouched_for(
    sender: str, known_addresses: Iterable[str], known_domains: Iterable[str]
) -> bool:
    """True if the sender is a known address of the authority, or writes from its domain."""
    sender = sender.lower()
    if not sender or "@" not in sender:
        return False
    if sender in {a.lower() for a in known_addresses}:
        return True
    domain = address_domain(sender)
    return any(domain_belongs(domain, d) for d in known_domains)


def bare_subject(subject: str) -> str:
    """The subject without Re:/Fwd: prefixes and bracketed tags, lower-cased."""
    subject = _REPLY_PREFIX_RE.sub("", subject or "")
    return " ".join(subject.split()).lower()


def subject_similarity(reply_subject: str, letter_subject: str) -> float:
    """How alike two subjects are, 0-100, ignoring word order and added reference numbers."""
    a, b = bare_subject(reply_subject), bare_subject(letter_subject)
    if not a or not b:
        return 0.0
    # Word-set similarity forgives added reference numbers, but a two-word subject such as
    # "FOI request" would be contained in any letter's subject: it needs the stricter score.
    shared = set(re.findall(r"\w+", a)) & set(re.findall(r"\w+", b))
    if len(shared) < 3:
        return float(fuzz.token_sort_ratio(a, b))
    return float(fuzz.token_set_ratio(a, b))
