"""Letters render per authority in a sandbox; template mistakes are messages, not crashes."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.domain.law import LawCode
from campaign.domain.letters import (
    LetterAuthority,
    LetterContext,
    LetterError,
    check_templates,
    law_for,
    numbered_list,
    render_letter,
)

QUESTIONS = ["Any briefing notes?", "Any  impact\nassessments?"]


def context(law: str = "foia", **authority) -> LetterContext:
    return LetterContext(
        authority=LetterAuthority(name=authority.get("name", "Coventry City Council")),
        law=law_for(law),
        reply_to="foi+abc123@replies.example.org",
        today=date(2026, 11, 24),
        questions=QUESTIONS,
    )


BODY = """Dear {{ authority.name }},

Under {{ law.citation }}, please provide:

{{ questions }}

Replies to {{ reply_to }}. Sent {{ today }}.
"""


def test_letter_names_the_authority_the_law_and_numbers_the_questions():
    letter = render_letter("FOI request: {{ law.name }}", BODY, context())
    assert letter.subject == "FOI request: Freedom of Information Act 2000"
    assert "Dear Coventry City Council," in letter.body
    assert "section 1 of the Freedom of Information Act 2000" in letter.body
    assert "1. Any briefing notes?\n2. Any impact assessments?" in letter.body
    assert "foi+abc123@replies.example.org" in letter.body
    assert "24 November 2026" in letter.body


@pytest.mark.parametrize(
    ("law", "expected"),
    [
        (LawCode.FOISA, "Freedom of Information (Scotland) Act 2002"),
        (LawCode.EIR, "Environmental Information Regulations 2004"),
    ],
)
def test_scottish_and_environmental_letters_cite_their_own_law(law, expected):
    assert expected in render_letter("x", "{{ law.name }}", context(law)).body


def test_numbered_list_collapses_whitespace_inside_questions():
    assert numbered_list(["a\n b", "c"]) == "1. a b\n2. c"


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ authority.__class__ }}",
        "{{ law.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ range(10) }}",
        "{{ lipsum() }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x' as y %}",
        "{% macro m() %}{% endmacro %}",
        "{{ 'a' * 100000000 }}",
        "{{ 9 ** 9 ** 9 }}",
        "{% for a in question_list %}{% for b in question_list %}{% endfor %}{% endfor %}",
    ],
)
def test_hostile_templates_cannot_reach_python_files_or_run_away(template):
    with pytest.raises(LetterError):
        render_letter("s", template, context())


def test_unknown_placeholders_are_warned_about_before_launch():
    check = check_templates("{{ authority.nmae }}", "Dear {{ autority.name }} {{ law.name }}")
    assert check.ok
    assert any("authority.nmae" in w for w in check.warnings)
    assert any("autority" in w for w in check.warnings)
    assert not any("law.name" in w for w in check.warnings)


def test_syntax_errors_are_clear_messages_with_the_line():
    check = check_templates("ok", "line one\n{{ authority.name ")
    assert not check.ok
    assert "body has a template error on line 2" in check.errors[0]


def test_rendering_an_unknown_placeholder_is_a_letter_error_not_a_crash():
    with pytest.raises(LetterError, match="no value"):
        render_letter("s", "{{ nonsense }}", context())


def test_empty_subject_or_body_blocks_launch():
    assert not check_templates("", "body").ok
    assert not check_templates("subject", "   ").ok


def test_loops_over_the_questions_are_allowed():
    body = "{% for q in question_list %}({{ loop.index }}) {{ q }}\n{% endfor %}"
    assert "(2) Any  impact" in render_letter("s", body, context()).body
