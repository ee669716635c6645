"""Reading real-shaped replies: what a council's answer, a bounce or an auto-reply becomes."""

# ruff: noqa: RUF001 - replies are full of en dashes, curly quotes and Cyrillic, on purpose

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mail_samples import PDF, REPLY_ADDRESS, fixture, message, with_attachments

from campaign.mail.inbound import InboundLimits, parse_mime


def test_a_reply_with_a_pdf_gives_its_ids_addresses_text_and_the_pdf():
    email = parse_mime(fixture("reply-with-pdf.eml"))

    assert email.message_id == "DB6PR0601MB2134.1@eurprd06.prod.outlook.com"
    assert not email.message_id_missing
    assert email.in_reply_to == "req-k7m2x9q4.1a2b3c@replies.example.org"
    assert email.references == [
        "req-k7m2x9q4.1a2b3c@replies.example.org",
        "DB6PR0601MB2000.1@eurprd06.prod.outlook.com",
    ]
    assert email.subject == "RE: Freedom of Information request – REQ04543"
    assert (email.from_name, email.from_address) == (
        "Coventry City Council - FOI",
        "foi@coventry.gov.uk",
    )
    assert email.reply_to == ["infogov@coventry.gov.uk"]
    assert email.to == [REPLY_ADDRESS]
    assert email.cc == ["records@coventry.gov.uk", REPLY_ADDRESS]
    assert email.delivered_to == email.x_original_to == [REPLY_ADDRESS]
    assert email.recipients == [REPLY_ADDRESS, "records@coventry.gov.uk"]
    assert email.date == datetime(2018, 9, 4, 13, 3, 11, tzinfo=UTC)
    # Labelled ISO-8859-1 but written in Windows-1252: =96 is an en dash.
    assert "This information is not held – see the attached letter." in email.text
    assert email.html == ""
    [pdf] = email.attachments
    assert (pdf.filename, pdf.content_type, pdf.data, pdf.container) == (
        "REQ04543 response.pdf",
        "application/pdf",
        PDF,
        None,
    )
    assert email.refused == [] and email.defects == []
    assert not email.auto_submitted and not email.delivery_report


def test_an_html_only_reply_keeps_its_html_raw_and_has_no_text():
    email = parse_mime(fixture("html-only.eml"))

    assert email.text == ""
    assert "<script>alert(1)</script>" in email.html  # sanitising is a separate step
    assert "We do not hold this information – see section 21." in email.html
    assert email.attachments == []


