"""The demo's inbound mail as councils' mail servers would send it: replies, an auto-reply and a
delivery failure report, each as raw RFC 5322 bytes for the mbox the demo imports.

Message-Ids are fixed per council and kind, so the demo's mail is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

# Every Message-Id the demo writes ends in this domain: `.invalid` can never be a real host.
DEMO_MESSAGE_DOMAIN = "foi-campaign-demo.invalid"


@dataclass(frozen=True)
class Attached:
    filename: str
    content_type: str
    data: bytes


def demo_message_id(code: str, kind: str) -> str:
    return f"demo-{code.lower()}-{kind}@{DEMO_MESSAGE_DOMAIN}"


def reply_email(
    *,
    sender: str,
    sender_name: str,
    to: str,
    subject: str,
    body: str,
    when: datetime,
    message_id: str,
    in_reply_to: str | None,
    attachments: tuple[Attached, ...] = (),
    auto_reply: bool = False,
) -> bytes:
    """One council's email, in the thread of our letter when it quotes the letter's id."""
    email = EmailMessage()
    email["From"] = f"{sender_name} <{sender}>"
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(when)
    email["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        email["In-Reply-To"] = f"<{in_reply_to}>"
        email["References"] = f"<{in_reply_to}>"
    if auto_reply:
        email["Auto-Submitted"] = "auto-replied"
        email["X-Autoreply"] = "yes"
    email.set_content(body)
    for file in attachments:
        maintype, _, subtype = file.content_type.partition("/")
        email.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=file.filename)
    return email.as_bytes()


def delivery_failure(
    *,
    reporting_host: str,
    failed_address: str,
    return_path: str,
    subject: str,
    when: datetime,
    message_id: str,
    original_message_id: str,
) -> bytes:
    """A delivery status notification (RFC 3464) saying the letter's address does not exist."""
    date = format_datetime(when)
    boundary = f"dsn-{message_id.split('@')[0]}"
    text = f"""From: Mail Delivery System <MAILER-DAEMON@{reporting_host}>
To: {return_path}
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: <{message_id}>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {reporting_host}.

I'm sorry to have to inform you that your message could not be delivered
to one or more recipients.

<{failed_address}>: host {failed_address.split("@")[-1]} said: 550 5.1.1
    Recipient address rejected: User unknown

[Demonstration bounce: written for the FOI Campaign demo. The address is a
demo address under .invalid, which can never receive mail.]

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporting_host}
Arrival-Date: {date}

Final-Recipient: rfc822; {failed_address}
Original-Recipient: rfc822; {failed_address}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 Recipient address rejected: User unknown

--{boundary}
Content-Type: text/rfc822-headers

From: {return_path}
To: {failed_address}
Subject: {subject}
Message-ID: <{original_message_id}>

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("ascii")
