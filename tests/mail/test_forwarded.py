"""Forwarded replies: the original sender, date, subject, body and files, as mailers write them."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import pytest
from mail_samples import PDF, REPLY_ADDRESS

from campaign.mail.forwarded import unwrap_forwarded
from campaign.mail.inbound import parse_mime

COUNCIL = "foi@example-council.gov.uk"
CAMPAIGNER = "sam@campaign.example"
ORIGINAL_BODY = (
    "Dear Sam,\n\nOur reference: FOI-2018-0912\n\n"
    "The council does not use predictive analytics in children's services.\n"
)

GMAIL = f"""This one came to my personal address.

---------- Forwarded message ---------
From: FOI Team <{COUNCIL}>
Date: Mon, 3 Sep 2018 at 16:45
Subject: RE: Freedom of Information request - Data analytics
To: Sam Campaigner <{CAMPAIGNER}>
Cc: <{REPLY_ADDRESS}>


{ORIGINAL_BODY}"""

OUTLOOK = f"""Please file this.

-----Original Message-----
From: FOI Team [mailto:{COUNCIL}]
Sent: 03 September 2018 16:45
To: Sam Campaigner <{CAMPAIGNER}>; '{REPLY_ADDRESS}'
Subject: RE: Freedom of Information request - Data analytics

{ORIGINAL_BODY}"""

OUTLOOK_WEB = f"""

________________________________
From: FOI Team <{COUNCIL}>
Sent: Monday, September 3, 2018 4:45:12 PM
To: Sam Campaigner <{CAMPAIGNER}>;
    {REPLY_ADDRESS}
Subject: RE: Freedom of Information request - Data analytics

{ORIGINAL_BODY}"""

APPLE = f"""Sent from my iPhone

Begin forwarded message:

From: FOI Team <{COUNCIL}>
Subject: RE: Freedom of Information request - Data analytics
Date: 3 September 2018 at 16:45:00 BST
To: Sam Campaigner <{CAMPAIGNER}>
Cc: {REPLY_ADDRESS}

{ORIGINAL_BODY}"""

THUNDERBIRD = f"""

-------- Forwarded Message --------
Subject: \tRE: Freedom of Information request - Data analytics
Date: \tMon, 3 Sep 2018 16:45:00 +0100
From: \tFOI Team <{COUNCIL}>
To: \tSam Campaigner <{CAMPAIGNER}>, {REPLY_ADDRESS}

