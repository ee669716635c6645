"""Forms of the campaign pages: the letter editor, the targets chooser and the launch button.

The forms only carry values and the CSRF token; the rules (lengths, slugs, question limits)
are in services/campaigns.py, shared with the CLI, and come back as problems per field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SearchField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.models import Campaign
from campaign.services.campaigns import (
    OWN_LAW,
    CampaignDraft,
    FilterOptions,
    Problems,
    TargetFilter,
    authorities_by_id,
    parse_questions,
)

LAW_CHOICES = [
    SelectChoice(
        OWN_LAW,
        "Each authority's own law: the Freedom of Information Act 2000 (England, Wales, "
        "Northern Ireland) or the Freedom of Information (Scotland) Act 2002 (Scottish bodies)",
    ),
    SelectChoice("eir", "The Environmental Information Regulations 2004, for every authority"),
]


class CampaignForm(FlaskForm):
    """The campaign and its letter: subject and body templates and the numbered questions."""

    title = StringField("Title")
    slug = StringField(
        "Slug",
        description="The campaign's address: lower-case letters, digits and hyphens. "
        "Leave it empty to make one from the title.",
    )
    description = TextAreaField("Description", description="For your team; it is not sent.")
    law = RadioField("Law", choices=LAW_CHOICES, default=OWN_LAW)
    subject = StringField("Subject")
    body = TextAreaField("Letter")
    questions = TextAreaField(
        "Questions",
        description="One question per line, in order; blank lines are ignored. They appear in "
        "the letter as a numbered list where it says {{ questions }}.",
    )
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.letter_errors: list[str] = []

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> CampaignForm:
        """The form filled from a stored campaign (on GET; a POST keeps what was typed)."""
        return cls(
            data={
                "title": campaign.title,
                "slug": campaign.slug,
                "description": campaign.description,
                "law": campaign.law_override or OWN_LAW,
                "subject": campaign.subject_template,
                "body": campaign.body_template,
                "questions": "\n".join(q.text for q in campaign.questions),
            }
        )

    @classmethod
    def for_draft(cls, draft: CampaignDraft) -> CampaignForm:
        return cls(
            data={
                "title": draft.title,
                "law": draft.law_override or OWN_LAW,
                "subject": draft.subject_template,
                "body": draft.body_template,
                "questions": "\n".join(draft.questions),
            }
        )

    def to_draft(self) -> CampaignDraft:
        law = self.law.data
        return CampaignDraft(
            title=self.title.data or "",
            slug=self.slug.data or "",
            description=self.description.data or "",
            subject_template=self.subject.data or "",
            body_template=self.body.data or "",
            law_override=None if law in (None, "", OWN_LAW) else law,
            questions=parse_questions(self.questions.data or ""),
        )

    def show_problems(self, problems: Problems) -> None:
        """Put the service's problems next to the fields they are about."""
        for name, messages in problems.items():
            field: Field | None = getattr(self, name, None)
            if name == "letter" or not isinstance(field, Field):
                self.letter_errors.extend(messages)
            else:
                field.errors = [*field.errors, *messages]


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as checkboxes: easier than ctrl-click, and readable with counts."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TargetsForm(FlaskForm):
    """Who gets the request: filters, an explicit "every authority", and hand-picked bodies."""

    everyone = BooleanField("Every authority in the database")
    nations = MultiCheckboxField("Nation")
    types = MultiCheckboxField("Type")
    tags = MultiCheckboxField("Tag")
    authority_ids = MultiCheckboxField("Hand-picked", coerce=int, validate_choice=False)
    names = TextAreaField(
        "Add by name or GSS code",
        description="One per line, e.g. “Glasgow City Council” or “S12000049”.",
    )
    q = SearchField("Find an authority")
    search = SubmitField("Search")
    submit = SubmitField("Save targets")

    def set_choices(self, options: FilterOptions, stored: TargetFilter) -> None:
        """Offer every value in the database with its count, plus any value stored earlier."""

        def choices(counted: list[tuple[str, int]], kept: tuple[str, ...]) -> list[SelectChoice]:
            known = {value for value, _ in counted}
            return [SelectChoice(v, f"{v} ({n:,})") for v, n in counted] + [
                SelectChoice(v, f"{v} (0)") for v in kept if v not in known
            ]

        self.nations.choices = choices(options.nations, stored.nations)
        self.types.choices = choices(options.types, stored.types)
        self.tags.choices = choices(options.tags, stored.tags)

    @classmethod
    def for_targets(cls, stored: TargetFilter) -> TargetsForm:
        return cls(
            data={
                "everyone": stored.everyone,
                "nations": list(stored.nations),
                "types": list(stored.types),
                "tags": list(stored.tags),
                "authority_ids": list(stored.authority_ids),
            }
        )

    def validate_authority_ids(self, field: MultiCheckboxField) -> None:
        ids = list(dict.fromkeys(field.data or []))
        known = {a.id for a in authorities_by_id(ids)}
        missing = [str(i) for i in ids if i not in known]
        if missing:
            raise ValidationError(f"No authority has id {', '.join(missing[:5])}.")

    def to_filter(self, added_ids: list[int] | None = None) -> TargetFilter:
        ids = [*(self.authority_ids.data or []), *(added_ids or [])]
        return TargetFilter(
            everyone=bool(self.everyone.data),
            nations=tuple(self.nations.data or ()),
            types=tuple(self.types.data or ()),
            tags=tuple(self.tags.data or ()),
            authority_ids=tuple(dict.fromkeys(ids)),
        )


class LaunchForm(FlaskForm):
    """The confirmed launch: a POST with its CSRF token, nothing else."""

    submit = SubmitField("Send the requests")
