"""Broken, huge and hostile bytes: parse_mime answers each quickly and says what was wrong."""

from __future__ import annotations

import base64
import os
import random
import time

import pytest
from mail_samples import PDF, REPLY_ADDRESS, fixture, message, with_attachments

from campaign.mail import inbound
from campaign.mail.inbound import InboundEmail, InboundLimits, RefusedPart, parse_mime

# A guard against hangs (quadratic parsing), not a speed test: speed is benchmarked.
HANG_GUARD_SECONDS = 20

MB = 1024 * 1024


def timed(raw: bytes, limits: InboundLimits = inbound.DEFAULT_LIMITS) -> tuple[InboundEmail, float]:
    started = time.perf_counter()
    email = parse_mime(raw, limits)
    return email, time.perf_counter() - started


def test_empty_bytes_give_an_empty_email_with_a_stable_id():
    email = parse_mime(b"")

    assert email.message_id_missing
    assert email.message_id == parse_mime(b"").message_id
    assert (email.subject, email.text, email.html, email.attachments) == ("", "", "", [])


def test_two_hundred_random_inputs_never_raise():
    seeds = [fixture(name) for name in ("reply-with-pdf.eml", "bounce.eml", "outlook-related.eml")]
    generator = random.Random(20180904)
    for round_number in range(200):
        kind = round_number % 4
        if kind == 0:
            raw = generator.randbytes(generator.randrange(0, 4096))
        elif kind == 1:  # a real message with bytes flipped
            raw = bytearray(generator.choice(seeds))
            for _ in range(generator.randrange(1, 40)):
                raw[generator.randrange(len(raw))] = generator.randrange(256)
            raw = bytes(raw)
        elif kind == 2:  # a real message cut anywhere
            seed = generator.choice(seeds)
            raw = seed[: generator.randrange(len(seed))]
        else:  # header-like junk
            lines = [
                generator.choice([b"Content-Type: multipart/mixed; boundary=", b"--", b"=?", b""])
                + generator.randbytes(generator.randrange(0, 60))
                for _ in range(generator.randrange(1, 60))
            ]
            raw = b"\n".join(lines)

        email = parse_mime(raw)

        assert isinstance(email, InboundEmail)
        assert email.message_id and len(email.message_id) <= 255
        assert "\x00" not in email.text + email.html + email.subject
        assert all(0 < len(f.filename) <= 255 for f in email.attachments)


@pytest.mark.parametrize("value", [None, bytearray(b"Subject: x\n\nhi"), "Subject: x\n\nhi"])
def test_wrong_input_types_do_not_raise(value):
    assert isinstance(parse_mime(value), InboundEmail)


def test_nul_bytes_are_removed_from_text_and_headers():
    raw = message(body="Dear\x00 requester\x00\n").replace(b"Subject: RE", b"Subject: R\x00E")

    email = parse_mime(raw)

    assert email.text == "Dear requester\n"
    assert email.subject == "R E: Freedom of Information request"
    assert "NUL characters were removed from the text body" in email.defects


def test_multiparts_nested_a_thousand_deep_are_read_quickly_without_recursion_errors():
    depth = 1000
    raw = b"From: a@council.gov.uk\nSubject: nested\n"
    for level in range(depth):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (level, level)
    raw += b"Content-Type: text/plain\n\ndeep inside\n"
    for level in reversed(range(depth)):
        raw += b"--b%d--\n" % level

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert email.subject == "nested"
    assert any("were not unpacked" in d or "nested deeper" in d for d in email.defects)


def test_messages_attached_inside_messages_a_thousand_deep_are_read_quickly():
    raw = (
        b"From: a@council.gov.uk\nSubject: outer\n"
        + (b"Content-Type: message/rfc822\n\nSubject: inner\n" * 1000)
        + b"\nbody\n"
    )

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert email.subject == "outer"


def test_a_megabyte_of_headers_is_cut_at_the_limit_and_the_body_survives():
    junk = b"".join(b"X-Junk-%06d: %s\n" % (n, b"x" * 40) for n in range(20000))
    raw = b"Subject: still here\nFrom: foi@council.gov.uk\n" + junk + b"\nthe body\n"

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert email.subject == "still here" and email.from_address == "foi@council.gov.uk"
    assert email.text == "the body\n"
    assert "the headers are larger than 256 KB; the rest were dropped" in email.defects


def test_one_endless_header_line_is_dropped():
    raw = b"Subject: ok\nX-Long: " + b"a" * (3 * MB)

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS and email.subject == "ok"


@pytest.mark.parametrize(
    "field",
    [
        b"Content-Type: multipart/mixed; boundary=b; " + b'a="x;' * 40000,
        b"Content-Type: text/plain; " + b"".join(b"name*%d*=x;" % n for n in range(40000)),
        b"Content-Disposition: attachment; filename=" + b"\n " * 100000 + b"x.pdf",
    ],
)
def test_giant_content_parameters_are_cut_before_the_stdlib_parses_them(field):
    raw = (
        b"From: a@council.gov.uk\nSubject: params\n"
        b'Content-Type: multipart/mixed; boundary="outer"\n\n'
        b"--outer\n" + field + b"\n\nbody\n--outer--\n"
    )

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert email.subject == "params"
    assert any("the rest of it was ignored" in d for d in email.defects)


