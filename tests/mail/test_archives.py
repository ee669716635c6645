"""Zips and winmail.dat: their documents come out, within limits, and the archive stays."""

# ruff: noqa: RUF001 - replies are full of en dashes, curly quotes and Cyrillic, on purpose

from __future__ import annotations

import os
import random
import struct
import time
import zipfile

import pytest
from mail_samples import (
    PDF,
    mapi_unicode,
    mark_encrypted,
    tnef_object,
    winmail,
    with_attachments,
    zip_bytes,
)
from tnefparse.tnef import TNEF

from campaign.mail.archives import ExpansionBudget, expand_archive
from campaign.mail.inbound import InboundFile, InboundLimits, parse_mime

# A guard against hangs (quadratic parsing), not a speed test: speed is benchmarked.
HANG_GUARD_SECONDS = 20

MB = 1024 * 1024


def expand(name: str, data: bytes, limits: InboundLimits | None = None, room: int = 100):
    limits = limits or InboundLimits()
    file = InboundFile(name, "application/zip", data)
    return expand_archive(
        file, limits, room=room, budget=ExpansionBudget(limits.max_archive_total_bytes)
    )


def test_a_zip_of_pdfs_is_kept_and_its_pdfs_come_out_named_and_labelled():
    archive = zip_bytes(
        [("REQ04543/Response.pdf", PDF), ("REQ04543/Annex A.pdf", PDF + b"A"), ("REQ04543/", b"")]
    )

    email = parse_mime(with_attachments([("replies.zip", "application/zip", archive)]))

    assert [(f.filename, f.content_type, f.container) for f in email.attachments] == [
        ("replies.zip", "application/zip", None),
        ("Response.pdf", "application/pdf", "replies.zip"),
        ("Annex A.pdf", "application/pdf", "replies.zip"),
    ]
    assert email.attachments[2].data == PDF + b"A"
    assert email.refused == []


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:\\Users\\foi\\answer.pdf", "answer.pdf"),
        ("dir/\u202eexe.pdf", "exe.pdf"),
        ("..", "replies-member-1.bin"),
    ],
)
def test_member_paths_are_reduced_to_a_safe_name(member, expected):
    expansion = expand("replies.zip", zip_bytes([(member, PDF)]))

    assert [f.filename for f in expansion.files] == [expected]


def test_mac_and_windows_litter_is_skipped():
    archive = zip_bytes(
        [("a.pdf", PDF), ("__MACOSX/._a.pdf", b"x"), (".DS_Store", b"x"), ("Thumbs.db", b"x")]
    )

    assert [f.filename for f in expand("r.zip", archive).files] == ["a.pdf"]


def test_a_member_that_would_expand_over_200_times_is_refused_as_a_bomb():
    archive = zip_bytes([("zeros.pdf", bytes(10 * MB)), ("real.pdf", PDF)])

    expansion = expand("bomb.zip", archive)

    assert [f.filename for f in expansion.files] == ["real.pdf"]
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("zeros.pdf", "compression ratio over 200 to 1 (zip bomb guard)")
    ]


def test_small_members_may_compress_well():
    expansion = expand("r.zip", zip_bytes([("blank.txt", bytes(100_000))]))

    assert [f.filename for f in expansion.files] == ["blank.txt"]


def test_more_members_than_allowed_refuses_the_listing_and_keeps_the_zip():
    archive = zip_bytes([(f"page-{n}.pdf", PDF) for n in range(201)])

    email = parse_mime(with_attachments([("many.zip", "application/zip", archive)]))

    assert [f.filename for f in email.attachments] == ["many.zip"]
    assert [(r.filename, r.reason) for r in email.refused] == [
        ("many.zip", "zip member count over 200")
    ]


def test_a_directory_claiming_a_huge_member_count_is_refused_before_it_is_read():
    archive = bytearray(zip_bytes([("a.pdf", PDF)]))
    end = archive.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", archive, end + 8, 60000, 60000)

    expansion = expand("liar.zip", bytes(archive))

    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("liar.zip", "zip member count over 200")
    ]


def test_expansion_past_the_total_budget_is_refused_member_by_member():
    members = [(f"scan-{n}.pdf", os.urandom(400_000)) for n in range(4)]
    limits = InboundLimits(max_archive_total_bytes=1 * MB)

    expansion = expand("scans.zip", zip_bytes(members, zipfile.ZIP_STORED), limits)

    assert [f.filename for f in expansion.files] == ["scan-0.pdf", "scan-1.pdf"]
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("scan-2.pdf", "archive would expand past 1 MB"),
        ("scan-3.pdf", "archive would expand past 1 MB"),
    ]


def test_one_budget_covers_every_archive_in_a_message():
    first = zip_bytes([("scan.pdf", os.urandom(600_000))], zipfile.ZIP_STORED)
    second = zip_bytes([("scan.pdf", os.urandom(600_000))], zipfile.ZIP_STORED)
    raw = with_attachments(
        [("one.zip", "application/zip", first), ("two.zip", "application/zip", second)]
    )

    email = parse_mime(raw, InboundLimits(max_archive_total_bytes=1 * MB))

    assert [f.filename for f in email.attachments] == ["one.zip", "scan.pdf", "two.zip"]
    assert [r.reason for r in email.refused] == ["archive would expand past 1 MB"]


