"""Transports: the real Mailgun SDK against a local fake Mailgun, and the .eml outbox."""

from __future__ import annotations

import email
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from email import policy
from email.headerregistry import Address
from pathlib import Path

import pytest
from fakes import FakeMailgun

from campaign.mail.compose import (
    OutgoingEmail,
    build_mime,
    new_message_id,
    reply_address,
    token_from_address,
)
from campaign.mail.transports import (
    AmbiguousSendError,
    MailgunTransport,
    OutboxTransport,
    PermanentSendError,
    TransientSendError,
    from_header,
    outbox_file_name,
    transport_from_config,
)

TOKEN = "k7m2p9q4r8t3vw"
MAIL_DOMAIN = "foi.example.org"


def letter(**overrides) -> OutgoingEmail:
    """A request letter from a campaign to one council, with any field overridden."""
    address = reply_address(TOKEN, MAIL_DOMAIN)
    fields = {
        "message_id": new_message_id(TOKEN, MAIL_DOMAIN),
        "from_address": address,
        "from_name": "Siân Jones",
        "to": "foi@coventry.gov.uk",
        "subject": "Freedom of Information request – data analytics",  # noqa: RUF001
        "body_text": "Dear Coventry City Council,\n\nPlease tell me which systems…\n\nYours,\nSiân",
        "reply_to": address,
        "variables": {"request_id": "12", "token": TOKEN},
    }
    fields.update(overrides)
    return OutgoingEmail(**fields)


@pytest.fixture
def mailgun() -> Iterator[FakeMailgun]:
    with FakeMailgun(hang_seconds=3) as server:
        yield server


@pytest.fixture
def transport(mailgun: FakeMailgun) -> Iterator[MailgunTransport]:
    sender = MailgunTransport(mailgun.api_key, mailgun.domain, mailgun.url, timeout_seconds=1)
    yield sender
    sender.close()


# --- Mailgun ---------------------------------------------------------------------------------


def test_accepted_letter_keeps_our_message_id_and_variables(mailgun, transport):
    sent = letter()

    result = transport.send(sent)

    assert result.transport_id == sent.message_id
    [received] = mailgun.messages
    assert received.message_id == sent.message_id
    assert received.variables == {"request_id": "12", "token": TOKEN}
    assert received.headers["message-id"] == f"<{sent.message_id}>"
    assert received.headers["reply-to"] == sent.reply_to
    assert received.headers["from"] == f"Siân Jones <{sent.from_address}>"
    assert received.headers["subject"] == sent.subject
    assert received.headers["x-foi-request-token"] == TOKEN
    assert received.form_value("to") == "foi@coventry.gov.uk"


@pytest.mark.parametrize(
    "name",
    [
        "FOI Campaign",
        "Siân Jones",
        "Bürgerinitiative Transparenz",
        "信息公开",
        "Dr. Jones",  # a dot: quoted
        "Smith, Jane",  # a comma: quoted
        'The "Open" Group',  # quotes: escaped inside quotes
        "back\\slash",
        "O'Brien",
        "",
    ],
)
@pytest.mark.parametrize(
    "address",
    [
        "foi+k7m2p9q4r8t3vw@foi.example.org",
        "first.last@example.org",
        "foi@bücher.example",  # non-ASCII domain: left to the header parser
        '"quoted local"@example.org',
    ],
)
def test_from_field_is_what_the_header_parser_writes(name, address):
    """Mailgun gets the display name as text and encodes non-ASCII itself; the quoting must be
    exactly email.headerregistry's, which the fast path skips for plain addresses."""
    assert from_header(name, address) == str(Address(display_name=name, addr_spec=address))


def test_from_field_refuses_a_line_break_in_the_name():
    with pytest.raises(ValueError, match="CR or LF"):
        from_header("FOI Campaign\r\nBcc: everyone@example.org", "foi@example.org")


def test_chaser_carries_threading_headers(mailgun, transport):
    first = new_message_id(TOKEN, MAIL_DOMAIN)

    transport.send(letter(in_reply_to=first, references=(first,)))

    headers = mailgun.messages[0].headers
    assert headers["in-reply-to"] == f"<{first}>"
    assert headers["references"] == f"<{first}>"


