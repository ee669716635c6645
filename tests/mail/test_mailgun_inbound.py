"""Mailgun's parsed inbound form rebuilt into a raw message that reads back the same."""

# ruff: noqa: RUF001 - replies are full of en dashes, curly quotes and Cyrillic, on purpose

from __future__ import annotations

import json
import os

import pytest
from mail_samples import PDF

from campaign.mail.inbound import parse_mime
from campaign.mail.mailgun_inbound import mime_from_mailgun_form

RECIPIENT = "foi+k7m2x9q4@replies.example.org"
HEADERS = [
    ["Received", "from mail.coventry.gov.uk by mxa.mailgun.org with ESMTP"],
    ["From", "Coventry City Council – FOI <FOI@coventry.gov.uk>"],
    ["To", f"Jo Researcher <{RECIPIENT}>"],
    ["Cc", "records@coventry.gov.uk"],
    ["Subject", "RE: Freedom of Information request – REQ04543"],
    ["Date", "Tue, 04 Sep 2018 14:03:11 +0100"],
    ["Message-Id", "<DB6PR0601MB2134.1@eurprd06.prod.outlook.com>"],
    ["In-Reply-To", "<req-k7m2x9q4.1a2b3c@replies.example.org>"],
    ["References", "<root@replies.example.org> <req-k7m2x9q4.1a2b3c@replies.example.org>"],
    ["Mime-Version", "1.0"],
    ["Content-Type", 'multipart/mixed; boundary="original"'],
    ["X-Mailgun-Recipient", "someone-else@attacker.example"],
]


