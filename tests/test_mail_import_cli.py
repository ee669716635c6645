"""`campaign mail import`: replies saved from an ordinary mailbox go through the same pipeline."""

from __future__ import annotations

import mailbox

import pytest
from fakes.replies import reply_email
from reply_support import inbound_messages, request_state

from campaign.cli_mail import mail


@pytest.fixture
def runner(app):
    app.cli.add_command(mail)
    return app.test_cli_runner()


ACK = "Thank you for your request. We will respond within 20 working days. Our ref: FOI 18-0501"


def test_an_mbox_of_replies_is_stored_matched_and_reported(app, runner, sent_request, tmp_path):
    first, second = sent_request(), sent_request()
    path = tmp_path / "replies.mbox"
    box = mailbox.mbox(path)
    box.add(reply_email(to=first.reply_to, sender=first.authority_email, body=ACK))
    box.add(reply_email(to=second.reply_to, sender=second.authority_email, body="From here on"))
    box.add(reply_email(to="info@elsewhere.example", sender="a@shop.example", body="Sale"))
    box.flush()

    result = runner.invoke(args=["mail", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Stored 3 new message(s); 0 already stored." in result.output
    assert "2 matched" in result.output and "1 unmatched" in result.output
    assert request_state(app, first.request_id)["reference_id"] == "FOI 18-0501"
    assert {m["source"] for m in inbound_messages(app)} == {"import"}

    again = runner.invoke(args=["mail", "import", str(path)])
    assert "Stored 0 new message(s); 3 already stored." in again.output
    assert len(inbound_messages(app)) == 3


def test_a_maildir_and_loose_eml_files_import_together(app, runner, sent_request, tmp_path):
    sent = sent_request()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK))
    loose = tmp_path / "reply.eml"
    loose.write_bytes(reply_email(to=sent.reply_to, sender=sent.authority_email, body="Second"))
    result = runner.invoke(args=["mail", "import", str(tmp_path / "Maildir"), str(loose)])
    assert result.exit_code == 0, result.output
    assert "Stored 2 new message(s)" in result.output
    assert all(m["request_id"] == sent.request_id for m in inbound_messages(app))


def test_unreadable_items_are_listed_and_the_rest_still_go_in(app, runner, sent_request, tmp_path):
    sent = sent_request()
    good = tmp_path / "good.eml"
    good.write_bytes(reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK))
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    result = runner.invoke(
        args=["mail", "import", str(good), str(empty), str(tmp_path / "gone.eml")]
    )
    assert result.exit_code == 0, result.output
    assert "Stored 1 new message(s)" in result.output
    assert "empty.eml" in result.output and "gone.eml" in result.output


def test_nothing_importable_fails(app, runner, tmp_path):
    result = runner.invoke(args=["mail", "import", str(tmp_path / "missing.mbox")])
    assert result.exit_code == 1
    assert "missing.mbox" in result.output


def test_queue_leaves_processing_to_the_worker(app, runner, sent_request, tmp_path):
    sent = sent_request()
    path = tmp_path / "one.eml"
    path.write_bytes(reply_email(to=sent.reply_to, sender=sent.authority_email, body=ACK))
    result = runner.invoke(args=["mail", "import", "--queue", str(path)])
    assert result.exit_code == 0, result.output
    # Tests run the queue immediately, so the worker's processing has happened.
    assert inbound_messages(app)[0]["processing_state"] == "processed"
