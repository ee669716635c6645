"""Accuracy on the labelled corpus of real authority replies; fails if any figure regresses.

The floors are the figures measured when the rules were written, rounded down to a whole
percent. Raise them when the parser improves; never lower them to make a change pass.
"""

from __future__ import annotations

import json

import pytest

from campaign.parsing.documents import extract_text
from campaign.parsing.reply import analyse_reply

from .factories import CORPUS

FIELDS = ["reference_id", "kind", "outcome", "exemptions", "review_window_days"]
FLOORS = {
    "reference_id": 100,
    "kind": 100,
    "outcome": 100,
    "exemptions": 100,
    "review_window_days": 100,
}
LABELS = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text().splitlines() if line]
ORIGINALS = sorted((CORPUS / "originals").iterdir())


def _same(field: str, got: object, want: object) -> bool:
    if field == "exemptions":
        return set(got) == set(want)
    return got == want


def _analysis_of_reply_text(slug: str) -> dict:
    text = (CORPUS / "replies" / f"{slug}.txt").read_text(encoding="utf-8")
    return analyse_reply(body=text).to_json()


def test_accuracy_on_corpus_reply_texts():
    correct = dict.fromkeys(FIELDS, 0)
    misses = []
    for label in LABELS:
        result = _analysis_of_reply_text(label["slug"])
        for field in FIELDS:
            if _same(field, result[field], label[field]):
                correct[field] += 1
            else:
                misses.append(f"{label['slug']} {field}: {result[field]!r} != {label[field]!r}")
    accuracy = {field: 100 * correct[field] / len(LABELS) for field in FIELDS}
    print(f"\ncorpus replies: {len(LABELS)}")
    for field in FIELDS:
        print(f"  {field:<20} {accuracy[field]:5.1f}%  ({correct[field]}/{len(LABELS)})")
    for miss in misses:
        print(f"  miss: {miss}")
    assert all(accuracy[field] >= FLOORS[field] for field in FIELDS), misses


@pytest.mark.parametrize(
    "questions", sorted((CORPUS / "questions").glob("*.txt")), ids=lambda path: path.stem
)
def test_questions_file_does_not_change_the_reading(questions):
    """With the request's questions given, the letter's repeats of them are set aside."""
    text = (CORPUS / "replies" / questions.name).read_text(encoding="utf-8")
    lines = [line for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    with_questions = analyse_reply(body=text, questions=lines).to_json()
    assert {field: with_questions[field] for field in FIELDS} == {
        field: _analysis_of_reply_text(questions.stem)[field] for field in FIELDS
    }


@pytest.mark.parametrize("path", ORIGINALS, ids=[path.name for path in ORIGINALS])
def test_original_document_reads_like_its_text(path):
    """The PDF/Word original gives the same reading as its text; scans say they need OCR."""
    slug = path.stem
    extracted = extract_text(path.read_bytes(), path.name)
    if extracted.needs_ocr:
        assert slug == "djl-manchester-sol-aycbwb"  # the one scanned letter in the corpus
        return
    from_original = analyse_reply(documents=[(path.name, extracted)]).to_json()
    from_text = _analysis_of_reply_text(slug)
    assert {field: from_original[field] for field in FIELDS} == {
        field: from_text[field] for field in FIELDS
    }


# Per-question outcomes: every labelled answer, read with that reply's own question list.
ANSWER_FLOORS = {"text": 100, "original": 100}
ANSWERED = [label for label in LABELS if label["answers"]]


def _questions_of(slug: str) -> list[str]:
    lines = (CORPUS / "questions" / f"{slug}.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def _answers_from(source: str, slug: str) -> list[dict] | None:
    questions = _questions_of(slug)
    if source == "text":
        text = (CORPUS / "replies" / f"{slug}.txt").read_text(encoding="utf-8")
        return analyse_reply(body=text, questions=questions).to_json()["answers"]
    originals = [path for path in ORIGINALS if path.stem == slug]
    if not originals:
        return None
    extracted = extract_text(originals[0].read_bytes(), originals[0].name)
    if extracted.needs_ocr:
        return None
    return analyse_reply(documents=[(originals[0].name, extracted)], questions=questions).to_json()[
        "answers"
    ]


@pytest.mark.parametrize("source", ["text", "original"])
def test_per_question_outcomes_on_corpus(source):
    correct = total = exemptions_right = 0
    misses = []
    for label in ANSWERED:
        answers = _answers_from(source, label["slug"])
        if answers is None:
            continue
        found = {answer["question"]: answer for answer in answers}
        assert sorted(found) == list(range(1, len(_questions_of(label["slug"])) + 1))
        for want in label["answers"]:
            got = found[want["question"]]
            total += 1
            if got["outcome"] == want["outcome"]:
                correct += 1
            else:
                misses.append(
                    f"{label['slug']} q{want['question']}: {got['outcome']} != {want['outcome']}"
                )
            exemptions_right += set(got["exemptions"]) == set(want["exemptions"])
    accuracy = 100 * correct / total
    print(f"\nper-question outcome from the {source}s: {accuracy:.1f}% ({correct}/{total})")
    print(f"per-question exemptions: {100 * exemptions_right / total:.1f}%")
    for miss in misses:
        print(f"  miss: {miss}")
    assert accuracy >= ANSWER_FLOORS[source], misses
