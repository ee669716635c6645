"""Replies and attachments become text with pages, or a one-line reason why they cannot."""

from __future__ import annotations

import pytest

from campaign.parsing.documents import (
    PAGE_BREAK,
    ExtractedText,
    UnreadableDocument,
    decode_text,
    detect_type,
    extract_text,
    html_to_text,
)

from .factories import (
    CORPUS,
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_pdf_bomb,
    make_xlsx,
)

LETTER_PAGES = [
    ["Our ref: FOI/2018/1234", "Dear Sir or Madam (requester)", "We do not hold this information."],
    ["If you are unhappy you may ask for an internal review within 40 working days."],
]


def test_pdf_text_keeps_its_pages_in_order():
    extracted = extract_text(make_pdf(LETTER_PAGES), "response.pdf")
    assert extracted.method == "pdfium"
    assert len(extracted.pages) == 2
    assert "Our ref: FOI/2018/1234" in extracted.pages[0]
    assert "Dear Sir or Madam (requester)" in extracted.pages[0]
    assert "internal review within 40 working days" in extracted.pages[1]
    assert not extracted.needs_ocr
    assert extracted.text == extracted.pages[0] + PAGE_BREAK + extracted.pages[1]


def test_pdf_is_found_by_its_header_whatever_its_name_or_declared_type():
    extracted = extract_text(make_pdf(LETTER_PAGES), "attachment.dat", "application/octet-stream")
    assert "FOI/2018/1234" in extracted.text


def test_pdfplumber_engine_reads_the_same_words():
    extracted = extract_text(make_pdf(LETTER_PAGES), "response.pdf", pdf_engine="pdfplumber")
    assert extracted.method == "pdfplumber"
    assert "We do not hold this information." in extracted.pages[0]


def test_only_the_first_pages_are_read_past_the_page_limit():
    pages = [[f"Page number {n} of the released report"] for n in range(1, 6)]
    extracted = extract_text(make_pdf(pages), "report.pdf", max_pages=2)
    assert len(extracted.pages) == 2
    assert extracted.truncated


def test_original_council_pdf_reads_like_its_corpus_text():
    data = (CORPUS / "originals" / "djl-manchester-asc-awzc3p.pdf").read_bytes()
    extracted = extract_text(data, "response.pdf")
    assert "Reference Number: ASC/AWZC3P" in extracted.text
    assert "not held by Manchester City" in extracted.text


