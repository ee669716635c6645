"""Exemptions are read where the authority relies on them, in the product's spelling."""

from __future__ import annotations

import random

import pytest

from campaign.parsing import exemptions
from campaign.parsing.exemptions import find_exemptions, regime_of
from campaign.parsing.plain_text import folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The information is exempt under section 43(2) of the Act.", ["s43"]),
        ("We are withholding the names under s.40(2) FOIA.", ["s40"]),
        (
            "The following exemptions apply: Section 31(1)(a) - Law Enforcement; "
            "Section 40(2) - Personal Information.",
            ["s31", "s40"],
        ),
        ("Sections 22 and 22A are qualified exemptions which we rely on.", ["s22", "s22A"]),
        (
            "This information is exempt by virtue of sections 24(1), 31(1) and 38.",
            ["s24", "s31", "s38"],
        ),
        (
            "We estimate that complying would exceed the appropriate limit of £450. "
            "Section 12 of the Freedom of Information Act 2000 therefore applies.",
            ["s12"],
        ),
        ("To locate this would take us well beyond the 18 hours allowed.", ["s12"]),
        ("Providing this would exceed the cost limit of £600 for central government.", ["s12"]),
        ("We consider your request vexatious under section 14(1) of the Act.", ["s14"]),
        ("West Yorkshire Police can neither confirm nor deny by virtue of Section 30(3).", ["s30"]),
        (
            "Environmental Information Regulations 2004. We consider the request manifestly "
            "unreasonable under regulation 12(4)(b).",
            ["reg12(4)(b)"],
        ),
        (
            "Under the EIR we are withholding the contract prices under regulation 12(5)(e) and "
            "the names of staff under regulation 13.",
            ["reg12(5)(e)", "reg13"],
        ),
        (
            "Environmental Information Regulations: to comply would exceed the appropriate "
            "limit, so we rely on the exception for manifestly unreasonable requests.",
            ["reg12(4)(b)"],
        ),
        (
            "Freedom of Information (Scotland) Act 2002. The information is otherwise "
            "accessible and is exempt under section 25(1) of FOISA.",
            ["s25"],
        ),
        (
            "FOISA: the personal data of junior staff has been redacted under section 38(1)(b).",
            ["s38"],
        ),
        ("Some names have been redacted as they are personal data.", ["s40"]),
        (
            "The information is reasonably accessible to you by other means, and therefore "
            "exempt under Section 21.",
            ["s21"],
        ),
    ],
)
def test_exemptions_relied_on(text, expected):
    assert find_exemptions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # the requester's own words, quoted back in the letter
        "If the request exceeds the appropriate cost limit (Section 12 of the FOIA), please "
        "prioritise my questions.",
        "Could you please provide the information under section 12 limits.",
        # procedure, not a reason to withhold
        "This letter is a refusal notice issued under section 17 of the Act.",
        "We do not hold the information, in accordance with section 1(1)(a) of the Act.",
        "We have a duty under section 16 to provide advice and assistance.",
        "You may apply to the Information Commissioner under section 50 of the Act.",
        "If you are unhappy you can ask for an internal review; some information may be exempt "
        "under section 21 if published.",
        "The appropriate limit for local government is set at £450.",
        "Section 12 of the Section 45 Code of Practice requires a complaints procedure.",
        "This power comes from section 42 of the Local Government Act 1972.",
    ],
)
def test_no_exemptions_where_none_is_applied(text):
    assert find_exemptions(text) == []


@pytest.mark.parametrize(
    ("text", "regime"),
    [
        ("Freedom of Information Act 2000", "foia"),
        ("Environmental Information Regulations 2004", "eir"),
        ("Freedom of Information (Scotland) Act 2002", "foisa"),
        ("Your request under FOISA", "foisa"),
    ],
)
def test_regime_of_the_letter(text, regime):
    assert regime_of(text) == regime


def test_sections_are_looked_for_only_where_the_hint_finds_one():
    rng = random.Random(9)
    pieces = ["s", "S", "ss", ".", " ", "\t", "1", "12", "40", "section", "SECTIONS", "\u017f"]
    pieces += ["(", ")", "and", ",", "of the Data Protection Act", "x", "\u00df", "2"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if not exemptions._SECTION_HINT.search(folded(text)):
            assert not exemptions._sections_in(text, "foia"), text
            assert not exemptions._sections_in(text, "foisa"), text
