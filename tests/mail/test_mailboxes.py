"""Replies read from disk: each message as bytes with a label, each problem as a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mail_samples import fixture, message

from campaign.mail.inbound import parse_mime
from campaign.mail.mailboxes import MailSource, iter_mail_sources


def sources(*paths: Path, **options) -> list[MailSource]:
    return list(iter_mail_sources(paths, **options))


def mbox_text(bodies: list[str]) -> bytes:
    chunks = []
    for number, body in enumerate(bodies, 1):
        chunks.append(
            f"From foi@council.gov.uk Tue Sep  4 14:03:1{number} 2018\n"
            f"From: foi@council.gov.uk\nSubject: Reply {number}\n"
            f"Message-ID: <mbox-{number}@council.gov.uk>\n\n{body}\n"
        )
    return "\n".join(chunks).encode()


def test_a_single_eml_file_is_read_as_it_is(tmp_path):
    path = tmp_path / "reply.eml"
    path.write_bytes(fixture("reply-with-pdf.eml"))

    assert sources(path) == [MailSource("reply.eml", fixture("reply-with-pdf.eml"), None)]


def test_an_mbox_gives_each_message_with_from_lines_unescaped(tmp_path):
    path = tmp_path / "replies.mbox"
    path.write_bytes(
        mbox_text(
            [
                "First reply.",
                ">From the council's point of view, this is not held.\n>>From quoted.",
                "Third reply.",
            ]
        )
    )

    found = sources(path)

    assert [(s.label, s.error) for s in found] == [
        ("replies.mbox #1", None),
        ("replies.mbox #2", None),
        ("replies.mbox #3", None),
    ]
    second = parse_mime(found[1].raw)
    assert second.subject == "Reply 2"
    assert second.text.startswith("From the council's point of view, this is not held.\n>From")
    assert [parse_mime(s.raw).message_id for s in found] == [
        "mbox-1@council.gov.uk",
        "mbox-2@council.gov.uk",
        "mbox-3@council.gov.uk",
    ]


def test_a_maildir_gives_new_and_cur_messages_and_ignores_tmp(tmp_path):
    maildir = tmp_path / "Maildir"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "new" / "1536069791.M1P2.host").write_bytes(message(message_id="<new@x.org>"))
    (maildir / "cur" / "1234.host:2,S").write_bytes(message(message_id="<cur@x.org>"))
    (maildir / "tmp" / "5678.host").write_bytes(b"half-written")
    (maildir / ".Archive" / "cur").mkdir(parents=True)
    (maildir / ".Archive" / "new").mkdir()
    (maildir / ".Archive" / "cur" / "99.host:2,S").write_bytes(message(message_id="<old@x.org>"))

    found = sources(maildir)

    assert [s.label for s in found] == [
        "Maildir/new/1536069791.M1P2.host",
        "Maildir/cur/1234.host:2,S",
        "Maildir/.Archive/cur/99.host:2,S",
    ]
    assert all(s.error is None for s in found)


def test_a_folder_is_walked_for_emails_mailboxes_and_maildirs(tmp_path):
    root = tmp_path / "import"
    (root / "2018" / "september").mkdir(parents=True)
    (root / "2018" / "september" / "reply.eml").write_bytes(fixture("reply-with-pdf.eml"))
    (root / "2018" / "export").write_bytes(mbox_text(["One.", "Two."]))
    (root / "2018" / "notes.txt").write_text("My notes about the campaign.")
    (root / "2018" / "saved-without-extension").write_bytes(fixture("bounce.eml"))
    (root / "response.pdf").write_bytes(b"%PDF-1.4")
    (root / ".hidden.eml").write_bytes(message())
    (root / "box" / "cur").mkdir(parents=True)
    (root / "box" / "new").mkdir()
    (root / "box" / "cur" / "1.host:2,S").write_bytes(message())
    (root / "outlook.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))

    found = sources(root)

    assert [(s.label, s.error) for s in found] == [
        ("import/outlook.msg", "an Outlook .msg file; save it from Outlook as .eml"),
        ("import/2018/export #1", None),
        ("import/2018/export #2", None),
        ("import/2018/saved-without-extension", None),
        ("import/2018/september/reply.eml", None),
        ("import/box/cur/1.host:2,S", None),
    ]


def test_a_missing_path_is_an_error_item(tmp_path):
    assert sources(tmp_path / "nowhere.mbox") == [
        MailSource("nowhere.mbox", None, "no such file or folder")
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_an_error_item(tmp_path):
    path = tmp_path / "locked.eml"
    path.write_bytes(message())
    path.chmod(0)

    assert sources(path) == [MailSource("locked.eml", None, "could not be read: permission denied")]


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_file_whose_read_fails_is_an_error_item(tmp_path):
    path = tmp_path / "failing.eml"
    path.symlink_to("/proc/self/mem")  # a regular file that refuses to be read from offset 0

    [item] = sources(path)

    assert item.raw is None and item.error.startswith("could not be read")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.eml"
    os.mkfifo(path)

    assert sources(path) == [MailSource("pipe.eml", None, "not a regular file or folder")]
    assert sources(tmp_path) == [
        MailSource(f"{tmp_path.name}/pipe.eml", None, "not a regular file")
    ]


def test_messages_over_the_size_limit_are_refused_unread(tmp_path):
    (tmp_path / "big.eml").write_bytes(message(body="x" * 5000))
    (tmp_path / "box.mbox").write_bytes(mbox_text(["small", "y" * 5000]))

    found = sources(tmp_path, max_message_bytes=2000)

    assert [(s.label, s.error) for s in found] == [
        (f"{tmp_path.name}/big.eml", "larger than the 1.953 KB limit for one message"),
        (f"{tmp_path.name}/box.mbox #1", None),
        (f"{tmp_path.name}/box.mbox #2", "larger than the 1.953 KB limit for one message"),
    ]


def test_empty_and_odd_files_given_by_name_say_why(tmp_path):
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "empty.mbox").write_bytes(b"")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(50))

    found = sources(tmp_path / "empty.eml", tmp_path / "empty.mbox", tmp_path / "photo.jpg")

    assert [(s.label, s.error) for s in found] == [
        ("empty.eml", "the file is empty"),
        ("empty.mbox", "the mailbox holds no messages"),
        ("photo.jpg", "does not look like an email message or a mailbox"),
    ]


def test_apple_mail_emlx_is_cut_to_its_stated_length(tmp_path):
    raw = message()
    (tmp_path / "1.emlx").write_bytes(b"%d\n" % len(raw) + raw + b"<?xml version='1.0'?><plist/>")

    [item] = sources(tmp_path / "1.emlx")

    assert item.raw == raw


def test_folders_are_walked_without_following_links_in_circles(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "reply.eml").write_bytes(message())
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)

    assert [s.label for s in sources(tmp_path)] == [f"{tmp_path.name}/a/reply.eml"]
