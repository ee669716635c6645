"""Per-question answers in the layouts authorities use, each read back to its question."""

from __future__ import annotations

import pytest

from campaign.parsing.answers import read_answers
from campaign.parsing.documents import ExtractedText
from campaign.parsing.findings import SourcePage
from campaign.parsing.reply import analyse_reply, answers_for

QUESTIONS = [
    "Any briefing notes, reports, evaluations, or summaries concerning uses of algorithmically "
    "driven data systems.",
    "Any overviews about how system outputs are produced.",
    "Any training manuals or materials (e.g. slides, etc.) for staff about the use of the systems.",
    "Any impact assessments",
    "Any contracts relating to the systems.",
]


def outcomes(text: str, questions=QUESTIONS, **kwargs) -> list[str]:
    answers = read_answers([SourcePage(None, 1, text)], questions, **kwargs)
    return [answer.outcome for answer in answers]


def test_each_question_quoted_with_its_answer_beneath():
    letter = f"""Dear Requester,

Thank you for your request. Our response is below.

1. {QUESTIONS[0]}
We use a risk model from a supplier to prioritise housing benefit checks; a summary is below.

2. {QUESTIONS[1]}
This information is not held.

3. {QUESTIONS[2]}
Please find attached the training slides.

4. {QUESTIONS[3]}
No impact assessments have been carried out.

5. {QUESTIONS[4]}
The contract is published on our contracts register at https://example.gov.uk/contracts and is
exempt under section 21 of the Act as it is reasonably accessible to you.

Yours sincerely
"""
    assert outcomes(letter) == [
        "disclosed",
        "not_held",
        "disclosed",
        "not_held",
        "published_elsewhere",
    ]


def test_questions_paraphrased_and_renumbered_are_still_found():
    letter = """Response to your request

Question A - briefing notes, reports, evaluations or summaries about algorithmically driven data
systems
The Council does not hold any briefing notes of this kind.

Question B - overviews of how the system outputs are produced
Please see the attached overview document.
"""
    assert outcomes(letter)[:2] == ["not_held", "disclosed"]


def test_merged_questions_share_one_answer():
    letter = """Our response to your request is as follows.

In relation to Question 1: a copy of the evaluation report is attached.

Questions 2-5: No information held.
"""
    assert outcomes(letter) == ["disclosed", "not_held", "not_held", "not_held", "not_held"]


def test_listed_questions_then_answers_by_number_and_the_remainder_refused():
    listed = "\n".join(f"{n}. {q}" for n, q in enumerate(QUESTIONS, start=1))
    letter = f"""Your request:

{listed}

I can confirm that the Council holds information within the scope of your request.

In relation to Question 2: the outputs are produced by the supplier's model, which scores each
case weekly and passes the list to the team.

In relation to Questions 3, and 4: No information held.

In relation to the remainder of the request I am not required to release the information, as it
is exempt under section 43(2) of the Freedom of Information Act 2000 (commercial interests).
"""
    found = read_answers([SourcePage(None, 1, letter)], QUESTIONS)
    assert [a.outcome for a in found] == ["refused", "disclosed", "not_held", "not_held", "refused"]
    assert found[0].exemptions == ["s43"] and found[4].exemptions == ["s43"]


def test_numbered_answers_without_the_questions():
    letter = """Dear Sir or Madam

Freedom of Information request 12345

1. Please find attached the evaluation report.
2. Not held.
3. Not held.
4. The Council has not carried out any impact assessments.
5. This is withheld under section 43 as commercially sensitive.

Yours faithfully
"""
    found = read_answers([SourcePage(None, 1, letter)], QUESTIONS)
    assert [a.outcome for a in found] == [
        "disclosed",
        "not_held",
        "not_held",
        "not_held",
        "refused",
    ]
    assert found[4].exemptions == ["s43"]


def test_question_and_answer_sheet_with_q_and_a_markers():
    sheet = "\n\n".join(
        f"Q{n}\t{question}\nA{n}\t{answer}"
        for n, (question, answer) in enumerate(
            zip(
                QUESTIONS,
                [
                    "The Council uses Xantura's OneView to identify families needing support.",
                    "The Council does not hold this information",
                    "There has been no requirement to produce training materials",
                    "A data protection impact assessment is attached.",
                    "Details can be found on the following website: https://example.gov.uk/c",
                ],
                strict=True,
            ),
            start=1,
        )
    )
    found = read_answers([SourcePage(None, 1, sheet)], QUESTIONS)
    assert [a.outcome for a in found] == [
        "disclosed",
        "not_held",
        "not_held",
        "disclosed",
        "published_elsewhere",
    ]
    assert found[4].urls == ["https://example.gov.uk/c"]


