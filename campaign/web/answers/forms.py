"""Forms of the answer pages. They carry the CSRF token and the raw values; the rules (known
outcome, page within the document, the request's own documents) live in the service, which
names the field each problem is in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Optional


class AnswerForm(FlaskForm):
    """One question's answer as a person says it is."""

    outcome = StringField("Outcome")
    exemptions = StringField("Exemptions")
    excerpt = TextAreaField("Excerpt")
    source = StringField("Source")
    page = IntegerField("Page", validators=[Optional()])
    urls = TextAreaField("Links")


class MentionForm(FlaskForm):
    """A system or vendor the parser missed."""

    name = StringField("Name")
    category = StringField("Kind")
    sentence = TextAreaField("Sentence it is named in")
    source = StringField("Where")
    page = IntegerField("Page", validators=[Optional()])


class ActionForm(FlaskForm):
    """A button: confirm, undo, reject, restore, re-parse (the CSRF token is all it needs)."""


class QueueConfirmForm(FlaskForm):
    """Confirm one answer from the campaign's queue; `next` is the row to go on to."""

    answer_id = IntegerField(validators=[Optional()])
    next = HiddenField()