def test_invalid_address_is_permanent_with_mailguns_reason(mailgun, transport):
    with pytest.raises(PermanentSendError, match="not a valid address"):
        transport.send(letter(to="foi at coventry"))
    assert mailgun.messages == []


def test_400_answer_is_permanent(mailgun, transport):
    mailgun.mode = "400"
    with pytest.raises(PermanentSendError, match=r"\(400\)"):
        transport.send(letter())


def test_wrong_api_key_is_permanent(mailgun):
    sender = MailgunTransport("key-wrong", mailgun.domain, mailgun.url, timeout_seconds=1)
    with pytest.raises(PermanentSendError, match="API key"):
        sender.send(letter())
    sender.close()
    assert mailgun.messages == []


def test_unknown_sending_domain_is_permanent(mailgun):
    sender = MailgunTransport(mailgun.api_key, "mg.not-ours.org", mailgun.url, timeout_seconds=1)
    with pytest.raises(PermanentSendError, match="Domain not found"):
        sender.send(letter())
    sender.close()


@pytest.mark.parametrize("mode", ["429", "500"])
def test_rate_limit_and_server_error_are_transient_and_not_retried_by_the_sdk(
    mailgun, transport, mode
):
    mailgun.mode = mode

    with pytest.raises(TransientSendError, match=mode):
        transport.send(letter())

    assert mailgun.post_count == 1  # the SDK's own retries are off: the queue retries
    assert mailgun.messages == []


def test_sdk_retry_policy_is_zero(transport):
    assert transport.client.config.retry_policy.max_retries == 0
    assert transport._messages.retry_policy.max_retries == 0


def test_no_answer_is_ambiguous_within_the_timeout(mailgun, transport):
    mailgun.mode = "hang"
    started = time.monotonic()

    with pytest.raises(AmbiguousSendError):
        transport.send(letter())

    assert time.monotonic() - started < 2.5  # 1 s read timeout, not the 3 s hang
    assert mailgun.post_count == 1


def test_hang_without_acceptance_is_not_found_by_reconciliation(mailgun, transport):
    mailgun.mode = "hang"
    sent = letter()
    with pytest.raises(AmbiguousSendError):
        transport.send(sent)

    assert transport.find_sent(sent.message_id) is None


def test_accepted_then_no_answer_is_found_by_reconciliation(mailgun, transport):
    mailgun.mode = "accept_then_hang"
    sent = letter()

    with pytest.raises(AmbiguousSendError):
        transport.send(sent)
    found = transport.find_sent(sent.message_id)

    assert found is not None and found.transport_id == sent.message_id
    assert transport.find_sent(f"<{sent.message_id}>") == found
    assert mailgun.post_count == 1


def test_reconciliation_does_not_find_letters_never_sent(transport):
    assert transport.find_sent(new_message_id(TOKEN, MAIL_DOMAIN)) is None


def test_reconciliation_failure_is_transient(mailgun):
    sender = MailgunTransport("key-wrong", mailgun.domain, mailgun.url, timeout_seconds=1)
    with pytest.raises(TransientSendError, match="401"):
        sender.find_sent("x@y.org")
    sender.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_transient():
    sender = MailgunTransport("key", "mg.example.org", f"http://127.0.0.1:{free_port()}", 1)
    with pytest.raises(TransientSendError, match="Could not reach"):
        sender.send(letter())
    sender.close()


class _ReadThenHangUp(socketserver.BaseRequestHandler):
    """Reads the whole request, then closes without answering: a reset mid-response."""

    def handle(self) -> None:
        self.request.recv(65536)
        time.sleep(0.05)