def test_a_member_over_the_attachment_limit_is_refused():
    limits = InboundLimits(max_attachment_bytes=100_000)

    expansion = expand("r.zip", zip_bytes([("big.pdf", os.urandom(200_000))]), limits)

    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("big.pdf", "larger than the 97.66 KB limit for one attachment")
    ]


def test_zips_nested_past_two_levels_are_kept_but_not_opened():
    level3 = zip_bytes([("deepest.pdf", PDF)])
    level2 = zip_bytes([("inner.pdf", PDF), ("level3.zip", level3)])
    level1 = zip_bytes([("outer.pdf", PDF), ("level2.zip", level2)])

    expansion = expand("level1.zip", level1)

    assert [(f.filename, f.container) for f in expansion.files] == [
        ("outer.pdf", "level1.zip"),
        ("level2.zip", "level1.zip"),
        ("inner.pdf", "level1.zip/level2.zip"),
        ("level3.zip", "level1.zip/level2.zip"),
    ]
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("level3.zip", "nested archive deeper than 2 levels")
    ]


def test_encrypted_members_are_refused():
    expansion = expand("secret.zip", mark_encrypted(zip_bytes([("secret.pdf", PDF)])))

    assert expansion.files == []
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("secret.pdf", "encrypted zip member")
    ]


def test_bzip2_members_are_refused_because_they_decompress_without_a_bound():
    expansion = expand("b.zip", zip_bytes([("a.pdf", PDF)], zipfile.ZIP_BZIP2))

    assert [r.reason for r in expansion.refused] == [
        "zip member compressed with a method this tool does not unpack"
    ]


def test_a_damaged_member_is_refused_and_the_others_come_out():
    archive = bytearray(zip_bytes([("bad.pdf", PDF), ("good.pdf", PDF)], zipfile.ZIP_STORED))
    archive[archive.find(PDF) + 3] ^= 0xFF  # breaks bad.pdf's CRC

    expansion = expand("r.zip", bytes(archive))

    assert [f.filename for f in expansion.files] == ["good.pdf"]
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("bad.pdf", "damaged zip member that could not be unpacked")
    ]


def test_room_left_in_the_message_caps_what_comes_out():
    archive = zip_bytes([(f"p{n}.pdf", PDF + b"%d" % n) for n in range(5)])

    email = parse_mime(
        with_attachments([("r.zip", "application/zip", archive)]),
        InboundLimits(max_attachments=3),
    )

    assert [f.filename for f in email.attachments] == ["r.zip", "p0.pdf", "p1.pdf"]
    assert [r.filename for r in email.refused] == ["p2.pdf", "p3.pdf", "p4.pdf"]


def test_the_same_bytes_are_kept_once_per_message():
    archive = zip_bytes([("Response.pdf", PDF), ("Annex.pdf", PDF + b"annex")])
    raw = with_attachments(
        [
            ("Response.pdf", "application/pdf", PDF),
            ("replies.zip", "application/zip", archive),
            ("copy of Response.pdf", "application/pdf", PDF),
        ]
    )

    email = parse_mime(raw)

    assert [(f.filename, f.container) for f in email.attachments] == [
        ("Response.pdf", None),
        ("replies.zip", None),
        ("Annex.pdf", "replies.zip"),
    ]
    assert email.defects == [
        "Response.pdf (in replies.zip) is the same file as Response.pdf; it is kept once",
        "copy of Response.pdf is the same file as Response.pdf; it is kept once",
    ]


def test_a_broken_zip_is_kept_as_it_is_with_a_note():
    raw = with_attachments([("broken.zip", "application/zip", b"PK\x03\x04" + os.urandom(500))])

    email = parse_mime(raw)

    assert [f.filename for f in email.attachments] == ["broken.zip"]
    assert "broken.zip is not a readable zip file; it is kept as it is" in email.defects


def test_office_documents_are_not_unpacked_although_they_are_zips():
    document = zip_bytes([("word/document.xml", b"<w:document/>")])

    email = parse_mime(with_attachments([("Response.docx", "application/zip", document)]))

    assert [f.filename for f in email.attachments] == ["Response.docx"]


# --- winmail.dat --------------------------------------------------------------------------------


def test_winmail_dat_attachments_come_out_with_their_long_names():
    blob = winmail([("Response REQ04543 – final.pdf", PDF), ("Data.xlsx", b"PK\x03\x04x")])
    assert [a.long_filename() for a in TNEF(blob).attachments] == [
        "Response REQ04543 – final.pdf",
        "Data.xlsx",
    ]  # the blob is a valid TNEF file by tnefparse's own reading

    email = parse_mime(with_attachments([("winmail.dat", "application/ms-tnef", blob)]))

    assert [(f.filename, f.content_type, f.container) for f in email.attachments] == [
        ("winmail.dat", "application/ms-tnef", None),
        ("Response REQ04543 – final.pdf", "application/pdf", "winmail.dat"),
        (
            "Data.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "winmail.dat",
        ),
    ]
    assert email.attachments[1].data == PDF
    assert email.defects == []


