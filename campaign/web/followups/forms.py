"""Forms of the follow-up pages. Lists of requests travel as checkbox values
"<request id>:<what the person saw>", read by the service, so a form posted twice asks for the
same rung again and is refused instead of taking the next one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from campaign.domain.followups import FollowUpKind
from campaign.domain.vocabulary import ReviewOutcome, values

MAX_GROUNDS = 20_000


class LadderForm(FlaskForm):
    """The campaign's escalation ladder: off by default."""

    enabled = BooleanField("Run the escalation ladder every morning")
    first_after = IntegerField(
        "First chaser, working days after the due date",
        validators=[InputRequired(), NumberRange(1, 200)],
    )
    second_after = IntegerField(
        "Second chaser (and then the proposal), working days after the one before",
        validators=[InputRequired(), NumberRange(1, 200)],
    )


class TemplatesForm(FlaskForm):
    """The campaign's own chaser or review request text; empty fields use the built-in one."""

    kind = HiddenField(validators=[InputRequired()])
    subject = StringField("Subject", validators=[Length(max=300)])
    body = TextAreaField("Letter", validators=[Length(max=50_000)])

    @property
    def follow_up_kind(self) -> FollowUpKind | None:
        try:
            return FollowUpKind(self.kind.data)
        except ValueError:
            return None


class QueueForm(FlaskForm):
    """A list of checked requests to queue follow-ups for (read from the "selected" values)."""


class ReviewsForm(FlaskForm):
    """Bulk review requests: the grounds for every request without its own, and the filter."""

    grounds = TextAreaField(
        "Grounds for the review (used for every request without its own)",
        validators=[Length(max=MAX_GROUNDS)],
    )
    statuses = HiddenField()
    exemption = HiddenField()
    q = HiddenField()


class OneFollowUpForm(FlaskForm):
    """Queue one chaser or review request from the request's page."""

    seen = HiddenField(validators=[InputRequired()])


class GroundsForm(FlaskForm):
    grounds = TextAreaField(
        "Your grounds for this request's review", validators=[Length(max=MAX_GROUNDS)]
    )


class OutcomeForm(FlaskForm):
    """What the internal review decided."""

    outcome = SelectField(
        "The review",
        choices=[SelectChoice(value, value.replace("_", " ")) for value in values(ReviewOutcome)],
    )
    note = StringField("Note", validators=[Length(max=500)])


class EscalatedForm(FlaskForm):
    """The campaigner says the complaint went in through the regulator's form."""
