"""`campaign parse-reply`: one JSON object out, exit 2 and one line on stderr for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import campaign.cli_parsing
from campaign.cli_parsing import parse_reply
from campaign.parsing.ocr import find_tesseract

from .factories import CORPUS, make_docx, make_email, make_pdf

COVENTRY = CORPUS / "replies" / "coventry-req04543.txt"
COVENTRY_JSON = {
    "reference_id": "REQ04543",
    "kind": "response",
    "outcome": "partially_successful",
    "exemptions": ["s21"],
    "mentions": ["FFT Aspire", "Nexus", "Capita One", "Risk Based Verification"],
    "review_window_days": 40,
    "answers": [],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(parse_reply, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def test_text_reply_prints_the_analysis_as_json():
    code, out, _ = run(COVENTRY)
    assert code == 0
    assert json.loads(out) == COVENTRY_JSON


def test_json_flag_prints_one_compact_line():
    code, out, _ = run("--json", COVENTRY)
    assert code == 0
    assert out.count("\n") == 1 and json.loads(out) == COVENTRY_JSON


def test_questions_file_gives_one_answer_per_question_in_order():
    questions = CORPUS / "questions" / "coventry-req04543.txt"
    code, out, _ = run(COVENTRY, "--questions", questions)
    assert code == 0
    answers = json.loads(out)["answers"]
    assert [answer["question"] for answer in answers] == [1, 2, 3, 4, 5, 6, 7]
    assert {"outcome", "exemptions", "excerpt", "page"} <= set(answers[0])


@pytest.mark.parametrize(
    "original",
    ["djl-kent-1189733.docx", "djl-southwark-943388.pdf", "djl-suffolk-16079.doc"],
)
def test_original_documents_are_read(original):
    code, out, _ = run("--json", CORPUS / "originals" / original)
    assert code == 0
    assert json.loads(out)["reference_id"] == original.rsplit("-", 1)[1].split(".")[0]


def test_scanned_pdf_is_read_by_ocr_or_warns_that_ocr_is_needed():
    code, out, err = run(CORPUS / "documents" / "script-for-custody-officers.pdf")
    assert code == 0
    assert json.loads(out)["kind"] == "other"
    if find_tesseract():
        assert "OCR is needed" not in err
    else:
        assert "OCR is needed" in err


def test_email_reply_reads_subject_body_and_attached_letter(tmp_path: Path):
    letter = make_pdf(
        [
            [
                "Freedom of Information Act 2000",
                "Dear Requester,",
                "Unfortunately the Council does not hold the information you requested.",
                "If you are unhappy you may ask for an internal review within 40 working days.",
            ]
        ]
    )
    raw = make_email(
        subject="RE: Freedom of Information Request - FOI/2024/0815",
        body="Dear Sir/Madam,\n\nPlease find attached our formal response to your request.\n",
        attachments=[("Response.pdf", "application/pdf", letter)],
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(raw)
    code, out, _ = run("--json", path)
    assert code == 0
    assert json.loads(out) == {
        "reference_id": "FOI/2024/0815",
        "kind": "response",
        "outcome": "not_held",
        "exemptions": [],
        "mentions": [],
        "review_window_days": 40,
        "answers": [],
    }


def test_email_bounce_is_a_bounce(tmp_path: Path):
    raw = make_email(
        subject="Undeliverable: Freedom of Information request",
        body="Delivery has failed to these recipients or groups:\n\nfoi@old.example.gov.uk\n",
    )
    path = tmp_path / "bounce.eml"
    path.write_bytes(raw)
    code, out, _ = run(path)
    assert code == 0
    assert json.loads(out)["kind"] == "bounce"


def test_word_reply_without_a_letterhead_reference(tmp_path: Path):
    path = tmp_path / "response.docx"
    path.write_bytes(make_docx(["Freedom of Information Act 2000", "We do not hold this data."]))
    code, out, _ = run(path)
    assert code == 0
    assert json.loads(out)["outcome"] == "not_held"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.pdf", None, "does not exist"),
        ("junk.pdf", bytes(range(256)) * 4, "no %PDF header"),
        ("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, "damaged"),
        ("empty.txt", b"", "empty file"),
        ("blob.bin", bytes(range(1, 32)) * 40, "unsupported file type"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err


def test_directory_exits_2_with_one_line(tmp_path: Path):
    code, _, err = run(tmp_path)
    assert code == 2 and err.count("\n") == 1 and "is a directory" in err


def test_too_big_input_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(campaign.cli_parsing, "MAX_INPUT_MB", 0)
    code, _, err = run(COVENTRY)
    assert code == 2 and "larger than 0 MB" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\n\n", "has no questions"), (b"\xff\xfe\x00bad", "not UTF-8 text")],
)
def test_bad_questions_file_exits_2(tmp_path: Path, content, message):
    questions = tmp_path / "questions.txt"
    questions.write_bytes(content)
    code, _, err = run(COVENTRY, "--questions", questions)
    assert code == 2 and message in err


def test_installed_campaign_command_runs_parse_reply(tmp_path: Path):
    command = Path(sys.executable).with_name("campaign")
    env = {**os.environ, "CAMPAIGN_DATA_DIR": str(tmp_path)}
    finished = subprocess.run(
        [str(command), "parse-reply", "--json", str(COVENTRY)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == COVENTRY_JSON