{ORIGINAL_BODY}"""

QUOTED = "See below\n\n" + "\n".join(f"> {line}" for line in GMAIL.split("\n")[2:])


def forward(body: str, *, subject: str = "Fwd: RE: Freedom of Information request") -> bytes:
    return (
        f"From: Sam Campaigner <{CAMPAIGNER}>\n"
        "To: replies@replies.example.org\n"
        f"Subject: {subject}\n"
        "Date: Tue, 4 Sep 2018 09:12:00 +0100\n"
        "Message-ID: <fwd-1@mail.campaign.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b0"\n\n'
        '--b0\nContent-Type: text/plain; charset="utf-8"\n\n'
        f"{body}\n"
        '--b0\nContent-Type: application/pdf; name="response.pdf"\n'
        'Content-Disposition: attachment; filename="response.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{base64.encodebytes(PDF).decode()}"
        "--b0--\n"
    ).encode()


@pytest.mark.parametrize(
    ("body", "shape"),
    [
        (GMAIL, "inline:gmail"),
        (OUTLOOK, "inline:outlook"),
        (OUTLOOK_WEB, "inline:outlook"),
        (APPLE, "inline:apple"),
        (THUNDERBIRD, "inline:thunderbird"),
        (QUOTED, "inline:gmail"),
    ],
    ids=["gmail", "outlook", "outlook-web", "apple-mail", "thunderbird", "quoted"],
)
def test_inline_forwards_give_back_the_authoritys_reply(body: str, shape: str):
    forwarded = unwrap_forwarded(parse_mime(forward(body)))

    assert forwarded is not None
    original = forwarded.original
    assert forwarded.how == shape
    assert original.from_address == COUNCIL
    assert original.from_name == "FOI Team"
    assert original.subject == "RE: Freedom of Information request - Data analytics"
    assert REPLY_ADDRESS in original.to + original.cc
    assert original.date.replace(second=0) == datetime(2018, 9, 3, 15, 45, tzinfo=UTC)
    assert original.text.startswith("Dear Sam,")
    assert "FOI-2018-0912" in original.text
    assert [f.filename for f in original.attachments] == ["response.pdf"]
    # Provenance: who forwarded it and when; the message's own id still names the forward.
    assert forwarded.forwarder_address == CAMPAIGNER
    assert forwarded.forwarded_at == datetime(2018, 9, 4, 8, 12, tzinfo=UTC)
    assert original.message_id == "fwd-1@mail.campaign.example"
    assert "forwarded by sam@campaign.example on 04 Sep 2018 08:12 UTC" in forwarded.describe()


def test_the_forwarders_note_is_kept_apart_from_the_original():
    forwarded = unwrap_forwarded(parse_mime(forward(GMAIL)))

    assert forwarded.note == "This one came to my personal address."
    assert "personal address" not in forwarded.original.text


def test_an_attached_email_is_read_with_its_own_headers_and_files():
    inner = (
        f"From: FOI Team <{COUNCIL}>\nTo: {REPLY_ADDRESS}\n"
        "Subject: RE: Freedom of Information request\n"
        "Date: Mon, 3 Sep 2018 16:45:00 +0100\n"
        "Message-ID: <reply-77@example-council.gov.uk>\n"
        "In-Reply-To: <request-1@replies.example.org>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="i0"\n\n'
        f"--i0\nContent-Type: text/plain\n\n{ORIGINAL_BODY}\n"
        '--i0\nContent-Type: application/pdf; name="inner.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{base64.encodebytes(PDF).decode()}--i0--\n"
    )
    raw = (
        f"From: Sam Campaigner <{CAMPAIGNER}>\nTo: replies@replies.example.org\n"
        "Subject: Fwd: RE: Freedom of Information request\n"
        "Date: Tue, 4 Sep 2018 09:12:00 +0100\nMessage-ID: <fwd-2@mail.campaign.example>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="o0"\n\n'
        "--o0\nContent-Type: text/plain\n\nForwarding as an attachment.\n"
        f"--o0\nContent-Type: message/rfc822\n\n{inner}\n--o0--\n"
    ).encode()

    forwarded = unwrap_forwarded(parse_mime(raw))

    assert forwarded is not None and forwarded.how == "attached"
    original = forwarded.original
    assert (original.from_address, original.message_id) == (
        COUNCIL,
        "reply-77@example-council.gov.uk",
    )
    assert original.in_reply_to == "request-1@replies.example.org"
    assert original.to == [REPLY_ADDRESS]
    assert [f.filename for f in original.attachments] == ["inner.pdf"]
    assert "FOI-2018-0912" in original.text
    assert forwarded.note == "Forwarding as an attachment."


def test_a_forward_of_a_forward_is_unwrapped_to_the_authority():
    twice = (
        "FYI\n\n---------- Forwarded message ---------\n"
        f"From: Sam Campaigner <{CAMPAIGNER}>\nDate: Tue, 4 Sep 2018 at 08:00\n"
        "Subject: Fwd: RE: Freedom of Information request - Data analytics\n"
        "To: Sam at work <sam@work.example>\n\n" + GMAIL
    )
    forwarded = unwrap_forwarded(parse_mime(forward(twice, subject="Fwd: Fwd: RE: FOI")))

    assert forwarded.how == "inline:gmail>inline:gmail"
    assert forwarded.original.from_address == COUNCIL
    assert forwarded.original.text.startswith("Dear Sam,")


def test_an_authority_quoting_our_letter_inside_the_original_is_not_unwrapped_further():
    quoting = OUTLOOK.replace(
        ORIGINAL_BODY,
        ORIGINAL_BODY + "\n-----Original Message-----\nFrom: Sam Campaigner "
        f"[mailto:{REPLY_ADDRESS}]\nSent: 06 August 2018 10:00\nTo: {COUNCIL}\n"
        "Subject: Freedom of Information request - Data analytics\n\nDear FOI officer,\n",
    )
    forwarded = unwrap_forwarded(parse_mime(forward(quoting)))

    assert forwarded.how == "inline:outlook"
    assert forwarded.original.from_address == COUNCIL
    assert "Dear FOI officer" in forwarded.original.text


@pytest.mark.parametrize(
    "body",
    [
        "Just a note, nothing forwarded here.\n",
        "---------- Forwarded message ---------\nnothing that looks like headers\n",
        "---------- Forwarded message ---------\nSubject: only a subject\n\ntext\n",
        "\n" * 80 + GMAIL,  # the marker far below the top is a quotation, not a forward
        "",
    ],
    ids=["plain", "marker-only", "no-from", "too-far-down", "empty"],
)
def test_messages_that_are_not_forwards_are_left_alone(body: str):
    assert unwrap_forwarded(parse_mime(forward(body))) is None


def test_a_sender_without_an_address_and_an_unreadable_date_are_noted_not_fatal():
    body = (
        "-----Original Message-----\nFrom: FOI Team\nSent: sometime last week\n"
        "To: Sam Campaigner\nSubject: RE: FOI request\n\nDear Sam,\n"
    )
    forwarded = unwrap_forwarded(parse_mime(forward(body)))

    assert forwarded.original.from_address == ""
    assert forwarded.original.from_name == "FOI Team"
    assert forwarded.original.date == datetime(2018, 9, 4, 8, 12, tzinfo=UTC)
    assert any("without an email address" in d for d in forwarded.original.defects)
    assert any("date could not be read" in d for d in forwarded.original.defects)


def test_hostile_forward_blocks_never_raise():
    pieces = [
        "---------- Forwarded message ---------",
        "-----Original Message-----",
        "Begin forwarded message:",
        "_" * 40,
        "From: FOI Team <foi@example-council.gov.uk>",
        "From: " + "<" * 5000,
        "Sent: " + "9" * 500,
        "Date: Mon, 99 Foo 99999 at 99:99",
        "To: " + ";".join(f"a{i}@example.org" for i in range(2000)),
        "Subject: " + "x" * 20_000,
        "> > > From: nested",
        "",
        "\x00\ufeff",
    ]
    generator = random.Random(20181003)
    for _ in range(300):
        body = "\n".join(generator.choice(pieces) for _ in range(generator.randint(1, 60)))
        result = unwrap_forwarded(parse_mime(forward(body)))
        assert result is None or isinstance(result.original.text, str)
