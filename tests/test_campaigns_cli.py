"""`campaign campaigns create | list | show | preview`, run as a person would."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.cli_campaigns import campaigns
from campaign.extensions import db
from campaign.models import Campaign

BODY = """Dear {{ authority.name }},

Under {{ law.citation }}, please tell me:

{{ questions }}

Please reply to {{ reply_to }}.
"""


@pytest.fixture
def cli(app, runner):
    """Run `campaign campaigns ...` through the app's command line."""
    app.cli.add_command(campaigns)

    def run(*args: str):
        return runner.invoke(args=["campaigns", *args])

    return run


@pytest.fixture
def files(tmp_path: Path):
    def write(name: str, text: str | bytes) -> str:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def stored(app, slug: str) -> dict | None:
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        if campaign is None:
            return None
        return {
            "title": campaign.title,
            "description": campaign.description,
            "subject": campaign.subject_template,
            "body": campaign.body_template,
            "law_override": campaign.law_override,
            "questions": [(q.position, q.text) for q in campaign.questions],
            "target_filter": campaign.target_filter,
        }


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Campaign.id)))


def test_create_from_flags_and_files(app, cli, files):
    body = files("body.txt", BODY)
    questions = files("questions.txt", "How many?\n\n2. Which supplier?\n")

    result = cli(
        "create",
        "--title",
        "Air quality monitoring",
        "--description",
        "Wave one",
        "--subject",
        "Request: {{ campaign.title }}",
        "--body-file",
        body,
        "--questions-file",
        questions,
        "--law",
        "eir",
    )

    assert result.exit_code == 0, result.output
    assert "Created campaign air-quality-monitoring" in result.output
    assert "2 question(s), law: EIR 2004 for every authority" in result.output
    assert stored(app, "air-quality-monitoring") == {
        "title": "Air quality monitoring",
        "description": "Wave one",
        "subject": "Request: {{ campaign.title }}",
        "body": BODY,
        "law_override": "eir",
        "questions": [(1, "How many?"), (2, "Which supplier?")],
        "target_filter": {
            "all": False,
            "nations": [],
            "types": [],
            "tags": [],
            "authority_ids": [],
        },
    }


def test_create_without_files_starts_from_the_default_letter(app, cli):
    result = cli("create", "--title", "Parking fines", "--slug", "parking")
    assert result.exit_code == 0, result.output
    campaign = stored(app, "parking")
    assert "{{ questions }}" in campaign["body"]
    assert "{{ reply_to }}" in campaign["body"]
    assert campaign["law_override"] is None


