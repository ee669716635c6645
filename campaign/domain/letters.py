"""Request letters: one template, rendered per authority in a sandbox that cannot reach Python.

Campaigners write the subject and body with placeholders such as `{{ authority.name }}`,
`{{ law.name }}`, `{{ law.citation }}`, `{{ reply_to }}`, `{{ today }}` and `{{ questions }}`
(the numbered list). Templates are untrusted text: they are rendered in Jinja's sandbox with no
globals, no loader, no macros and no nested loops, so a template can neither read files, call
Python, nor spin the worker for hours.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from campaign.domain.law import LAWS, Law, LawCode

MAX_TEMPLATE_CHARS = 50_000
MAX_LETTER_CHARS = 200_000
_FORBIDDEN_NODES = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Extends,
    nodes.Block,
)


@dataclass(frozen=True)
class LetterAuthority:
    """What a letter may say about the authority it goes to."""

    name: str
    short_name: str = ""
    nation: str = ""
    type: str = ""
    gss_code: str = ""
    email: str = ""


@dataclass(frozen=True)
class LetterContext:
    authority: LetterAuthority
    law: Law
    reply_to: str
    today: date
    questions: Sequence[str] = ()
    campaign_title: str = ""
    requester_name: str = ""

    def as_template_vars(self) -> dict[str, Any]:
        return {
            "authority": self.authority,
            "law": self.law,
            "reply_to": self.reply_to,
            "today": format_letter_date(self.today),
            "questions": numbered_list(self.questions),
            "question_list": list(self.questions),
            "campaign": {"title": self.campaign_title},
            "requester": {"name": self.requester_name},
        }


# Placeholders a template may use, with the attributes each offers; drives the warnings.
PLACEHOLDERS: dict[str, set[str]] = {
    "authority": {f.name for f in fields(LetterAuthority)},
    "law": {"code", "name", "citation", "regulator"},
    "reply_to": set(),
    "today": set(),
    "questions": set(),
    "question_list": set(),
    "campaign": {"title"},
    "requester": {"name"},
}


class LetterError(Exception):
    """A template that cannot be rendered; the message is meant for the campaigner."""


@dataclass
class LetterCheck:
    """Problems found in a template before launch: errors block it, warnings are shown."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


class _LetterSandbox(SandboxedEnvironment):
    """Jinja's sandbox with no globals and bounded string and number arithmetic."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            raise SecurityError("powers are not allowed in letters")
        if isinstance(left, str | list) or isinstance(right, str | list):
            count = right if isinstance(left, str | list) else left
            size = len(left if isinstance(left, str | list) else right)
            if isinstance(count, int) and count * size > MAX_LETTER_CHARS:
                raise SecurityError("that repetition would make the letter far too long")
        return operator.mul(left, right)


def _environment() -> SandboxedEnvironment:
    env = _LetterSandbox(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, loader=None
    )
    env.globals.clear()  # no range(), lipsum(), dict(), cycler() ...
    return env


_ENV = _environment()


def format_letter_date(day: date) -> str:
    """British letter style: 24 November 2026."""
    return f"{day.day} {day.strftime('%B %Y')}"


def numbered_list(questions: Iterable[str]) -> str:
    """The questions as the letter prints them: '1. ...' one per line."""
    return "\n".join(f"{n}. {' '.join(q.split())}" for n, q in enumerate(questions, start=1))


def law_for(code: str | LawCode) -> Law:
    return LAWS[LawCode(code)]


def _parse(source: str, label: str) -> nodes.Template:
    if len(source) > MAX_TEMPLATE_CHARS:
        raise LetterError(f"The {label} is longer than {MAX_TEMPLATE_CHARS:,} characters.")
    try:
        return _ENV.parse(source)
    except TemplateSyntaxError as error:
        raise LetterError(
            f"The {label} has a template error on line {error.lineno}: {error.message}"
        ) from None


def _structure_errors(tree: nodes.Template, label: str) -> list[str]:
    errors = []
    for node in tree.find_all(_FORBIDDEN_NODES):
        errors.append(
            f"The {label} uses {{% {type(node).__name__.lower()} %}}, which letters cannot use."
        )
    for loop in tree.find_all(nodes.For):
        if any(True for _ in loop.find_all(nodes.For)):
            errors.append(f"The {label} nests one loop inside another; letters allow one level.")
            break
    return errors


def _placeholder_warnings(tree: nodes.Template, label: str) -> list[str]:
    """Names and attributes the letter context does not offer, e.g. {{ authority.nmae }}."""
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    warnings: list[str] = []
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in PLACEHOLDERS and name.name not in assigned:
            warnings.append(f"Unknown placeholder {{{{ {name.name} }}}} in the {label}.")
    for getattr_node in tree.find_all(nodes.Getattr):
        target = getattr_node.node
        if isinstance(target, nodes.Name) and target.name in PLACEHOLDERS:
            allowed = PLACEHOLDERS[target.name]
            if getattr_node.attr not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                warnings.append(
                    f"Unknown placeholder {{{{ {target.name}.{getattr_node.attr} }}}} in the "
                    f"{label} (known: {known})."
                )
    return list(dict.fromkeys(warnings))


def check_templates(subject: str, body: str) -> LetterCheck:
    """Everything wrong with a subject and body that can be seen without rendering."""
    check = LetterCheck()
    for label, source in (("subject", subject), ("body", body)):
        try:
            tree = _parse(source, label)
        except LetterError as error:
            check.errors.append(str(error))
            continue
        check.errors.extend(_structure_errors(tree, label))
        check.warnings.extend(_placeholder_warnings(tree, label))
    if not body.strip():
        check.errors.append("The body is empty.")
    if not subject.strip():
        check.errors.append("The subject is empty.")
    return check


def _render_one(source: str, label: str, variables: dict[str, Any]) -> str:
    template = _compiled(source, label)
    try:
        pieces: list[str] = []
        size = 0
        for piece in template.generate(variables):
            size += len(piece)
            if size > MAX_LETTER_CHARS:
                raise LetterError(
                    f"The {label} renders to more than {MAX_LETTER_CHARS:,} characters."
                )
            pieces.append(piece)
    except UndefinedError as error:
        raise LetterError(
            f"The {label} uses a placeholder that has no value: {error.message}"
        ) from None
    except SecurityError as error:
        raise LetterError(f"The {label} tried something letters may not do: {error}") from None
    except (TypeError, ValueError, ArithmeticError) as error:
        raise LetterError(f"The {label} could not be rendered: {error}") from None
    return "".join(pieces)


@lru_cache(maxsize=64)
def _compiled(source: str, label: str) -> Template:
    """Checked and compiled once per template text: a launch renders it thousands of times."""
    problems = _structure_errors(_parse(source, label), label)
    if problems:
        raise LetterError(problems[0])
    try:
        return _ENV.from_string(source)
    except SecurityError as error:
        raise LetterError(f"The {label} tried something letters may not do: {error}") from None


def render_letter(subject: str, body: str, context: LetterContext) -> Letter:
    """The exact subject and body one authority receives; LetterError if it cannot be made."""
    variables = context.as_template_vars()
    rendered_subject = " ".join(_render_one(subject, "subject", variables).split())
    rendered_body = _render_one(body, "body", variables)
    return Letter(subject=rendered_subject, body=rendered_body.strip() + "\n")
