"""`campaign parse-reply`: read one reply file and print what the parser finds, as JSON.

A plain click command with no app context: it needs no database and no settings, so it can be
pointed at any file a campaigner downloaded, and evaluation can run it on replies it has never
seen. Unreadable input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from campaign.parsing.documents import (
    ExtractedText,
    UnreadableDocument,
    detect_type,
    extract_text,
    html_to_text,
)
from campaign.parsing.reply import ReplyAnalysis, analyse_reply

MAX_INPUT_MB = 50
MAX_QUESTIONS = 200
MAX_QUESTION_CHARS = 5000
# Read as the body of the reply; every other type is read as the letter attached to it.
_BODY_TYPES = {"text", "html", "rtf"}


class _Unreadable(Exception):
    """Input the command cannot read; the message is the one line printed on stderr."""


@click.command("parse-reply")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(path_type=Path),
    help="File with the request's questions, one per line, in order.",
)
@click.option("--json", "compact", is_flag=True, help="Print compact single-line JSON.")
def parse_reply(path: Path, questions_file: Path | None, compact: bool) -> None:
    """Read one reply (PDF, DOCX, XLSX, HTML, .eml or text) and print its analysis as JSON."""
    try:
        questions = _read_questions(questions_file) if questions_file else []
        analysis = _analyse_file(path, questions)
    except _Unreadable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if compact:
        click.echo(json.dumps(analysis.to_json(), ensure_ascii=False, separators=(",", ":")))
    else:
        click.echo(json.dumps(analysis.to_json(), ensure_ascii=False, indent=2))


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_MB * 1024 * 1024:
            raise _Unreadable(f"{what} {path} is larger than {MAX_INPUT_MB} MB")
        return path.read_bytes()
    except FileNotFoundError:
        raise _Unreadable(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise _Unreadable(f"{what} {path} is a directory") from None
    except OSError as error:
        raise _Unreadable(f"cannot read {what} {path}: {error.strerror or error}") from None


def _read_questions(path: Path) -> list[str]:
    data = _read_bytes(path, "questions file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Unreadable(f"questions file {path} is not UTF-8 text") from None
    questions = [line.strip() for line in text.splitlines() if line.strip()]
    if not questions:
        raise _Unreadable(f"questions file {path} has no questions (one per line)")
    if len(questions) > MAX_QUESTIONS:
        raise _Unreadable(f"questions file {path} has more than {MAX_QUESTIONS} questions")
    if any(len(question) > MAX_QUESTION_CHARS for question in questions):
        raise _Unreadable(f"questions file {path} has a line longer than {MAX_QUESTION_CHARS}")
    return questions


def _analyse_file(path: Path, questions: list[str]) -> ReplyAnalysis:
    data = _read_bytes(path, "file")
    try:
        kind = detect_type(data, path.name)
        if kind == "eml":
            return _analyse_email(data, questions)
        extracted = extract_text(data, path.name)
    except UnreadableDocument as error:
        raise _Unreadable(f"{path.name}: {error}") from None
    if extracted.needs_ocr:
        detail = f" ({extracted.note})" if extracted.note else ""
        click.echo(
            f"warning: {path.name} has no text layer (a scan); OCR is needed{detail}", err=True
        )
    if kind in _BODY_TYPES or extracted.method == "msg":
        return analyse_reply(body=extracted.text, questions=questions)
    return analyse_reply(documents=[(path.name, extracted)], questions=questions)


def _analyse_email(data: bytes, questions: list[str]) -> ReplyAnalysis:
    from campaign.mail.inbound import parse_mime

    message = parse_mime(data)
    body = message.text if message.text.strip() else html_to_text(message.html)
    documents: list[tuple[str, ExtractedText]] = []
    for attachment in message.attachments:
        if attachment.content_type.startswith("image/"):
            continue
        try:
            documents.append(
                (
                    attachment.filename,
                    extract_text(attachment.data, attachment.filename, attachment.content_type),
                )
            )
        except UnreadableDocument as error:
            click.echo(f"warning: attachment {attachment.filename}: {error}", err=True)
    return analyse_reply(
        subject=message.subject,
        body=body,
        documents=documents,
        auto_submitted=message.auto_submitted,
        delivery_report=message.delivery_report,
        questions=questions,
    )
