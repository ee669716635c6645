"""`campaign backup` and `campaign restore` round-trip a campaign with its attachments."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email

from campaign.cli_backup import backup_command, restore_command
from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.models import Attachment, Campaign, Message
from campaign.services.files import blob_path
from campaign.services.ingest import store_inbound

PDF_LINES = ["Request reference: FOI/2018/77", "The information is not held."]


def seed_reply(app, sent) -> str:
    pdf = make_pdf(PDF_LINES)
    with app.app_context():
        raw = reply_email(
            to=sent.reply_to,
            sender=sent.authority_email,
            body="Please find our response attached.",
            attachments=[("response.pdf", "application/pdf", pdf)],
        )
        assert store_inbound(raw, MessageSource.IMPORT).ok
        return db.session.scalar(sa.select(Attachment.sha256))


def invoke(app, *args):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_restores_into_an_empty_data_directory(app, make_app, sent_request, tmp_path):
    sent = sent_request()
    sha256 = seed_reply(app, sent)

    made = invoke(app, "backup", str(tmp_path / "backups"))

    assert made.exit_code == 0, made.output
    [folder] = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["attachment"] == 1 and manifest["files"] >= 2
    assert (folder / "files" / sha256[:2] / sha256[2:4] / sha256).exists()

    if app.config["DATABASE_URL"].startswith("sqlite"):
        elsewhere = tmp_path / "elsewhere"
        fresh = make_app(
            create_tables=False,
            CAMPAIGN_DATA_DIR=str(elsewhere),
            DATABASE_URL=f"sqlite:///{elsewhere / 'campaign.db'}",
            FILES_DIR=str(elsewhere / "files"),
        )
    else:  # the same PostgreSQL schema, emptied: what a lost database looks like
        with app.app_context():
            db.drop_all()
        fresh = make_app(create_tables=False)
    restored = invoke(fresh, "restore", str(folder))

    assert restored.exit_code == 0, restored.output
    with fresh.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1
        message = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
        assert message.request_id == sent.request_id
        [attachment] = message.attachments
        data = blob_path(attachment.sha256).read_bytes()
        assert data.startswith(b"%PDF")
        assert blob_path(message.raw_sha256).exists()


def test_restoring_over_data_needs_force(app, sent_request, tmp_path):
    sent = sent_request()
    seed_reply(app, sent)
    invoke(app, "backup", str(tmp_path))
    [folder] = tmp_path.glob("foi-campaign-*")

    refused = invoke(app, "restore", str(folder))
    assert refused.exit_code == 1
    assert "already holds data; restore with --force" in refused.output

    forced = invoke(app, "restore", "--force", str(folder))
    assert forced.exit_code == 0, forced.output


def test_a_damaged_backup_is_refused_before_anything_changes(app, sent_request, tmp_path):
    sent = sent_request()
    sha256 = seed_reply(app, sent)
    invoke(app, "backup", str(tmp_path))
    [folder] = tmp_path.glob("foi-campaign-*")
    stored = folder / "files" / sha256[:2] / sha256[2:4] / sha256
    stored.write_bytes(b"not the pdf")

    result = invoke(app, "restore", "--force", str(folder))
    assert result.exit_code == 1
    assert "does not match its name" in result.output

    database = folder / json.loads((folder / "manifest.json").read_text())["database"]
    database.write_bytes(database.read_bytes() + b"x")
    result = invoke(app, "restore", "--force", str(folder))
    assert "does not match its checksum" in result.output


def test_nonsense_sources_and_destinations_get_one_clear_line(app, tmp_path):
    (tmp_path / "not-a-backup").mkdir()
    result = invoke(app, "restore", str(tmp_path / "not-a-backup"))
    assert result.exit_code == 1 and "has no manifest.json" in result.output

    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke(app, "backup", str(blocker / "inside"))
    assert result.exit_code == 1 and "cannot create" in result.output
    assert not Path(tmp_path / "file" / "inside").exists()
