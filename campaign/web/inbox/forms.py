"""Forms of the Inbox: assigning a message to a request, uploading mail, retrying."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired


class AssignForm(FlaskForm):
    """File an Inbox message on a request, and vouch for its sender."""

    request_id = IntegerField("Request", validators=[InputRequired("Choose a request.")])
    learn_sender = BooleanField("Remember this sender for the authority", default=True)
    submit = SubmitField("Assign")


class UploadMailForm(FlaskForm):
    """An email saved from a mail program (.eml), matched like any other reply."""

    file = FileField("Email file (.eml)", validators=[FileRequired("Choose an .eml file.")])
    submit = SubmitField("Upload")


class RetryForm(FlaskForm):
    """Read a message again after its processing failed."""

    submit = SubmitField("Try again")