def test_create_can_choose_targets(app, cli, make_authority):
    make_authority(name="Glasgow City Council", nation="Scotland", law="foisa")
    make_authority(name="Fife Council", nation="Scotland", law="foisa", foi_email=None)
    make_authority(name="Cardiff Council", nation="Wales")
    result = cli("create", "--title", "Scotland", "--nation", "Scotland")
    assert result.exit_code == 0, result.output
    assert "Targets: 1 with an FOI email, 1 without (they will be skipped)." in result.output
    assert stored(app, "scotland")["target_filter"]["nations"] == ["Scotland"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", " "], "Error (--title): Give the campaign a title."),
        (["--title", "x", "--slug", "has spaces"], "Error (--slug): The slug may use only"),
        (["--title", "x", "--subject", "s" * 10_000], "Error (--subject): The subject must be"),
        (["--title", "x", "--law", "gdpr"], "Invalid value for '--law'"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(app, cli, args, message):
    result = cli("create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(app) == 0


def test_create_refuses_too_many_or_too_long_questions(app, cli, files):
    many = files("many.txt", "\n".join(f"Question {n}?" for n in range(51)))
    result = cli("create", "--title", "Many", "--questions-file", many)
    assert result.exit_code == 1
    assert "at most 50 questions; there are 51" in result.output
    assert "Nothing was saved." in result.output
    assert count(app) == 0


def test_create_refuses_a_body_file_that_is_not_utf8(app, cli, files):
    body = files("body.txt", "Dear caf\xe9".encode("latin-1"))
    result = cli("create", "--title", "Latin", "--body-file", body)
    assert result.exit_code == 1
    assert "the file is not UTF-8 text" in result.output
    assert count(app) == 0


def test_create_refuses_a_slug_in_use(app, cli):
    cli("create", "--title", "One", "--slug", "same")
    result = cli("create", "--title", "Two", "--slug", "same")
    assert result.exit_code == 1
    assert "Another campaign already uses the slug “same”." in result.output
    assert stored(app, "same")["title"] == "One"


def test_create_warns_about_a_broken_letter_but_keeps_the_draft(app, cli, files):
    body = files("body.txt", "Dear {{ authority.nmae }}")
    result = cli("create", "--title", "Typo", "--body-file", body)
    assert result.exit_code == 0
    assert "Warning: Unknown placeholder {{ authority.nmae }} in the body" in result.output
    assert "Letter error: The body uses a placeholder that has no value" in result.output


def test_list_shows_every_campaign(cli):
    assert cli("list").output == "No campaigns yet.\n"
    cli("create", "--title", "First")
    cli("create", "--title", "Second")
    lines = cli("list").output.splitlines()
    assert sorted(lines) == ["first\tdraft\t0 requests\tFirst", "second\tdraft\t0 requests\tSecond"]


def test_show_prints_the_letter_questions_and_skipped_targets(cli, files, make_authority):
    make_authority(name="Fife Council", nation="Scotland", law="foisa", foi_email=None)
    questions = files("q.txt", "How many?\nWhich supplier?")
    cli("create", "--title", "Fife", "--questions-file", questions, "--all-authorities")

    result = cli("show", "fife")

    assert result.exit_code == 0, result.output
    assert "Fife (fife)" in result.output
    assert "Status: draft, letter version 1" in result.output
    assert "Targets: 0 will be sent the request, 1 have no FOI email address" in result.output
    assert "skipped: Fife Council (id 1): no FOI email address" in result.output
    assert "Dear {{ authority.name }}," in result.output
    assert "  1. How many?\n  2. Which supplier?" in result.output


def test_show_an_unknown_campaign_fails_clearly(cli):
    result = cli("show", "nope")
    assert result.exit_code == 1
    assert "No campaign has the slug “nope”" in result.output


def test_preview_renders_the_letter_for_an_authority_by_name_or_id(app, cli, files, make_authority):
    glasgow = make_authority(
        name="Glasgow City Council", nation="Scotland", law="foisa", gss_code="S12000049"
    )
    make_authority(name="Coventry City Council")
    cli(
        "create",
        "--title",
        "AI",
        "--body-file",
        files("b.txt", BODY),
        "--questions-file",
        files("q.txt", "Do you use AI?"),
    )

    by_name = cli("preview", "ai", "--authority", "Glasgow City")
    by_id = cli("preview", "ai", "--authority", str(glasgow))
    by_gss = cli("preview", "ai", "--authority", "S12000049")

    assert by_name.exit_code == 0, by_name.output
    assert by_name.output == by_id.output == by_gss.output
    domain = app.config["MAIL_DOMAIN"]
    assert "Law: Freedom of Information (Scotland) Act 2002" in by_name.output
    assert f"Reply-To: foi+preview@{domain} (example" in by_name.output
    assert "Dear Glasgow City Council," in by_name.output
    assert "section 1 of the Freedom of Information (Scotland) Act 2002" in by_name.output
    assert "1. Do you use AI?" in by_name.output
    england = cli("preview", "ai", "--authority", "coventry")
    assert "section 1 of the Freedom of Information Act 2000" in england.output


@pytest.mark.parametrize(
    ("authority", "message"),
    [("Atlantis", "no authority has this name or GSS code"), ("999", "No authority has id 999")],
)
def test_preview_for_an_unknown_authority_fails_clearly(cli, make_authority, authority, message):
    make_authority()
    cli("create", "--title", "AI")
    result = cli("preview", "ai", "--authority", authority)
    assert result.exit_code == 1
    assert message in result.output


def test_preview_of_a_letter_that_cannot_be_made_fails_with_the_reason(cli, files, make_authority):
    make_authority(name="Coventry City Council")
    cli("create", "--title", "Bad", "--body-file", files("b.txt", "{{ ''.__class__ }}"))
    result = cli("preview", "bad", "--authority", "Coventry City Council")
    assert result.exit_code == 1
    assert "The letter to Coventry City Council cannot be made" in result.output
    assert "<class" not in result.output
