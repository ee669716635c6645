"""Forms of the authorities pages: list filters, the edit form and the CSV upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length, Optional, ValidationError

from campaign.domain.authority_import import (
    MAX_EMAIL,
    MAX_TAG,
    MAX_TYPE,
    Encoding,
    read_email,
    split_tags,
)
from campaign.domain.law import LAWS
from campaign.domain.vocabulary import Nation

HAS_EMAIL_CHOICES = [
    SelectChoice("", "Any"),
    SelectChoice("yes", "Has an FOI email"),
    SelectChoice("no", "FOI email missing"),
]
ENCODING_CHOICES = [
    SelectChoice(Encoding.AUTO.value, "Detect (UTF-8, else Windows-1252)"),
    SelectChoice(Encoding.UTF8.value, "UTF-8"),
    SelectChoice(Encoding.CP1252.value, "Windows-1252 (older Excel on Windows)"),
]
LAW_CHOICES = [SelectChoice(code.value, law.name) for code, law in LAWS.items()]


def any_or(values: list[str], anything: str) -> list[SelectChoice]:
    """Choices for a filter: "any" first, then each stored value."""
    return [SelectChoice("", anything), *(SelectChoice(value) for value in values)]


class FilterForm(FlaskForm):
    """The list's filters, read from the query string so a filtered list can be shared."""

    class Meta:
        csrf = False  # a GET that changes nothing

    q = SearchField("Search", validators=[Optional(), Length(max=200)])
    nation = SelectField("Nation", choices=any_or([n.value for n in Nation], "Any nation"))
    authority_type = SelectField("Type", name="type", choices=any_or([], "Any type"))
    email = SelectField("FOI email", choices=HAS_EMAIL_CHOICES)
    tag = SelectField("Tag", choices=any_or([], "Any tag"))


class AuthorityForm(FlaskForm):
    """A person's corrections to one body: where FOI requests go and under which law."""

    foi_email = StringField("FOI email", validators=[Optional(), Length(max=MAX_EMAIL)])
    law = SelectField("Law", choices=LAW_CHOICES)
    authority_type = StringField("Type", validators=[Length(max=MAX_TYPE)])
    tags = StringField("Tags", description="Separated by commas", validators=[Length(max=2000)])
    submit = SubmitField("Save")

    def validate_foi_email(self, field: StringField) -> None:
        address, problem = read_email(field.data or "")
        if problem:
            raise ValidationError(problem[0].upper() + problem[1:])
        field.data = address

    def validate_tags(self, field: StringField) -> None:
        long = [tag for tag in split_tags(field.data or "") if len(tag) > MAX_TAG]
        if long:
            raise ValidationError(f"Each tag must be at most {MAX_TAG} characters.")

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags.data or "")


class ImportForm(FlaskForm):
    """Upload of a CSV of bodies, checked first or imported at once."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    encoding = SelectField("Encoding", choices=ENCODING_CHOICES, default=Encoding.AUTO.value)
    skip_invalid = BooleanField("Import the valid rows and skip the invalid ones")
    preview = SubmitField("Check without saving")
    submit = SubmitField("Import")