@pytest.mark.parametrize(
    "path",
    [
        "documents/script-for-custody-officers.pdf",  # scanned: no text layer at all
        "originals/djl-manchester-sol-aycbwb.pdf",  # text layer of unmapped glyph codes
    ],
)
def test_scanned_pdf_without_ocr_is_marked_needs_ocr_not_left_silently_empty(path):
    extracted = extract_text((CORPUS / path).read_bytes(), "scan.pdf", ocr=False)
    assert extracted.needs_ocr
    assert not extracted.text.strip()
    assert extracted.unread_pages == list(range(1, len(extracted.pages) + 1))
    assert "look scanned and have no text: OCR was not asked for" in extracted.note


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"", "empty.pdf", "empty file"),
        (b"   \n\t ", "blank.txt", "empty file"),
        (bytes(range(256)) * 8, "reply.pdf", "no %PDF header"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "corrupt.pdf", "damaged"),
        (b"PK\x03\x04 not really a zip", "reply.docx", "damaged zip"),
        (bytes(range(256)) * 8, "reply.docx", "not a zip archive"),
        (bytes(range(1, 32)) * 40, "blob.bin", "unsupported file type"),
    ],
)
def test_unreadable_files_say_why(data, filename, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        extract_text(data, filename)


def test_truncated_pdf_is_damaged_or_partly_read():
    data = make_pdf(LETTER_PAGES)
    truncated = data[: len(data) // 2]
    try:
        extracted = extract_text(truncated, "cut.pdf")
    except UnreadableDocument as error:
        assert "damaged" in str(error)
    else:
        assert isinstance(extracted, ExtractedText)


def test_password_protected_pdf_is_unreadable():
    with pytest.raises(UnreadableDocument, match="password-protected"):
        extract_text(make_encrypted_pdf(), "secret.pdf")


def test_pdf_bomb_stops_at_the_memory_ceiling():
    with pytest.raises(UnreadableDocument, match="needs more memory than 100 MB"):
        extract_text(make_pdf_bomb(200), "bomb.pdf", memory_limit_mb=100)


def test_word_reply_keeps_paragraphs_and_tables_in_order():
    data = make_docx(
        ["Our ref: FOI 18-0501", "Please see the answers below."],
        table=[["Question", "Answer"], ["Do you use Capita One?", "Yes, since 2016."]],
    )
    extracted = extract_text(data, "response.docx")
    text = extracted.text
    assert text.index("Please see the answers below.") < text.index("Do you use Capita One?")
    assert "Do you use Capita One?\tYes, since 2016." in text
    assert text.index("Yes, since 2016.") < text.index("Yours sincerely")
    assert extracted.tables_on(1) == [
        [["Question", "Answer"], ["Do you use Capita One?", "Yes, since 2016."]]
    ]


def test_excel_sheets_become_pages_of_tab_separated_rows():
    data = make_xlsx(
        {"Contracts": [["Supplier", "Value", "Start"], ["Xantura", 12000.0, None]], "Notes": []}
    )
    extracted = extract_text(data, "data.xlsx")
    assert extracted.method == "xlsx"
    assert extracted.pages[0] == "Contracts\nSupplier\tValue\tStart\nXantura\t12000"
    assert extracted.pages[1] == "Notes"
    assert extracted.tables == [[[["Supplier", "Value", "Start"], ["Xantura", "12000"]]], []]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'Question;Answer\r\n1;Not held\r\n2;"Yes; see the link"\r\n', ""),
        (b'Question,Answer\n1,Not held\n2,"Yes; see the link"\n', "text/csv"),
    ],
)
def test_csv_is_one_sheet_whatever_its_delimiter(data, content_type):
    extracted = extract_text(data, "answers.csv", content_type)
    assert extracted.method == "csv"
    assert extracted.pages == ["Question\tAnswer\n1\tNot held\n2\tYes; see the link"]
    assert extracted.tables_on(1) == [
        [["Question", "Answer"], ["1", "Not held"], ["2", "Yes; see the link"]]
    ]


def test_legacy_word_doc_text_is_recovered():
    data = (CORPUS / "originals" / "djl-suffolk-16079.doc").read_bytes()
    extracted = extract_text(data, "response.doc")
    assert extracted.method == "doc"
    assert "Freedom of Information \u2013 Response \u2013 16079" in extracted.text
    assert "HYPERLINK" not in extracted.text


def test_html_reply_reads_as_lines_without_scripts_or_styles():
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        "<p>Our reference: 3375675</p><div>Dear Sir/Madam<br>Thank you &amp; regards</div>"
        "<script>alert('x')</script><table><tr><td>Q1</td><td>Yes</td></tr></table></body></html>"
    )
    assert (
        html_to_text(html)
        == "Our reference: 3375675\n\nDear Sir/Madam\nThank you & regards\n\nQ1\tYes"
    )
    assert extract_text(html.encode(), "reply.html").text == html_to_text(html)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Council\u2019s reply".encode(), "Council\u2019s reply"),
        ("Council\u2019s reply".encode("cp1252"), "Council\u2019s reply"),
        (b"\xef\xbb\xbfOur ref", "Our ref"),
        ("Café".encode("utf-16"), "Café"),
    ],
)
def test_text_is_decoded_from_the_usual_encodings(data, expected):
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"Return-Path: <a@b>\nFrom: a@b\nSubject: x\nTo: c@d\n\nbody", "reply", "eml"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "reply", "html"),
        (b"{\\rtf1\\ansi Hello}", "reply.txt", "rtf"),
        (b"{\\rtf1\\ansi Hello}", "reply.doc", "rtf"),
        (b"<html><body><p>Our ref: 1</p></body></html>", "reply.doc", "html"),
        (b"Dear Sir, thank you.", "reply", "text"),
        (b"From: a@b\nTo: c@d\nSubject: x\n\nDear Sir", "pasted-email.txt", "text"),
    ],
)
def test_type_is_sniffed_from_content(data, filename, kind):
    assert detect_type(data, filename) == kind


def test_rtf_letter_gives_its_visible_text():
    rtf = rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Our ref: FOI 123\par Dear Sir\'92s team\par}"
    assert extract_text(rtf, "letter.rtf").text == "Our ref: FOI 123\nDear Sir\u2019s team"
