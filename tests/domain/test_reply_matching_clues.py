"""Reading the clues an inbound email carries about its request."""

from __future__ import annotations

import pytest

from campaign.domain.tokens import new_token
from campaign.mail.matching import (
    bare_subject,
    domain_belongs,
    reply_tokens,
    sender_vouched_for,
    subject_similarity,
    thread_ids,
    token_in_message_id,
    website_domain,
)


def test_valid_tokens_are_read_from_any_reply_address_and_case():
    token = new_token()
    valid, damaged = reply_tokens(
        ["foi@kent.gov.uk", f"FOI+{token.upper()}@replies.example.org", "someone@else"]
    )
    assert valid == [token] and damaged == []


def test_a_token_with_a_failed_check_is_kept_apart_for_suggestions():
    token = new_token()
    mangled = token[:5] + ("0" if token[5] != "0" else "1") + token[6:]
    valid, damaged = reply_tokens([f"foi+{mangled}@replies.example.org"])
    assert valid == [] and damaged == [mangled]


def test_other_plus_addresses_are_not_tokens():
    valid, damaged = reply_tokens([f"news+{new_token()}@example.org", "foi+@example.org"])
    assert valid == damaged == []


def test_thread_ids_put_the_direct_parent_first():
    assert thread_ids("c@x", ["a@x", "b@x", "c@x"]) == ["c@x", "b@x", "a@x"]
    assert thread_ids(None, []) == []


def test_our_message_ids_carry_the_token():
    token = new_token()
    assert token_in_message_id(f"req-{token}.0a1b2c@replies.example.org") == token
    assert token_in_message_id("req-notatoken.0a1b@x") is None
    assert token_in_message_id("CAF123@mail.gmail.com") is None


@pytest.mark.parametrize(
    ("sender", "authority", "belongs"),
    [
        ("kent.gov.uk", "kent.gov.uk", True),
        ("mail.kent.gov.uk", "kent.gov.uk", True),
        ("notkent.gov.uk", "kent.gov.uk", False),
        ("kent.gov.uk.evil.example", "kent.gov.uk", False),
        ("gov.uk", "kent.gov.uk", False),
        ("anything.uk", "uk", False),  # a bare suffix is never an authority's domain
        ("", "kent.gov.uk", False),
    ],
)
def test_domain_belongs(sender, authority, belongs):
    assert domain_belongs(sender, authority) is belongs


def test_website_domain_drops_www_and_path():
    assert website_domain("https://www.kent.gov.uk/about/foi") == "kent.gov.uk"
    assert website_domain("coventry.gov.uk") == "coventry.gov.uk"
    assert website_domain("") == ""


def test_sender_is_vouched_for_by_address_or_domain():
    assert sender_vouched_for("Jane.Smith@Kent.gov.uk", [], ["kent.gov.uk"])
    assert sender_vouched_for("foi@contractor.example", ["FOI@contractor.example"], [])
    assert not sender_vouched_for("foi@contractor.example", [], ["kent.gov.uk"])
    assert not sender_vouched_for("", [], ["kent.gov.uk"])


def test_reply_prefixes_are_stripped_from_subjects():
    assert bare_subject("RE: Fwd: AW:  Freedom of Information") == "freedom of information"


@pytest.mark.parametrize(
    ("reply", "letter", "alike"),
    [
        (
            "RE: Freedom of Information request - Data analytics [REQ04543]",
            "Freedom of Information request: data analytics",
            True,
        ),
        (
            "FOI 1189733 - Freedom of Information request: data analytics and algorithms",
            "Freedom of Information request: data analytics and algorithms",
            True,
        ),
        ("RE: FOI request", "Freedom of Information request: data analytics", False),
        ("Council tax bill", "Freedom of Information request: data analytics", False),
    ],
)
def test_subject_similarity(reply, letter, alike):
    assert (subject_similarity(reply, letter) >= 70) is alike
