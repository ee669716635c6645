"""Done when: replies to a launched campaign — webhooks, an imported mbox and an uploaded PDF —
each land on the right request with kind, reference ID and status set, and unmatched ones wait
in the Inbox."""

from __future__ import annotations

import io
import mailbox
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import forward_form, reply_email
from reply_support import inbound_messages

from campaign.cli_mail import mail
from campaign.extensions import db
from campaign.models import Authority, Campaign, Question, Request
from campaign.services.launch import launch_campaign

KEY = "key-end-to-end"
COUNCILS = {
    "Kent County Council": "foi@kent.gov.uk",
    "Surrey County Council": "foi@surreycc.gov.uk",
    "Essex County Council": "foi@essex.gov.uk",
    "Devon County Council": "foi@devon.gov.uk",
}


@pytest.fixture
def app(make_app):
    return make_app(MAILGUN_WEBHOOK_SIGNING_KEY=KEY)


@pytest.fixture
def letters(app) -> dict[str, dict[str, str]]:
    """Launch through the outbox; per council, its request id, reply address and Message-Id."""
    with app.app_context():
        authorities = [
            Authority(name=n, foi_email=e, nation="England") for n, e in COUNCILS.items()
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug="county-ai",
            title="County councils and AI",
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=1, text="Do you use predictive analytics?")]
        db.session.add(campaign)
        db.session.commit()
        launch_campaign(campaign)
    found = {}
    for path in Path(app.config["OUTBOX_DIR"]).glob("*.eml"):
        email = message_from_bytes(path.read_bytes(), policy=policy.default)
        to = parseaddr(email["To"])[1]
        name = next(n for n, e in COUNCILS.items() if e == to)
        found[name] = {
            "reply_to": parseaddr(email["Reply-To"])[1],
            "message_id": email["Message-ID"].strip("<>"),
            "domain": to.partition("@")[2],
            "subject": email["Subject"],
        }
    with app.app_context():
        for request in db.session.scalars(sa.select(Request)):
            found[request.authority.name]["request_id"] = request.id
    assert len(found) == len(COUNCILS)
    return found


def state(app, request_id: int) -> tuple[str, str | None]:
    with app.app_context():
        request = db.session.get(Request, request_id)
        return request.status, request.reference_id


def test_replies_by_webhook_mbox_and_upload_land_on_their_requests(
    app, client, runner, auth, forms, letters, tmp_path
):
    kent, surrey, essex, devon = (letters[n] for n in COUNCILS)

    # Kent acknowledges by Mailgun's inbound route.
    ack = forward_form(
        KEY,
        recipient=kent["reply_to"],
        sender="information.governance@kent.gov.uk",
        subject=f"RE: {kent['subject']} [Our ref: REQ04543]",
        body="We received your request and will respond within 20 working days. Our ref: REQ04543",
    )
    assert client.post("/webhooks/mailgun/inbound", data=ack).status_code == 200
    assert state(app, kent["request_id"]) == ("awaiting_response", "REQ04543")

    # Surrey's refusal and an unrelated newsletter arrive in an mbox from an ordinary mailbox;
    # Surrey's reply quotes our letter (In-Reply-To) but went to a shared address.
    box = mailbox.mbox(tmp_path / "replies.mbox")
    box.add(
        reply_email(
            to="foi-team@example.org",
            sender="foi@surreycc.gov.uk",
            subject=f"RE: {surrey['subject']}",
            in_reply_to=surrey["message_id"],
            body="Our reference: FOI/2018/1234\n\nWe estimate that complying with your request "
            "would exceed the appropriate limit of £450 under section 12 of the Freedom of "
            "Information Act 2000, so we are refusing it.\n\nYou may ask for an internal review "
            "within 40 working days.",
        )
    )
    box.add(reply_email(to="foi-team@example.org", sender="news@shop.example", subject="Sale"))
    box.flush()
    app.cli.add_command(mail)
    result = runner.invoke(args=["mail", "import", str(tmp_path / "replies.mbox")])
    assert result.exit_code == 0, result.output
    assert state(app, surrey["request_id"]) == ("refused", "FOI/2018/1234")

    # Essex posted a letter; the campaigner uploads the PDF on Essex's request page.
    auth.login("editor")
    pdf = make_pdf(
        [
            [
                "Freedom of Information Act 2000 - Request reference: EIR 12/345",
                "Thank you for your request for information.",
                "I can confirm that Essex County Council does not hold the information",
                "you requested. This information is not held.",
            ]
        ]
    )
    page = f"/requests/{essex['request_id']}"
    forms.submit(
        f"{page}/upload",
        {"file": (io.BytesIO(pdf), "essex-response.pdf", "application/pdf")},
        page=page,
        content_type="multipart/form-data",
    )
    assert state(app, essex["request_id"]) == ("not_held", "EIR 12/345")

    # Devon has heard nothing yet; the newsletter waits in the Inbox.
    assert state(app, devon["request_id"]) == ("sent", None)
    waiting = [m for m in inbound_messages(app) if m["request_id"] is None]
    assert [m["match_state"] for m in waiting] == ["unmatched"]
    assert "news@shop.example" in client.get("/inbox").get_data(as_text=True)

    kinds = {m["request_id"]: m["kind"] for m in inbound_messages(app) if m["request_id"]}
    assert kinds == {
        kent["request_id"]: "acknowledgement",
        surrey["request_id"]: "refusal",
        essex["request_id"]: "response",
    }
    page_text = client.get(f"/requests/{surrey['request_id']}").get_data(as_text=True)
    assert "FOI/2018/1234" in page_text and "s12" in page_text