def test_a_zip_inside_winmail_dat_is_opened_too():
    blob = winmail([("replies.zip", zip_bytes([("a.pdf", PDF)]))])

    expansion = expand("winmail.dat", blob)

    assert [(f.filename, f.container) for f in expansion.files] == [
        ("replies.zip", "winmail.dat"),
        ("a.pdf", "winmail.dat/replies.zip"),
    ]


def test_an_invalid_winmail_dat_is_kept_as_it_is_with_a_note():
    email = parse_mime(with_attachments([("winmail.dat", "application/ms-tnef", b"not tnef")]))

    assert [f.filename for f in email.attachments] == ["winmail.dat"]
    assert email.defects == ["winmail.dat is not a readable winmail.dat; it is kept as it is"]


def test_a_winmail_dat_cut_short_gives_what_came_before_the_cut():
    blob = winmail([("first.pdf", PDF), ("second.pdf", PDF * 50)])

    expansion = expand("winmail.dat", blob[:-200])

    assert [f.filename for f in expansion.files][:1] == ["first.pdf"]
    assert expansion.defects == [
        "winmail.dat is damaged (it is cut short); what could be read was unpacked"
    ]


@pytest.mark.parametrize(
    "table",
    [
        struct.pack("<I", 0xFFFFFFFF),  # four billion properties in four bytes
        struct.pack("<I", 1) + struct.pack("<HHI", 0x1002, 0x3707, 0xFFFFFFFF),  # 4e9 shorts
        struct.pack("<I", 1) + struct.pack("<HHII", 0x001F, 0x3707, 0xFFFFFFFF, 4),
        struct.pack("<I", 1) + struct.pack("<HH", 0x001F, 0xFFFF) + b"\x00" * 16 + b"\x01",
        b"\x01",
    ],
)
def test_hostile_property_tables_do_not_stall_and_the_short_name_is_used(table):
    blob = winmail([("Response.pdf", PDF)], properties=[table])

    started = time.perf_counter()
    expansion = expand("winmail.dat", blob)

    assert time.perf_counter() - started < HANG_GUARD_SECONDS
    assert [(f.filename, f.data) for f in expansion.files] == [("RESPON~1.PDF", PDF)]


def test_an_outlook_item_embedded_in_winmail_dat_is_refused_not_parsed():
    signature = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
    embedded = signature + b"\x78\x9f\x3e\x22" + b"\xff" * 64
    table = struct.pack("<I", 1) + struct.pack("<HHII", 0x000D, 0x3701, 1, len(embedded))
    table += embedded + b"\x00" * (-len(embedded) % 4)
    blob = winmail([("Forwarded message", b"")], properties=[table])

    expansion = expand("winmail.dat", blob)

    assert expansion.files == []
    assert [r.reason for r in expansion.refused] == [
        "an Outlook item inside winmail.dat, which is not unpacked"
    ]


def test_names_in_a_non_western_codepage_come_out_right():
    long_name = winmail([("Ответ.pdf", PDF)], codepage=1251)
    short_name_only = winmail([("Ответ.pdf", PDF)], codepage=1251, properties=[None])

    assert [f.filename for f in expand("winmail.dat", long_name).files] == ["Ответ.pdf"]
    assert [f.filename for f in expand("winmail.dat", short_name_only).files] == ["ОТВЕТ~1.PDF"]


def test_random_bytes_after_a_tnef_signature_never_raise_or_stall():
    generator = random.Random(7)
    started = time.perf_counter()
    for _ in range(100):
        blob = b"\x78\x9f\x3e\x22\x00\x00" + generator.randbytes(generator.randrange(0, 3000))
        if generator.random() < 0.5:  # give it a real attachment frame to chew on
            blob += tnef_object(2, 0x9002, 6, b"") + tnef_object(2, 0x9005, 6, mapi_unicode(1, ""))
            blob += generator.randbytes(200)
        expand("winmail.dat", blob)
    assert time.perf_counter() - started < HANG_GUARD_SECONDS


def test_a_winmail_dat_with_more_files_than_room_refuses_the_rest_by_their_short_names():
    blob = winmail([(f"Page {n}.pdf", PDF + b"%d" % n) for n in range(5)])

    expansion = expand("winmail.dat", blob, room=2)

    assert [f.filename for f in expansion.files] == ["Page 0.pdf", "Page 1.pdf"]
    assert [(r.filename, r.reason) for r in expansion.refused] == [
        ("PAGE2~1.PDF", "over the limit of 100 attachments for one message"),
        ("PAGE3~1.PDF", "over the limit of 100 attachments for one message"),
        ("PAGE4~1.PDF", "over the limit of 100 attachments for one message"),
    ]