def test_outlook_related_inside_alternative_gives_both_bodies_and_the_inline_image():
    email = parse_mime(fixture("outlook-related.eml"))

    assert email.text.startswith("Hello,\n\nThe figures you asked for are in the attached")
    assert '<img src="cid:image001.png@01D44A1B.2C3D4E50" alt="Council logo">' in email.html
    assert [(f.filename, f.content_type) for f in email.attachments] == [
        ("image001.png", "image/png"),
        (
            "FOI 0412 data.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]
    # A spreadsheet is a zip inside, but a document: it is not unpacked.
    assert all(f.container is None for f in email.attachments)


def test_a_bounce_is_a_delivery_report_naming_the_failed_recipient_not_the_delayed_one():
    email = parse_mime(fixture("bounce.eml"))

    assert email.delivery_report
    assert email.failed_recipients == ["foi@old-council.gov.uk"]
    assert email.auto_submitted  # Auto-Submitted: auto-replied
    assert "could not\nbe delivered" in email.text
    names = [f.filename for f in email.attachments]
    assert names == ["delivery-status.txt", "Freedom of Information request - data analytics.eml"]
    original = email.attachments[1]
    assert original.content_type == "message/rfc822"
    assert b"Message-ID: <req-k7m2x9q4.1a2b3c@replies.example.org>" in original.data


def test_a_delay_warning_is_a_delivery_report_with_no_failed_recipients():
    raw = fixture("bounce.eml").replace(b"Action: failed", b"Action: delayed")

    email = parse_mime(raw)

    assert email.delivery_report and email.failed_recipients == []


@pytest.mark.parametrize(
    ("sender", "subject", "extra", "is_bounce"),
    [
        ("MAILER-DAEMON@mx.example.org", "Undelivered Mail Returned to Sender", "", True),
        ("postmaster@council.gov.uk", "Undeliverable: FOI request", "", True),
        (
            "postmaster@council.gov.uk",
            "Delivery Status Notification (Failure)",
            "X-Failed-Recipients: Old.FOI@council.gov.uk\n",
            True,
        ),
        ("postmaster@council.gov.uk", "Re: your FOI request", "", False),
        ("foi@council.gov.uk", "Undeliverable: FOI request", "", False),
    ],
)
def test_a_plain_text_bounce_is_known_by_its_sender_and_subject(sender, subject, extra, is_bounce):
    raw = message(headers=extra).replace(
        b"From: FOI Team <foi@example-council.gov.uk>", f"From: {sender}".encode()
    )
    raw = raw.replace(
        b"Subject: RE: Freedom of Information request", f"Subject: {subject}".encode()
    )

    email = parse_mime(raw)

    assert email.delivery_report is is_bounce
    if "X-Failed" in extra:
        assert email.failed_recipients == ["old.foi@council.gov.uk"]


def test_an_out_of_office_is_auto_submitted():
    email = parse_mime(fixture("out-of-office.eml"))

    assert email.auto_submitted and not email.delivery_report


@pytest.mark.parametrize(
    ("headers", "subject", "expected"),
    [
        ("Auto-Submitted: auto-replied\n", "Re: FOI", True),
        ("Auto-Submitted: auto-generated; owner-email=x@y.z\n", "Re: FOI", True),
        ("Auto-Submitted: no\n", "Re: FOI", False),
        ("X-Autoreply: yes\n", "Re: FOI", True),
        ("X-Autorespond: Out of office\n", "Re: FOI", True),
        ("Precedence: auto_reply\n", "Re: FOI", True),
        ("Precedence: bulk\n", "Re: FOI", True),
        ("Precedence: junk\n", "Re: FOI", True),
        ("Precedence: list\n", "Re: FOI", False),
        ("X-MS-Exchange-Inbox-Rules-Loop: foi@council.gov.uk\n", "Re: FOI", True),
        ("", "Automatic reply: Freedom of Information request", True),
        ("", "Out of Office: Freedom of Information request", True),
        ("", "Auto-Reply: we have received your email", True),
        ("", "AutoReply: thank you", True),
        ("", "Re: Out of office data for 2017", False),
        ("", "RE: Freedom of Information request", False),
    ],
)
def test_auto_replies_are_recognised_by_their_headers_or_subject(headers, subject, expected):
    raw = message(headers=headers).replace(
        b"Subject: RE: Freedom of Information request", f"Subject: {subject}".encode()
    )

    assert parse_mime(raw).auto_submitted is expected


def test_a_missing_message_id_is_synthesised_from_the_bytes_and_stays_the_same():
    raw = fixture("no-message-id.eml")

    first, again = parse_mime(raw), parse_mime(raw)
    other = parse_mime(raw + b"\nP.S. one more line\n")

    assert first.message_id_missing
    assert first.message_id == again.message_id
    assert first.message_id.startswith("sha256-")
    assert first.message_id.endswith("@missing-message-id.invalid")
    assert len(first.message_id.split("@")[0]) == len("sha256-") + 32
    assert other.message_id != first.message_id


@pytest.mark.parametrize(
    ("header", "expected", "missing"),
    [
        ("Message-ID: <abc@council.gov.uk>\n", "abc@council.gov.uk", False),
        ("Message-ID:  <abc@council.gov.uk> (comment)\n", "abc@council.gov.uk", False),
        ("Message-Id: abc@council.gov.uk\n", "abc@council.gov.uk", False),
        ("Message-ID: <>\n", None, True),
        ("Message-ID: not an id\n", None, True),
        ("Message-ID: <first@x.org>\nMessage-ID: <second@x.org>\n", "first@x.org", False),
        ("Message-ID: <" + "a" * 300 + "@x.org>\n", "a" * 255, False),
    ],
)
def test_message_ids_are_read_without_brackets_and_fit_the_column(header, expected, missing):
    email = parse_mime(message(headers=header, message_id=None))

    assert email.message_id_missing is missing
    if expected:
        assert email.message_id == expected
    else:
        assert email.message_id.endswith("@missing-message-id.invalid")


def test_duplicate_headers_use_the_first_and_say_so():
    raw = message(headers="From: Someone Else <other@elsewhere.org>\nSubject: Second subject\n")

    email = parse_mime(raw)

    assert email.from_address == "foi@example-council.gov.uk"
    assert email.subject == "RE: Freedom of Information request"
    assert "2 From headers; the first was used" in email.defects
    assert "2 Subject headers; the first was used" in email.defects


def test_raw_8bit_headers_are_read_as_utf8_or_else_windows_1252():
    email = parse_mime(fixture("eight-bit-headers.eml"))

    assert email.from_name == "Zoë Bradshaw"
    assert email.subject == "Réponse – demande d’accès"
    assert email.cc == ["renee@example-council.gov.uk"]
    assert email.text == "Voici la réponse à votre demande.\n"
    assert email.defects == [
        "the Cc header has raw 8-bit bytes that are not UTF-8; read as Windows-1252"
    ]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("=?utf-8?B?UsOpcG9uc2U=?=", "Réponse"),
        ("=?ISO-8859-1?Q?R=E9ponse?= =?ISO-8859-1?Q?_finale?=", "Réponse finale"),
        ("=?utf-8?q?=E2=80?= =?utf-8?q?=93_split?=", "– split"),  # one character, two words
        ("=?windows-1252?q?=93quoted=94?=", "“quoted”"),
        ("=?x-unknown?q?caf=E9?=", "café"),
        ("=?utf-8?b?broken base64?= tail", "=?utf-8?b?broken base64?= tail"),
        ("=?utf-8?b?UsOpcG9uc2U?=", "Réponse"),  # padding missing
        ("Re:   FOI\t request\n", "Re: FOI request"),
        ("=?utf-8*en?q?Hello?=", "Hello"),
    ],
)
def test_encoded_subjects_are_decoded_in_any_charset(subject, expected):
    raw = message().replace(
        b"Subject: RE: Freedom of Information request", f"Subject: {subject}".encode()
    )

    assert parse_mime(raw).subject == expected