@pytest.mark.parametrize(
    "header",
    [
        "To: " + "(" * 50000 + "\n",
        "To: " + "a:" * 50000 + "\n",
        "To: " + ", ".join(f"person{n}@council.gov.uk" for n in range(5000)) + "\n",
        "Cc: " + '"\\' * 30000 + "\n",
        "Subject: " + "=?a?q?" * 40000 + "\n",
        "References: " + "<" * 100000 + "\n",
        "Date: " + "9" * 100000 + "\n",
    ],
)
def test_hostile_header_values_are_survived_quickly(header):
    email, seconds = timed(message(headers=header))

    assert seconds < HANG_GUARD_SECONDS
    assert isinstance(email, InboundEmail)
    assert len(email.to) <= inbound.MAX_ADDRESSES
    assert len(email.subject) <= 998


def test_five_hundred_attachments_keep_the_first_hundred_and_list_the_rest():
    files = [(f"page-{n:03d}.pdf", "application/pdf", PDF + b"%d" % n) for n in range(500)]

    email, seconds = timed(with_attachments(files))

    assert seconds < HANG_GUARD_SECONDS
    assert [f.filename for f in email.attachments] == [f"page-{n:03d}.pdf" for n in range(100)]
    reason = "over the limit of 100 attachments for one message"
    # Two hundred are named one by one; one more line counts the rest.
    assert email.refused[:200] == [
        RefusedPart(f"page-{n:03d}.pdf", reason) for n in range(100, 300)
    ]
    assert email.refused[200:] == [RefusedPart("200 more parts", reason)]


def test_a_message_of_countless_tiny_parts_is_read_up_to_ten_thousand_of_them():
    raw = b'From: a@council.gov.uk\nContent-Type: multipart/mixed; boundary="b"\n\n' + b"".join(
        b"--b\nContent-Type: application/pdf\n\n%d\n" % n for n in range(50_000)
    )

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert len(email.attachments) == 100 and len(email.refused) == 201
    assert email.refused[-1] == RefusedPart(
        "9700 more parts", "over the limit of 100 attachments for one message"
    )
    assert "the message has more than 10,000 parts; the rest was not read" in email.defects


def test_a_30_mb_attachment_is_kept_under_the_limit_and_refused_over_it():
    data = os.urandom(30 * MB)
    raw = with_attachments([("scan.pdf", "application/pdf", data)])

    kept, seconds = timed(raw)
    refused = parse_mime(raw, InboundLimits(max_attachment_bytes=20 * MB))

    assert seconds < HANG_GUARD_SECONDS
    assert kept.attachments[0].data == data
    assert refused.attachments == []
    assert [(r.filename, r.reason) for r in refused.refused] == [
        ("scan.pdf", "larger than the 20 MB limit for one attachment")
    ]


def test_a_message_over_the_overall_limit_has_only_its_headers_read(monkeypatch):
    monkeypatch.setattr(inbound, "MAX_MESSAGE_BYTES", 10_000)
    raw = with_attachments([("big.pdf", "application/pdf", os.urandom(20_000))])

    email = parse_mime(raw)

    assert email.subject == "Response" and email.to == [REPLY_ADDRESS]
    assert email.attachments == [] and email.text == ""
    assert any("only its headers were read" in d for d in email.defects)


def test_a_multipart_without_a_boundary_is_read_as_text():
    raw = b"From: a@council.gov.uk\nContent-Type: multipart/mixed\n\nplain words\n"

    email = parse_mime(raw)

    assert email.text == "plain words\n"
    assert any("declares no boundary" in d for d in email.defects)


def test_base64_with_only_garbage_and_a_bad_length_gives_what_it_can():
    raw = message(body="!!!!QUJD\nR", encoding="base64", content_type="application/pdf")

    email = parse_mime(raw)

    [file] = email.attachments
    assert file.data == b"ABC"
    assert email.defects


def test_a_punycode_label_on_a_large_8bit_body_does_not_stall():
    body = ("é" * 400_000).encode()
    raw = message(content_type="text/plain; charset=punycode", encoding="8bit").split(b"\n\n")[0]

    email, seconds = timed(raw + b"\n\n" + body)

    assert seconds < HANG_GUARD_SECONDS and email.text == "é" * 400_000


def test_a_base64_body_with_an_unknown_transfer_encoding_is_kept_as_sent():
    encoded = base64.b64encode(b"hello")
    raw = message(body=encoded.decode(), encoding="x-gzip64", content_type="application/pdf")

    email = parse_mime(raw)

    assert email.attachments[0].data == encoded
    assert any("unknown transfer encoding" in d for d in email.defects)


def test_a_parser_bug_still_returns_a_value_that_keeps_the_message(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(inbound._Reader, "read", broken)

    email = parse_mime(b"Subject: x\n\nbody")

    assert email.message_id.endswith("@missing-message-id.invalid")
    assert email.defects == ["the message could not be read (RuntimeError)"]


def test_millions_of_tiny_lines_are_read_up_to_the_line_limit():
    raw = b"From: a@council.gov.uk\nSubject: lines\n\n" + b"a\n" * (inbound.MAX_LINES + 100_000)

    email, seconds = timed(raw)

    assert seconds < HANG_GUARD_SECONDS
    assert email.text.count("\n") < inbound.MAX_LINES
    assert "the message has more than 2,000,000 lines; the rest was not read" in email.defects
