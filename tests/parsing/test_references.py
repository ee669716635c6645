"""The authority's reference is found where authorities write it, and nothing else is taken."""

from __future__ import annotations

import pytest

from campaign.parsing import references
from campaign.parsing.plain_text import letter_folded, normalise, without_links
from campaign.parsing.references import find_reference

from .factories import CORPUS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Request ID: REQ04543\n\nThank you for your request", "REQ04543"),
        ("Our ref: FOI/2018/1234", "FOI/2018/1234"),
        ("Our Ref: DC/FOI 59/18\nDate: 19/02/2018", "DC/FOI 59/18"),
        ("Our reference: FOI 18-0501", "FOI 18-0501"),
        ("Our reference: 3375675             Information request", "3375675"),
        ("Re: Request for Information - Reference Number: ASC/AWZC3P", "ASC/AWZC3P"),
        ("Reference Number: SOL/AYCBWB", "SOL/AYCBWB"),
        ("Case reference: CAS-123456-ABCD", "CAS-123456-ABCD"),
        ("FOI reference: IR-2019-0042", "IR-2019-0042"),
        ("Freedom of Information Request Reference No: 2018/1234", "2018/1234"),
        ("Internal Review Ref: TRE/AWZBQX-IR", "TRE/AWZBQX-IR"),
        ("Our reference: FOI18-0501-13317", "FOI18-0501-13317"),
        ("Reference: EIR 12/345", "EIR 12/345"),
        ("Case Number: 101004567890\nDear Sir", "101004567890"),
        ("Ref:\n943388\nDear Data Justice Lab", "943388"),
        ("Freedom of Information - Response - 16079\n\nWe are submitting", "16079"),
        ("Please quote reference 1189733 in any correspondence.", "1189733"),
        ("Your reference number is 11917. We will respond within 20 working days.", "11917"),
        ("Your request has been logged under reference FOI-2231.", "FOI-2231"),
        ("Your ref: ABC/123\nOur ref: FOI 5544", "FOI 5544"),
        ("Date: 12/03/2018\nOur ref: 2018_20985", "2018_20985"),
        ("Freedom of Information request: CRN00166467", "CRN00166467"),
        ("Reference No. 12345\nDear Sir", "12345"),
        ("Our reference 77889", "77889"),
        ("Thank you for your request (reference 20190456).", "20190456"),
        ("Our Ref\tYour Ref\tDate\nFOI/123\tABC/9\t1 May 2018", "FOI/123"),
        ("Eich cyf / Your ref: ABC123\nEin cyf / Our ref: FOI/2019/456", "FOI/2019/456"),
        ("Dear [FOI #552061 email],\nThank you for your email.", None),
    ],
)
def test_reference_in_a_letter(text, expected):
    assert find_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Your ref: ABC12345\nDear Sir",  # the requester's reference, not the authority's
        "Your reference: 99881",
        "Freedom of Information Act 2000",  # a year
        "Tel: 0191 375 2594",  # a phone number
        "Enquiry number: 0303 444 0000",
        "Ref: 12/04/2018",  # a date
        "Reference: N/A",
        "Reference: SK9 5AF",  # a postcode
        "We rely on section 12 of the Act.",  # a section
        "Reply to foi+ab12cd34@replies.example.org with any questions.",  # our own token
        "Please refer back to our original response ref 922940.",
        "See https://democracy.example.gov.uk/documents/s43602/Item7.pdf",
        "Dear Sir, thank you for your email of 3 May.",
        "Our ref: JS/ab",  # an officer's initials
        "The ICO reference is FS50123456.",
    ],
)
def test_no_reference_where_none_is_given(text):
    assert find_reference(text) is None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Freedom of Information Request - 1189733", "1189733"),
        ("FOI Request 3375675", "3375675"),
        ("RE: FOI 18-0501 - Data analytics", "FOI 18-0501"),
        ("EIR 12/345 - your request about the bypass", "EIR 12/345"),
        ("Response to CRN00166467", "CRN00166467"),
        ("RE: Information request (Our reference: 4364413)", "4364413"),
        ("CAS-123456-ABCD Freedom of Information", "CAS-123456-ABCD"),
        ("Re: Freedom of Information request - Data analytics", None),
        ("Automatic reply: FOI request", None),
        ("Undeliverable: Freedom of Information request 2018", None),
    ],
)
def test_reference_in_a_subject_line(subject, expected):
    assert find_reference(subject, title=True) == expected


def _reference_texts() -> list[str]:
    texts = [
        path.read_text(encoding="utf-8") for path in sorted((CORPUS / "replies").glob("*.txt"))
    ]
    # Letters that case-insensitive patterns match to ASCII ones: the dotless i and the long s
    # (the same length in lower case), and the dotted capital I (longer in lower case).
    odd = "Our Ref: FOI/123. \u0131nformat\u0131on request \u017fubject access request 4567"
    dotted = "Y\u0130our \u0130nternal review ref: IR/2018/44"
    return [*texts, odd, odd.upper(), dotted, "INTERNAL REVIEW ref: IR-2018-44 (Case 1234)"]


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        (references._LABELLED, references._LABEL_STARTS),
        (references._LABELLED_LOOSE, references._LOOSE_STARTS),
        (references._QUOTED, references._QUOTED_STARTS),
        (references._ASSIGNED, references._ASSIGNED_STARTS),
        (references._TITLED, references._TITLED_STARTS),
    ],
)
def test_patterns_tried_where_their_words_start_find_what_a_scan_finds(pattern, starts):
    for text in _reference_texts():
        clean = without_links(normalise(text))
        lower = letter_folded(clean)
        found = [match.group(0) for match in references._matches(pattern, starts, clean, lower)]
        assert found == [match.group(0) for match in pattern.finditer(clean)]