@pytest.mark.parametrize(
    ("charset", "body", "expected", "noted"),
    [
        ("utf-8", "Réponse – 2018".encode(), "Réponse – 2018", False),
        ("utf8", "Réponse".encode(), "Réponse", False),
        ("us-ascii", "Réponse – 2018".encode("cp1252"), "Réponse – 2018", True),
        ("us-ascii", "Réponse".encode(), "Réponse", True),
        ("iso-8859-1", "“quoted”".encode("cp1252"), "“quoted”", False),
        ("iso-8859-1", "Réponse".encode(), "Réponse", True),
        ("x-unknown", "Réponse".encode(), "Réponse", False),
        ("x-made-up", "Réponse".encode("cp1252"), "Réponse", True),
        ("utf-8", "Réponse – 2018".encode("cp1252"), "Réponse – 2018", True),
        ("windows-1252", "£20".encode("cp1252"), "£20", False),
        ("koi8-r", "Ответ".encode("koi8-r"), "Ответ", False),
        ("punycode", "Réponse".encode(), "Réponse", True),
        ("base64", b"plain words", "plain words", False),
        (None, "Réponse".encode(), "Réponse", False),
    ],
)
def test_bodies_are_decoded_with_their_charset_and_wrong_labels_put_right(
    charset, body, expected, noted
):
    content_type = f"text/plain; charset={charset}" if charset else "text/plain"
    raw = message(content_type=content_type, encoding="8bit").split(b"\n\n")[0] + b"\n\n" + body

    email = parse_mime(raw)

    assert email.text == expected
    assert bool(email.defects) is noted, email.defects


def test_damaged_base64_is_decoded_as_far_as_it_goes_and_noted():
    email = parse_mime(fixture("malformed-base64.eml"))

    assert email.text == "Dear requester, please see attached."
    [pdf] = email.attachments
    assert pdf.data.startswith(b"%PDF-1.4")
    assert email.defects == ["response.pdf: damaged base64 was decoded as far as it could be"]


