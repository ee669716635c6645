"""Forms of the request pages: the Resend buttons. They carry the CSRF token and nothing a
visitor could use to point the app elsewhere."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField


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
