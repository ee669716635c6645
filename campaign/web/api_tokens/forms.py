"""Forms of the API token page: make a token, revoke one. Both carry the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField


class NewTokenForm(FlaskForm):
    """A name to tell the token apart later, and what it may do; the service checks both."""

    name = StringField("Name")
    scope = StringField("May", default="read")  # read or write: the service checks it
    submit = SubmitField("Make token")


class RevokeForm(FlaskForm):
    submit = SubmitField("Revoke")