def test_a_multipart_cut_short_keeps_what_arrived_and_says_it_was_cut():
    email = parse_mime(fixture("truncated-multipart.eml"))

    assert email.text == "Please find our response attached."
    [pdf] = email.attachments
    assert pdf.filename == "response.pdf" and pdf.data.startswith(b"%PDF")
    assert any("no closing boundary" in defect for defect in email.defects)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\foi\\Desktop\\response.pdf", "response.pdf"),
        ("report\x00\x07.pdf", "report.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("  .hidden.pdf  ", "hidden.pdf"),
        ("..", "attachment-1.pdf"),
        ("", "attachment-1.pdf"),
        ("=?utf-8?q?R=C3=A9ponse=2Epdf?=", "Réponse.pdf"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_attachment_names_are_safe_to_show(name, expected):
    raw = with_attachments([(name, "application/pdf", PDF)])

    [file] = parse_mime(raw).attachments

    assert file.filename == expected
    assert len(file.filename) <= 255


def test_rfc2231_and_raw_utf8_filenames_are_decoded():
    raw = with_attachments([("placeholder", "application/pdf", PDF)])
    rfc2231 = raw.replace(
        b'filename="placeholder"', b"filename*=utf-8''R%C3%A9ponse%20%E2%80%93%20final.pdf"
    )
    raw_utf8 = raw.replace(b'filename="placeholder"', 'filename="Réponse.pdf"'.encode())

    assert parse_mime(rfc2231).attachments[0].filename == "Réponse – final.pdf"
    assert parse_mime(raw_utf8).attachments[0].filename == "Réponse.pdf"


def test_an_octet_stream_attachment_gets_its_type_from_its_name():
    raw = with_attachments([("Response.pdf", "application/octet-stream", PDF)])

    assert parse_mime(raw).attachments[0].content_type == "application/pdf"


def test_an_attached_email_becomes_an_eml_file():
    inner = message(body="The original request.\n")
    raw = (
        b"From: foi@council.gov.uk\nTo: " + REPLY_ADDRESS.encode() + b"\nSubject: Fwd\n"
        b'Content-Type: multipart/mixed; boundary="o"\n\n--o\nContent-Type: text/plain\n\n'
        b"See below.\n--o\nContent-Type: message/rfc822\n\n" + inner + b"\n--o--\n"
    )

    email = parse_mime(raw)

    assert email.text == "See below."
    [eml] = email.attachments
    assert eml.filename == "RE Freedom of Information request.eml"
    assert eml.content_type == "message/rfc822"
    assert parse_mime(eml.data).text == "The original request.\n"


def test_x_mailgun_recipient_counts_as_delivered_to():
    raw = message(headers="X-Mailgun-Recipient: FOI+ABC@replies.example.org\n")

    email = parse_mime(raw)

    assert email.delivered_to == ["foi+abc@replies.example.org"]
    assert "foi+abc@replies.example.org" in email.recipients


def test_dates_are_aware_utc_or_none():
    def date_of(value: str) -> datetime | None:
        return parse_mime(message(headers=f"Date: {value}\n")).date

    assert date_of("Tue, 4 Sep 2018 14:03:11 +0100") == datetime(2018, 9, 4, 13, 3, 11, tzinfo=UTC)
    assert date_of("4 Sep 2018 14:03:11 -0000") == datetime(2018, 9, 4, 14, 3, 11, tzinfo=UTC)
    assert date_of("yesterday afternoon") is None
    assert date_of("Tue, 99 Sep 99999 99:99:99 +9999") is None


def test_text_parts_around_an_inline_attachment_are_joined():
    raw = (
        b'From: a@council.gov.uk\nContent-Type: multipart/mixed; boundary="m"\n\n'
        b"--m\nContent-Type: text/plain\n\nFirst part.\n"
        b"--m\nContent-Type: application/pdf\nContent-Disposition: inline; filename=a.pdf\n\n"
        b"%PDF\n--m\nContent-Type: text/plain\n\nSecond part.\n--m--\n"
    )

    email = parse_mime(raw)

    assert email.text == "First part.\nSecond part."
    assert [f.filename for f in email.attachments] == ["a.pdf"]


def test_a_calendar_part_in_an_alternative_is_an_attachment():
    raw = (
        b'From: a@council.gov.uk\nContent-Type: multipart/alternative; boundary="a"\n\n'
        b"--a\nContent-Type: text/plain\n\nMeeting.\n"
        b"--a\nContent-Type: text/html\n\n<p>Meeting.</p>\n"
        b"--a\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\n--a--\n"
    )

    email = parse_mime(raw)

    assert (email.text, email.html) == ("Meeting.", "<p>Meeting.</p>")
    assert [(f.filename, f.content_type) for f in email.attachments] == [
        ("attachment-1.ics", "text/calendar")
    ]


def test_limits_can_be_tightened_per_call():
    raw = with_attachments([("a.pdf", "application/pdf", PDF), ("b.pdf", "application/pdf", PDF)])

    email = parse_mime(raw, InboundLimits(max_attachments=1))

    assert [f.filename for f in email.attachments] == ["a.pdf"]
    assert [(r.filename, r.reason) for r in email.refused] == [
        ("b.pdf", "over the limit of 1 attachments for one message")
    ]
