"""Secrets never reach the logs: API keys, webhook signing keys, mailbox passwords, passwords.

Everything the app logs, at every level, is captured while the paths most likely to leak run:
a Mailgun call that fails, a webhook with a bad signature, a mailbox that refuses the password,
a failed sign-in.
"""

from __future__ import annotations

import logging
import re
import socket

import pytest
import sqlalchemy as sa
from fakes.replies import signature_fields

from campaign.extensions import db
from campaign.models import User
from campaign.services import notifications
from campaign.services.mailbox_poll import imap_settings, poll_mailbox

API_KEY = "key-secret-mailgun-0123456789"
SIGNING_KEY = "signing-secret-abcdef"
IMAP_PASSWORD = "imap-secret-password-42"
USER_PASSWORD = "a password nobody should log"


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured():
    handler = Everything()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_failures_on_every_route_in_and_out_log_no_secret(make_app, captured, make_user):
    app = make_app(
        MAIL_TRANSPORT="mailgun",
        MAILGUN_API_KEY=API_KEY,
        MAILGUN_DOMAIN="mg.example.org",
        MAILGUN_API_URL=f"http://127.0.0.1:{closed_port()}",
        MAILGUN_TIMEOUT_SECONDS=2,
        MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY,
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=closed_port(),
        IMAP_USER="campaign",
        IMAP_PASSWORD=IMAP_PASSWORD,
        IMAP_TLS=False,
        IMAP_TIMEOUT_SECONDS=2,
    )
    email, _ = make_user("owner", password=USER_PASSWORD)
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        # A Mailgun call that cannot connect, logged as a warning with its reason.
        user_id = user.id
        notifications._send(user, "test", [], intro="x")
        assert poll_mailbox(imap_settings()).error  # refused connection, logged
    forged = signature_fields("not-the-key")
    assert client.post("/webhooks/mailgun/inbound", data=forged).status_code in (401, 403, 406)
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    client.post(
        "/login",
        data={"email": email, "password": USER_PASSWORD + "x", "csrf_token": token},
    )

    logged = "\n".join(captured.lines)
    assert captured.lines, "nothing was logged: the capture is not working"
    assert "not sent" in logged and str(user_id) in logged
    for secret in (API_KEY, SIGNING_KEY, IMAP_PASSWORD, USER_PASSWORD):
        assert secret not in logged
