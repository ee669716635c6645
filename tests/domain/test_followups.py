"""The ladder's decisions, chaser and review texts, and template checks, with plain values."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.domain.followups import (
    ChaseFacts,
    ChaserFacts,
    FollowUpContext,
    LadderPosition,
    LadderSettings,
    RequestFacts,
    ResponseFacts,
    ReviewFacts,
    Rung,
    chase_blocker,
    check_follow_up_templates,
    default_templates,
    exemption_words,
    exemptions_in_words,
    is_late,
    ladder_position,
    reply_subject,
    rung_due,
)
from campaign.domain.letters import LetterAuthority, LetterError, law_for, render_letter

ON = LadderSettings(enabled=True, first_after=5, second_after=10)
# Due on Friday 27 March 2026; Good Friday 3 April and Easter Monday 6 April are not working
# days under FOIA, so the 5th working day after it is Tuesday 7 April 2026.
DUE = date(2026, 3, 27)


def facts(status="overdue", stage=0, chased_on=None, law="foia", due_on=DUE) -> ChaseFacts:
    return ChaseFacts(status=status, law=law, due_on=due_on, chase_stage=stage, chased_on=chased_on)


@pytest.mark.parametrize(
    ("request_facts", "today", "settings", "expected"),
    [
        (facts(), date(2026, 4, 13), LadderSettings(), None),  # the ladder is off
        (facts(), date(2026, 4, 6), ON, None),  # 4 working days after, Easter in between
        (facts(), date(2026, 4, 7), ON, Rung.FIRST_CHASER),
        (facts("awaiting_response"), date(2026, 4, 13), ON, Rung.FIRST_CHASER),  # sweep not run
        (facts("successful"), date(2026, 4, 13), ON, None),  # answered
        (facts("sent", due_on=date(2026, 5, 1)), date(2026, 4, 13), ON, None),  # not due yet
        (facts(stage=1, chased_on=date(2026, 4, 13)), date(2026, 4, 24), ON, None),  # 9 days
        (facts(stage=1, chased_on=date(2026, 4, 13)), date(2026, 4, 27), ON, Rung.SECOND_CHASER),
        (
            facts(stage=2, chased_on=date(2026, 4, 27)),
            date(2026, 5, 12),  # the 4 May bank holiday is skipped
            ON,
            Rung.PROPOSE_ESCALATION,
        ),
        (facts(stage=3, chased_on=date(2026, 4, 27)), date(2026, 6, 1), ON, None),  # proposed
    ],
)
def test_the_ladder_takes_one_rung_when_its_working_days_have_passed(
    request_facts, today, settings, expected
):
    assert rung_due(request_facts, today, settings) == expected


def test_scottish_requests_count_easter_monday_as_a_working_day():
    # FOISA closes Good Friday (a Scottish bank holiday) but not Easter Monday.
    assert rung_due(facts(law="foisa"), date(2026, 4, 6), ON) is Rung.FIRST_CHASER
    assert rung_due(facts(law="foia"), date(2026, 4, 6), ON) is None


@pytest.mark.parametrize(
    ("request_facts", "address", "reason"),
    [
        (facts(), "foi@x.gov.uk", None),
        (facts("successful"), "foi@x.gov.uk", "not overdue"),
        (facts(), None, "no email address"),
        (facts(stage=2, chased_on=date(2026, 4, 1)), "foi@x.gov.uk", "chased twice"),
        (
            facts(stage=1, chased_on=date(2026, 4, 20)),
            "foi@x.gov.uk",
            "can go from 5 May 2026",
        ),  # 4 May is a bank holiday
    ],
)
def test_a_chaser_by_hand_says_why_not(request_facts, address, reason):
    blocker = chase_blocker(request_facts, date(2026, 4, 24), 10, address)
    assert (blocker is None) if reason is None else (reason in blocker)


def test_late_means_past_the_due_date_and_unanswered():
    assert is_late("overdue", None, date(2026, 1, 1))
    assert is_late("sent", date(2026, 1, 1), date(2026, 1, 2))
    assert not is_late("sent", date(2026, 1, 2), date(2026, 1, 2))
    assert not is_late("refused", date(2026, 1, 1), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("status", "stage", "position"),
    [
        ("overdue", 0, LadderPosition.NOT_CHASED),
        ("awaiting_response", 0, None),
        ("very_overdue", 1, LadderPosition.CHASED_ONCE),
        ("overdue", 2, LadderPosition.CHASED_TWICE),
        ("very_overdue", 3, LadderPosition.ESCALATION_PROPOSED),
        ("review_requested", 2, LadderPosition.REVIEW_REQUESTED),
        ("review_overdue", 0, LadderPosition.REVIEW_OVERDUE),
        ("successful", 2, None),
    ],
)
def test_each_request_sits_on_one_rung(status, stage, position):
    assert ladder_position(status, stage) == position


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("s12", "section 12"),
        ("s43(2)", "section 43(2)"),
        ("reg12(4)(a)", "regulation 12(4)(a)"),
        ("Section 21", "Section 21"),
    ],
)
def test_exemptions_are_written_out(code, words):
    assert exemption_words(code) == words


def test_a_list_of_exemptions_reads_as_a_sentence():
    assert exemptions_in_words(["s12", "s40(2)", "s12", "reg12(5)(e)"]) == (
        "section 12, section 40(2) and regulation 12(5)(e)"
    )


def test_a_chaser_subject_never_says_re_twice():
    assert reply_subject("RE: Re: FOI request") == "FOI request"


def context(**kwargs) -> FollowUpContext:
    return FollowUpContext(
        authority=LetterAuthority(name="Coventry City Council"),
        law=law_for(kwargs.pop("law", "foia")),
        reply_to="foi+abc@replies.example.org",
        today=date(2026, 5, 1),
        questions=["Which systems?"],
        request=RequestFacts(
            date="2 March 2026",
            due_date="30 March 2026",
            subject="FOI request: data analytics",
            reference_id=kwargs.pop("reference_id", "REQ04543"),
            working_days_late=22,
            days_late=32,
        ),
        **kwargs,
    )


def test_the_default_chaser_cites_the_law_the_dates_and_their_reference():
    letter = render_letter(*default_templates("chaser"), context())
    assert letter.subject == "Re: FOI request: data analytics [Your ref: REQ04543]"
    for text in (
        "Your reference: REQ04543",
        "On 2 March 2026 I made a request",
        "section 1 of the Freedom of Information Act 2000",
        "section 10(1) of the Freedom of Information Act 2000",
        "which was 30 March 2026",
        "22 working days late",
        "1. Which systems?",
    ):
        assert text in letter.body
    assert "second reminder" not in letter.body


def test_the_second_chaser_warns_of_the_regulator_and_scotland_has_its_own():
    letter = render_letter(
        *default_templates("chaser"),
        context(law="foisa", reference_id="", chaser=ChaserFacts(number=2)),
    )
    assert letter.subject == "Re: FOI request: data analytics"
    assert "second reminder" in letter.body and "Scottish Information Commissioner" in letter.body
    assert "section 10(1) of the Freedom of Information (Scotland) Act 2002" in letter.body


def test_the_default_review_request_quotes_the_answer_the_exemptions_and_the_grounds():
    letter = render_letter(
        *default_templates("review_request"),
        context(
            law="eir",
            response=ResponseFacts(date="6 April 2026", exemptions="regulation 12(4)(b)"),
            review=ReviewFacts(
                grounds="The request is not manifestly unreasonable.", due_date="2 June 2026"
            ),
        ),
    )
    assert letter.subject.startswith("Internal review request: Re: FOI request")
    assert "You responded on 6 April 2026, withholding information under regulation 12(4)(b)." in (
        letter.body
    )
    assert "The request is not manifestly unreasonable." in letter.body
    assert "regulation 11 of the Environmental Information Regulations 2004" in letter.body
    assert "by 2 June 2026" in letter.body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{{ ''.__class__ }}", "Python internals"),
        ("{{ cycler.__init__.__globals__ }}", "Unknown placeholder {{ cycler }}"),
        ("{{ authority['__class__'] }}", "Python internals"),
        ("{{ request.refrence_id }}", "Unknown placeholder {{ request.refrence_id }}"),
        ("{{ questions }", "template error on line 1"),
        ("{% include 'x' %}", "letters cannot use"),
    ],
)
def test_a_follow_up_template_with_an_unknown_placeholder_or_an_escape_is_an_error(body, problem):
    check = check_follow_up_templates("Re: {{ request.subject }}", body)
    assert not check.ok
    assert any(problem in error for error in check.errors), check.errors


def test_the_sandbox_still_refuses_an_escape_that_skipped_the_check():
    with pytest.raises(LetterError, match="may not do"):
        render_letter("s", "{{ ''.__class__.__mro__ }}", context())


def test_the_built_in_templates_pass_their_own_check():
    for kind in ("chaser", "review_request"):
        assert check_follow_up_templates(*default_templates(kind)).ok