def test_a_question_the_reply_does_not_address_is_no_answer():
    letter = f"""1. {QUESTIONS[0]}
The information is not held.

2. {QUESTIONS[1]}
The information is not held.
"""
    assert outcomes(letter)[2:] == ["no_answer", "no_answer", "no_answer"]


def test_letter_with_no_structure_answers_every_question_with_its_outcome():
    letter = """Dear Requester

I can confirm that the Council does not hold any information within the scope of your request,
as it does not use any such systems.

Yours sincerely"""
    found = read_answers([SourcePage(None, 1, letter)], QUESTIONS)
    assert {a.outcome for a in found} == {"not_held"}
    assert all(a.confidence < 0.7 for a in found)


def test_review_outcome_answers_only_the_question_it_names():
    letter = """Internal review of your request 555

I have reviewed the handling of your request. In relation to Question 3: I have found training
slides which should have been provided, and they are attached. The original response to the
rest of your request is upheld."""
    found = analyse_reply(body=letter, questions=QUESTIONS)
    assert found.kind == "review_outcome"
    assert [a.outcome for a in found.answers] == [
        "no_answer",
        "no_answer",
        "disclosed",
        "no_answer",
        "no_answer",
    ]


def test_answer_points_to_its_page_in_the_attached_letter():
    cover = "Please find our response attached."
    pages = [
        "Freedom of Information request 777\nDear Requester\nThank you for your request.",
        f"1. {QUESTIONS[0]}\nThe information is not held.\n\n2. {QUESTIONS[1]}\n"
        "The outputs are reviewed by an officer before any decision is taken.",
    ]
    analysis = analyse_reply(
        body=cover,
        documents=[("response.pdf", ExtractedText(pages=pages, method="pdfium"))],
        questions=QUESTIONS[:2],
    )
    first, second = analysis.answers
    assert (first.outcome, first.document, first.page) == ("not_held", "response.pdf", 2)
    assert first.excerpt == "The information is not held."
    assert (second.outcome, second.page) == ("disclosed", 2)


def test_answers_for_reads_a_stored_analysis_once_the_questions_are_known():
    letter = f"Dear Sir\n\nFreedom of Information request 123\n\n1. {QUESTIONS[0]}\nNot held.\n"
    analysis = analyse_reply(body=letter)
    assert analysis.answers == []
    assert [a.outcome for a in answers_for(analysis, QUESTIONS[:1])] == ["not_held"]


def test_acknowledgement_has_no_answers():
    analysis = analyse_reply(
        body="Thank you for your request, which we received today. We will respond within 20 "
        "working days.",
        questions=QUESTIONS,
    )
    assert analysis.kind == "acknowledgement"
    assert analysis.answers == []


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  ", "1.\n2.\n3.", "Question 99: not held", "\x00\x01 garbage \ufffd" * 50],
)
def test_odd_input_gives_one_answer_per_question_and_never_raises(text):
    found = read_answers([SourcePage(None, 1, text)], QUESTIONS)
    assert [a.question for a in found] == [1, 2, 3, 4, 5]


def test_a_long_document_is_read_in_bounded_time():
    page = "Any impact assessments are listed in the register. The system provides scores. " * 30
    pages = [SourcePage("report.pdf", n, page) for n in range(1, 301)]
    found = read_answers(pages, QUESTIONS)
    assert len(found) == 5


def test_answers_in_a_table_of_question_and_response_cells():
    rows = [
        "Question\tResponse",
        f"{QUESTIONS[0]}\tThe Council uses a predictive model supplied by Xantura.",
        f"{QUESTIONS[1]}\tNot held",
        f"{QUESTIONS[2]}\tPlease see the attached training guide.",
        f"{QUESTIONS[3]}\tThe Council has not undertaken any impact assessments.",
        f"{QUESTIONS[4]}\tThe contract is withheld under section 43(2) of the Act.",
    ]
    assert outcomes("\n".join(rows)) == [
        "disclosed",
        "not_held",
        "disclosed",
        "not_held",
        "refused",
    ]


def test_labelled_request_and_response_blocks():
    letter = f"""Request 1: {QUESTIONS[0]}
Response: There is no such system in use at the Council.

Request 2: {QUESTIONS[1]}
Response: The outputs are checked by the fraud team each month before any action is taken.
"""
    assert outcomes(letter)[:2] == ["not_held", "disclosed"]


def test_a_short_question_is_not_found_inside_an_answer_sentence():
    letter = f"""1. {QUESTIONS[2]}
Any impact assessments carried out on the training are published on our website.

4. {QUESTIONS[3]}
Not held.
"""
    found = read_answers([SourcePage(None, 1, letter)], QUESTIONS)
    assert found[3].outcome == "not_held" and found[3].excerpt == "Not held."
