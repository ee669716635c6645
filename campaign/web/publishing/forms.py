"""Forms of the publishing page: the note and names to mask, and the publish switch.

The rules (lengths, how many names) live in services/publishing.py; the forms carry values
and the CSRF token.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField


class PublishingForm(FlaskForm):
    """The methodology note shown above the charts, and the names masked everywhere public."""

    methodology = TextAreaField(
        "Methodology",
        description="Shown on the public page above the charts: how the request was made, "
        "when, to whom, and how the replies were read.",
    )
    redaction_terms = TextAreaField(
        "Names to remove",
        description="One name per line: officers and anyone else the public page must not "
        "name. “Jane Smith” also removes “Ms Smith”, “J. Smith” and “Jane A. Smith”. Email "
        "addresses, phone numbers and names after “Yours sincerely”, “Kind regards”, "
        "“Contact:” and the like are removed without being listed.",
    )
    save = SubmitField("Save")


class PublishForm(FlaskForm):
    publish = SubmitField("Publish")


class UnpublishForm(FlaskForm):
    unpublish = SubmitField("Unpublish")
