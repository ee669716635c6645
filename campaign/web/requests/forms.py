"""Forms of the request pages: Resend buttons, adding a reply by hand, setting the status.
They carry the CSRF token and nothing a visitor could use to point the app elsewhere."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length

from campaign.domain.vocabulary import RequestStatus, values


class ResendForm(FlaskForm):
    """Resend one letter that did not arrive, to the authority's current address."""

    # The page to return to: "list" (the campaign's requests) or the request's own page; a
    # word, never a URL, so the form cannot be used to redirect anywhere else.
    back = HiddenField(default="request")
    submit = SubmitField("Resend")

    @property
    def returns_to_list(self) -> bool:
        return self.back.data == "list"


class ResendAllForm(FlaskForm):
    """Resend every failed letter of a campaign whose authority now has an address."""

    submit = SubmitField("Resend all failed that now have an address")


class UploadReplyForm(FlaskForm):
    """A reply that came some other way: an .eml file, or a document such as a PDF letter."""

    file = FileField("Email (.eml) or document", validators=[FileRequired("Choose a file.")])
    submit = SubmitField("Add to this request")


class StatusForm(FlaskForm):
    """A person sets the status; later automatic changes are then only suggested."""

    status = SelectField("Status", choices=[])
    reason = StringField("Why", validators=[Length(max=500)])
    submit = SubmitField("Set status")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("automatic", "Let replies set it again")] + [
            (value, value.replace("_", " ")) for value in values(RequestStatus)
        ]