def form(**overrides) -> dict[str, str]:
    fields = {
        "recipient": RECIPIENT,
        "sender": "bounces@coventry.gov.uk",
        "from": "Coventry City Council – FOI <FOI@coventry.gov.uk>",
        "subject": "RE: Freedom of Information request – REQ04543",
        "body-plain": "Dear Jo,\n\nPlease find attached our response.\n\n> quoted request\n",
        "stripped-text": "Dear Jo,\n\nPlease find attached our response.",
        "body-html": "<p>Dear Jo,</p><p>Please find attached our response.</p>",
        "message-headers": json.dumps(HEADERS),
        "attachment-count": "3",
        "timestamp": "1536066195",
        "token": "x" * 50,
        "signature": "0" * 64,
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


FILES = [
    ("REQ04543 response.pdf", "application/pdf", PDF),
    ("Réponse – annexe très détaillée " * 4 + ".pdf", "application/pdf", os.urandom(5000)),
    ('Data "2018".csv', "text/csv", b"council,answer\r\nCoventry,not held\r\n"),
]


def test_the_form_reads_back_as_the_message_that_was_sent():
    email = parse_mime(mime_from_mailgun_form(form(), FILES))

    assert email.subject == "RE: Freedom of Information request – REQ04543"
    assert (email.from_name, email.from_address) == (
        "Coventry City Council – FOI",
        "foi@coventry.gov.uk",
    )
    assert email.to == [RECIPIENT] and email.cc == ["records@coventry.gov.uk"]
    assert email.message_id == "DB6PR0601MB2134.1@eurprd06.prod.outlook.com"
    assert email.in_reply_to == "req-k7m2x9q4.1a2b3c@replies.example.org"
    assert email.references == [
        "root@replies.example.org",
        "req-k7m2x9q4.1a2b3c@replies.example.org",
    ]
    assert email.text == form()["body-plain"]
    assert email.html == form()["body-html"]
    assert [(f.filename, f.content_type, f.data) for f in email.attachments] == [
        (name.strip(), content_type, data) for name, content_type, data in FILES
    ]
    assert email.defects == [] and email.refused == []


def test_the_route_recipient_is_delivered_to_and_a_sender_cannot_forge_it():
    raw = mime_from_mailgun_form(form(), FILES)

    email = parse_mime(raw)

    assert email.delivered_to == [RECIPIENT]
    assert b"attacker.example" not in raw
    assert raw.startswith(f"X-Mailgun-Recipient: {RECIPIENT}\r\n".encode())


def test_the_original_mime_headers_are_replaced_by_ours():
    raw = mime_from_mailgun_form(form(), FILES)
    headers = raw.split(b"\r\n\r\n", 1)[0]

    assert b'boundary="original"' not in headers
    assert headers.count(b"MIME-Version") == 1
    assert headers.index(b"Received:") < headers.index(b"From:") < headers.index(b"Subject:")


@pytest.mark.parametrize("headers", [None, "not json", json.dumps({"a": 1}), json.dumps([[1, 2]])])
def test_without_usable_message_headers_the_top_level_fields_are_used(headers):
    fields = form(**{"message-headers": headers})
    fields |= {
        "To": RECIPIENT,
        "Message-Id": "<fallback-1@coventry.gov.uk>",
        "In-Reply-To": "<req-k7m2x9q4.1a2b3c@replies.example.org>",
        "References": "<req-k7m2x9q4.1a2b3c@replies.example.org>",
        "Date": "Tue, 04 Sep 2018 14:03:11 +0100",
    }

    email = parse_mime(mime_from_mailgun_form(fields, []))

    assert email.subject == "RE: Freedom of Information request – REQ04543"
    assert email.from_address == "foi@coventry.gov.uk"
    assert email.to == [RECIPIENT]
    assert email.message_id == "fallback-1@coventry.gov.uk"
    assert email.in_reply_to == "req-k7m2x9q4.1a2b3c@replies.example.org"
    assert email.date is not None
    assert email.text.startswith("Dear Jo,")


def test_with_no_from_field_the_envelope_sender_stands_in():
    fields = form(**{"message-headers": None, "from": None})

    assert parse_mime(mime_from_mailgun_form(fields, [])).from_address == "bounces@coventry.gov.uk"


def test_a_raw_mime_post_is_returned_as_bytes():
    raw = "From: a@b.org\r\nSubject: Réponse\r\n\r\nbody \udce9\r\n"

    assert mime_from_mailgun_form({"body-mime": raw}, []) == (
        b"From: a@b.org\r\nSubject: R\xc3\xa9ponse\r\n\r\nbody \xe9\r\n"
    )
    assert mime_from_mailgun_form({"body-mime": "lone \ud800"}, []) == b"lone \xed\xa0\x80"


def test_line_breaks_in_values_cannot_add_headers():
    headers = [["Subject", "Hello\r\nBcc: victim@example.org"], ["Bad Name", "x"], ["X:Y", "z"]]
    fields = form(**{"message-headers": json.dumps(headers)})

    raw = mime_from_mailgun_form(fields, [("a\r\nb.pdf", "text/plain\r\nX-Evil: 1", b"x")])
    email = parse_mime(raw)

    assert b"\r\nBcc:" not in raw and b"X-Evil" not in raw and b"Bad Name" not in raw
    assert email.subject == "Hello Bcc: victim@example.org"
    assert [(f.filename, f.content_type) for f in email.attachments] == [
        ("a b.pdf", "application/pdf")
    ]


def test_html_only_and_empty_bodies_still_make_a_readable_message():
    html_only = parse_mime(mime_from_mailgun_form(form(**{"body-plain": ""}), []))
    empty = parse_mime(mime_from_mailgun_form(form(**{"body-plain": "", "body-html": ""}), []))

    assert (html_only.text, html_only.html) == ("", form()["body-html"])
    assert (empty.text, empty.html, empty.defects) == ("", "", [])


def test_a_very_long_header_is_folded_and_reads_back_the_same():
    references = " ".join(f"<id-{n}@council.gov.uk>" for n in range(80))
    fields = form(**{"message-headers": json.dumps([["References", references]])})

    raw = mime_from_mailgun_form(fields, [])

    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert parse_mime(raw).references == [f"id-{n}@council.gov.uk" for n in range(80)]


def test_the_same_form_always_gives_the_same_bytes():
    assert mime_from_mailgun_form(form(), FILES) == mime_from_mailgun_form(form(), FILES)


def test_a_reply_with_a_200_kb_pdf_is_rebuilt_whole():
    # Its speed is measured by bench/ingest.py, not here.
    data = os.urandom(200 * 1024)
    raw = mime_from_mailgun_form(form(), [("Response.pdf", "application/pdf", data)])
    [attachment] = parse_mime(raw).attachments
    assert attachment.data == data