def test_connection_dropped_after_sending_is_ambiguous():
    with socketserver.TCPServer(("127.0.0.1", 0), _ReadThenHangUp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        sender = MailgunTransport("key", "mg.example.org", f"http://127.0.0.1:{port}", 1)
        with pytest.raises(AmbiguousSendError):
            sender.send(letter())
        sender.close()
        server.shutdown()


def test_transport_from_config_picks_mailgun_with_its_settings(mailgun):
    transport = transport_from_config(
        {
            "MAIL_TRANSPORT": "mailgun",
            "MAILGUN_API_KEY": mailgun.api_key,
            "MAILGUN_DOMAIN": mailgun.domain,
            "MAILGUN_API_URL": mailgun.url,
            "MAILGUN_TIMEOUT_SECONDS": 7,
        }
    )
    assert isinstance(transport, MailgunTransport)
    assert transport.timeout == (7.0, 7.0)
    transport.send(letter())
    transport.close()
    assert len(mailgun.messages) == 1


def test_transport_from_config_defaults_to_the_outbox(tmp_path):
    transport = transport_from_config({"MAIL_TRANSPORT": "outbox", "OUTBOX_DIR": str(tmp_path)})
    assert isinstance(transport, OutboxTransport) and transport.name == "outbox"


# --- Outbox and MIME -------------------------------------------------------------------------


def test_outbox_writes_a_parseable_eml_with_our_headers(tmp_path: Path):
    sent = letter(in_reply_to="earlier@foi.example.org", references=("earlier@foi.example.org",))

    result = OutboxTransport(tmp_path / "outbox").send(sent)

    path = tmp_path / "outbox" / result.transport_id
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == f"<{sent.message_id}>"
    assert parsed["From"].addresses[0].display_name == "Siân Jones"
    assert parsed["From"].addresses[0].addr_spec == sent.from_address
    assert parsed["Reply-To"] == sent.reply_to
    assert parsed["To"] == "foi@coventry.gov.uk"
    assert parsed["Subject"] == sent.subject
    assert parsed["In-Reply-To"] == "<earlier@foi.example.org>"
    assert parsed["References"] == "<earlier@foi.example.org>"
    assert parsed["X-FOI-Request-Token"] == TOKEN
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed.get_content().replace("\r\n", "\n") == sent.body_text + "\n"


def test_outbox_is_idempotent_per_message_id(tmp_path: Path):
    outbox = OutboxTransport(tmp_path)
    sent = letter()

    first = outbox.send(sent)
    before = (tmp_path / first.transport_id).read_bytes()
    second = outbox.send(letter(message_id=sent.message_id, subject="Changed"))

    assert first == second
    assert (tmp_path / first.transport_id).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [first.transport_id]  # no temp files left


def test_outbox_reconciliation_finds_written_letters_only(tmp_path: Path):
    outbox = OutboxTransport(tmp_path)
    sent = letter()
    assert outbox.find_sent(sent.message_id) is None
    result = outbox.send(sent)
    assert outbox.find_sent(sent.message_id) == result
    assert outbox.find_sent(f"<{sent.message_id}>") == result


@pytest.mark.parametrize(
    "message_id", ["../../etc/passwd@x", "a/b@x", "spaces and\nnewlines@x", "x" * 400 + "@x"]
)
def test_outbox_file_names_stay_inside_the_outbox(message_id):
    name = outbox_file_name(message_id)
    assert "/" not in name and "\n" not in name and not name.startswith(".")
    assert len(name) <= 220
    assert name != outbox_file_name(message_id + "y")


def test_mime_is_seven_bit_and_round_trips_non_ascii():
    subject = "Cais Rhyddid Gwybodaeth – Siân’s request £"  # noqa: RUF001 - typographic, on purpose
    sent = letter(subject=subject, body_text="Diolch — £5 " * 30)

    raw = build_mime(sent).as_bytes()

    assert raw.isascii()
    assert b"\r\n" in raw
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == sent.subject
    assert parsed.get_content().strip() == sent.body_text.strip()


def test_message_ids_are_unique_and_name_their_request():
    ids = {new_message_id(TOKEN, MAIL_DOMAIN) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(TOKEN in i and i.endswith("@foi.example.org") and "<" not in i for i in ids)


@pytest.mark.parametrize(
    ("address", "token"),
    [
        ("foi+k7m2p9q4r8t3vw@foi.example.org", "k7m2p9q4r8t3vw"),
        ("FOI+K7M2P9Q4R8T3VW@foi.example.org", "k7m2p9q4r8t3vw"),
        ("foi@foi.example.org", None),
        ("someone+k7m2@foi.example.org", None),
        ("not an address", None),
    ],
)
def test_token_is_read_from_the_reply_address(address, token):
    assert token_from_address(address) == token
