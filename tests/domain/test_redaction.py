"""Redaction rules: what is masked, what is left alone, and properties over many inputs."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.domain.redaction import (
    EMAIL_MASK,
    MASKS,
    NAME_MASK,
    PHONE_MASK,
    Redactor,
    clean_terms,
    term_problems,
)

REDACTOR = Redactor.from_terms("Jane Smith\nSiobhán O'Brien\nMary Ann Jones\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jane.smith@coventry.gov.uk today.", f"Write to {EMAIL_MASK} today."),
        ("FOI@Council.GOV.UK.", f"{EMAIL_MASK}."),
        ("<a.b+foi-2018@sub.example.co.uk>", f"<{EMAIL_MASK}>"),
        ("o'neill@council.gov.uk", EMAIL_MASK),
        ("x@y.org.024 and x@y.org-Jane", f"{EMAIL_MASK}.024 and {EMAIL_MASK}-Jane"),
        ("Our reply address foi+a1b2c3@mail.example.org", f"Our reply address {EMAIL_MASK}"),
    ],
)
def test_email_addresses_are_masked(text, expected):
    assert REDACTOR.redact(text) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "024 7683 1234",
        "02476831234",
        "+44 24 7683 1234",
        "+44 (0)24 7683 1234",
        "+442476831234",
        "(024) 7683 1234",
        "024-7683-1234",
        "0121 496 0000",
        "01632 960001",
        "07700 900123",
        "07700-900-123",
        "0800 123 456",
        "024 7683 1234 ext. 567",
        "024 7683 1234 extension 5",
        "024 7683 1234 x204",
        "0121.496.0000",
    ],
)
def test_uk_phone_numbers_are_masked_in_their_common_forms(phone):
    assert REDACTOR.redact(f"Call {phone} today.") == f"Call {PHONE_MASK} today."


@pytest.mark.parametrize(
    "text",
    [
        "Spending: 2015 2016 2017 2018 2019",
        "0 0 0 0 0 0 0 0 0 0 0 0",
        "Reference FOI0123456789",
        "Dated 01/02/2020, paid £1,234,567.89",
        "12345678901234",
        "Invoice 0000 0000 0000",
        "Section 43(2) and reg 12(4)(a) apply",
        "email us at the address above",
        "user@localhost is not an address",
        "a@b",
    ],
)
def test_numbers_and_text_that_are_not_personal_data_are_left_alone(text):
    assert REDACTOR.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane Smith replied.", f"{NAME_MASK} replied."),
        ("JANE SMITH replied.", f"{NAME_MASK} replied."),
        ("Jane\n   Smith replied.", f"{NAME_MASK} replied."),
        ("Ask Ms Smith or Mrs. Smith.", f"Ask {NAME_MASK} or {NAME_MASK}."),
        ("J. Smith and J Smith", f"{NAME_MASK} and {NAME_MASK}"),
        ("Jane A. Smith signed.", f"{NAME_MASK} signed."),
        ("Siobhán O\u2019Brien and siobhán o'brien", f"{NAME_MASK} and {NAME_MASK}"),
        ("Mary Ann Jones, Mary Ann\nJones", f"{NAME_MASK}, {NAME_MASK}"),
        ("Smithfield and Janet Smithson", "Smithfield and Janet Smithson"),  # whole words only
        ("Jane Austen wrote novels.", "Jane Austen wrote novels."),
    ],
)
def test_listed_names_are_masked_in_their_usual_forms(text, expected):
    assert REDACTOR.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Yours sincerely,\n\nPeter Green\nInformation Governance Officer",
            f"Yours sincerely,\n\n{NAME_MASK}\nInformation Governance Officer",
        ),
        ("Kind regards\nAmira Patel", f"Kind regards\n{NAME_MASK}"),
        ("Thank you. Kind regards, Tomasz Wójcik FOI Officer", f"Thank you. Kind regards, "
         f"{NAME_MASK} FOI Officer"),
        ("Regards,\nDr Ruth Evans", f"Regards,\n{NAME_MASK}"),
        ("Yours faithfully\nÉamonn Ó Sé", f"Yours faithfully\n{NAME_MASK}"),
        ("Contact: Peter Green, Case officer: Mr Brown.",
         f"Contact: {NAME_MASK}, Case officer: {NAME_MASK}."),
        ("From: Sam Taylor <sam@x.org>", f"From: {NAME_MASK} <{EMAIL_MASK}>"),
        ("Dealt with by: Li Wei", f"Dealt with by: {NAME_MASK}"),
    ],
)  # fmt: skip
def test_officers_names_are_masked_where_officers_sign(text, expected):
    assert Redactor().redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Yours sincerely\nInformation Governance Team",
        "Yours faithfully\nCoventry City Council",
        "Kind regards\nThe FOI Team",
        "We have no regards Capita One as relevant.",
        "With regards to Capita One, no information is held.",
        "Name: Total",
        "Officer: Data Protection",
    ],
)
def test_teams_bodies_and_prose_are_not_taken_for_names(text):
    assert Redactor().redact(text) == text


def test_a_snippet_loses_a_name_split_across_matched_segments():
    snippet = (("Ask ", False), ("Jane", True), (" ", False), ("Smith", True), (" or ", False),
               ("Xantura", True), (" on 024 7683 1234", False))  # fmt: skip
    assert REDACTOR.redact_segments(snippet) == (
        ("Ask ", False),
        (NAME_MASK, False),
        (" or ", False),
        ("Xantura", True),
        (" on ", False),
        (PHONE_MASK, False),
    )


def test_a_mask_spanning_part_of_a_segment_keeps_the_rest_of_it():
    snippet = (("mail jane@x.org now", False), ("Capita", True))
    assert REDACTOR.redact_segments(snippet) == (
        ("mail ", False),
        (EMAIL_MASK, False),
        (" now", False),
        ("Capita", True),
    )


def test_the_list_of_names_is_cleaned():
    assert clean_terms(" Jane   Smith \n\nJANE SMITH\nX\n1234\n") == ["Jane Smith"]
    assert clean_terms(None) == [] and clean_terms(["Bo Li"]) == ["Bo Li"]
    assert term_problems("Jane Smith\nX") and not term_problems("Jane Smith\n\n")


def test_a_listed_name_that_is_a_mask_word_does_not_mask_masks():
    redactor = Redactor.from_terms("removed\nname\nemail address")
    once = redactor.redact("Removed by jane@x.org")
    assert once == f"{NAME_MASK} by {EMAIL_MASK}"
    assert redactor.redact(once) == once


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_redaction_never_raises_and_is_idempotent(text):
    once = REDACTOR.redact(text)
    assert REDACTOR.redact(once) == once


_PIECES = st.sampled_from(
    ["Jane", "Smith", " ", "\n", "Kind regards", "Yours sincerely,", "Contact:", "@", ".",
     "x@y.org", "024", "7683", "1234", "+44", "(0)", "Mr", "J.", "Council", "-", "ext", "0",
     "Wójcik", "O'Brien", "[name removed]", "[email address removed]", ",", "Regards"]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_redaction_is_idempotent_on_text_made_of_the_rules_own_pieces(text):
    once = REDACTOR.redact(text)
    assert REDACTOR.redact(once) == once
    assert not re.search(r"(?<![^\W_])jane\s+smith(?![^\W_])", once, re.IGNORECASE)
    assert "x@y.org" not in once


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=30), st.booleans()), max_size=12),
)
def test_snippet_redaction_keeps_text_outside_masks_and_is_idempotent(segments):
    redacted = REDACTOR.redact_segments(segments)
    joined = "".join(text for text, _ in redacted)
    assert joined == REDACTOR.redact("".join(text for text, _ in segments))
    assert REDACTOR.redact_segments(redacted) == redacted
    masked_here = [piece for piece in redacted if piece[0] in MASKS and piece not in segments]
    assert all(not is_match for _, is_match in masked_here)  # a mask is never a match


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Jane Smith", "jane.smith@council.gov.uk", "024 7683 1234", "Ms Smith"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
)
def test_a_secret_between_spaces_never_survives(secret, before, after):
    text = f"{before} {secret} {after}"
    assert secret not in REDACTOR.redact(text)


MEGABYTE = 1_000_000


@pytest.mark.parametrize(
    "text",
    [
        "a" * MEGABYTE,
        "@" * MEGABYTE,
        "a@" * (MEGABYTE // 2),
        "a." * (MEGABYTE // 2) + "@",
        ("x" * 63 + "@") * (MEGABYTE // 64),
        ("@a" + ".0" * 127) * (MEGABYTE // 256),
        "0" * MEGABYTE,
        "01234 " * (MEGABYTE // 6),
        "020 7946 0958 " * (MEGABYTE // 14),
        "(0" * (MEGABYTE // 2),
        "+44 " * (MEGABYTE // 4),
        "Regards " * (MEGABYTE // 8),
        "Kind regards\n" + " " * MEGABYTE,
        "Contact: Ab " * (MEGABYTE // 12),
        "Jane " * (MEGABYTE // 5),
        "J. " * (MEGABYTE // 3),
        "Yours sincerely Jane Smith Bob Jones " * (MEGABYTE // 37),
        "[name removed]" * (MEGABYTE // 14),
    ],
    ids=lambda text: repr(text[:16]),
)
def test_a_megabyte_of_hostile_text_is_redacted_in_linear_time(text):
    started = time.perf_counter()
    REDACTOR.redact(text)
    # Quadratic behaviour on a megabyte takes minutes; linear takes a second or two.
    assert time.perf_counter() - started < 20
