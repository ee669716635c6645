"""The outbox viewer: with MAIL_TRANSPORT=outbox a campaigner with no Mailgun account sees every
letter that was "sent", reads it, and downloads the exact .eml file."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.mail.transports import outbox_file_name
from campaign.models import Authority, Campaign, Message, Question, Request
from campaign.models.base import utcnow
from campaign.services.launch import launch_campaign


def text_of(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def launch(app, slug: str, names: list[str]) -> None:
    """Launch a campaign to new councils named so; the outbox writes their letters inline."""
    with app.app_context():
        authorities = [
            Authority(
                name=name, nation="England", foi_email=f"foi@{name.split()[0].lower()}.gov.uk"
            )
            for name in names
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug=slug,
            title=slug.replace("-", " ").capitalize(),
            subject_template="Freedom of Information request: {{ campaign.title }}",
            body_template="Dear {{ authority.name }},\n\n{{ questions }}\n\n{{ reply_to }}",
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=1, text="How many libraries closed in 2025?")]
        db.session.add(campaign)
        db.session.commit()
        launch_campaign(campaign)


def letters(app) -> list[dict]:
    """Every outbound letter, oldest first, as plain values."""
    with app.app_context():
        return [
            {
                "pk": m.id,
                "request_id": m.request_id,
                "message_id": m.message_id,
                "to": m.to_address,
                "from": m.from_address,
                "subject": m.subject,
                "campaign": m.request.campaign.slug,
            }
            for m in db.session.scalars(
                sa.select(Message).where(Message.direction == "outbound").order_by(Message.id)
            )
        ]


def eml_path(app, message_id: str) -> Path:
    return Path(app.config["OUTBOX_DIR"]) / outbox_file_name(message_id)


@pytest.fixture
def sent(app) -> list[dict]:
    """Two campaigns: libraries to two councils, then parks to one."""
    launch(app, "libraries", ["Kent County Council", "Essex County Council"])
    launch(app, "parks", ["Devon County Council"])
    with app.app_context():  # parks went out a minute after libraries
        later = utcnow() + timedelta(minutes=1)
        db.session.execute(
            sa.update(Message)
            .where(
                Message.request_id.in_(
                    sa.select(Request.id).join(Campaign).where(Campaign.slug == "parks")
                )
            )
            .values(sent_at=later)
        )
        db.session.commit()
    return letters(app)


def test_the_outbox_lists_letters_newest_first_with_address_subject_and_campaign(
    app, auth, client, sent
):
    auth.login("viewer")
    response = client.get("/outbox")
    assert response.status_code == 200
    page = text_of(response)
    assert "3 letters, newest first" in page
    assert "No email leaves this machine" in page
    (devon,) = [m for m in sent if m["campaign"] == "parks"]
    assert re.search(
        rf"\d\d:\d\d foi@devon.gov.uk Devon County Council {re.escape(devon['from'])} "
        r"Freedom of Information request: Parks Parks accepted",
        page,
    )
    order = [page.index(m["to"]) for m in sent]
    assert order[2] < order[0] and order[2] < order[1]  # the later campaign's letter first
    body = response.get_data(as_text=True)
    for m in sent:
        assert f'href="/outbox/{m["pk"]}"' in body


def test_the_outbox_filters_by_campaign(app, auth, client, sent):
    auth.login("viewer")
    page = text_of(client.get("/outbox?campaign=libraries"))
    assert "2 letters, newest first" in page
    assert "foi@kent.gov.uk" in page and "foi@essex.gov.uk" in page
    assert "foi@devon.gov.uk" not in page
    assert client.get("/outbox?campaign=nope").status_code == 404


def test_the_outbox_shows_100_letters_a_page(app, auth, client):
    launch(app, "many", [f"Council{n:03d} Council" for n in range(120)])
    auth.login("viewer")
    first = client.get("/outbox")
    assert "120 letters, newest first · showing 1\u2013100" in text_of(first)
    assert len(re.findall(r'href="/outbox/\d+"', first.get_data(as_text=True))) == 100
    second = client.get("/outbox?page=2")
    assert len(re.findall(r'href="/outbox/\d+"', second.get_data(as_text=True))) == 20


def test_an_empty_outbox_says_letters_come_with_a_launch(auth, client):
    auth.login("viewer")
    page = text_of(client.get("/outbox"))
    assert "Nothing has been sent yet." in page


def test_the_outbox_is_in_the_navigation_only_with_the_outbox_transport(app, auth, client):
    auth.login("viewer")
    assert '<a href="/outbox"' in client.get("/campaigns/").get_data(as_text=True)
    nav = client.get("/outbox").get_data(as_text=True)
    assert '<a href="/outbox" aria-current="page">Outbox</a>' in nav
    # Inbox, then Outbox
    assert nav.index(">Inbox</a>") < nav.index(">Outbox</a>")
    app.config["MAIL_TRANSPORT"] = "mailgun"
    assert '<a href="/outbox"' not in client.get("/campaigns/").get_data(as_text=True)


def test_a_letter_shows_the_headers_and_text_of_its_eml_file(app, auth, client, sent):
    kent = next(m for m in sent if m["to"] == "foi@kent.gov.uk")
    auth.login("viewer")
    response = client.get(f"/outbox/{kent['pk']}")
    assert response.status_code == 200
    page = text_of(response)
    name = outbox_file_name(kent["message_id"])
    assert f"As written to {name}" in page
    assert f"Reply-To {kent['from']}" in page
    assert "To foi@kent.gov.uk Subject Freedom of Information request: Libraries" in page
    assert f"Message-ID <{kent['message_id']}>" in page
    assert "Dear Kent County Council, 1. How many libraries closed in 2025?" in page
    assert f'href="/outbox/{kent["pk"]}.eml"' in response.get_data(as_text=True)


def test_the_eml_download_is_the_exact_file(app, auth, client, sent):
    kent = next(m for m in sent if m["to"] == "foi@kent.gov.uk")
    auth.login("viewer")
    response = client.get(f"/outbox/{kent['pk']}.eml")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    name = outbox_file_name(kent["message_id"])
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.data == eml_path(app, kent["message_id"]).read_bytes()
    parsed = message_from_bytes(response.data, policy=policy.default)
    assert parsed["To"] == "foi@kent.gov.uk" and kent["from"] in parsed["Reply-To"]


def test_a_letter_whose_file_is_gone_has_no_download_but_still_shows_its_text(
    app, auth, client, sent
):
    kent = next(m for m in sent if m["to"] == "foi@kent.gov.uk")
    eml_path(app, kent["message_id"]).unlink()
    auth.login("viewer")
    assert client.get(f"/outbox/{kent['pk']}.eml").status_code == 404
    response = client.get(f"/outbox/{kent['pk']}")
    assert response.status_code == 200
    page = text_of(response)
    assert "No .eml file is in the outbox for this letter" in page
    assert "Dear Kent County Council," in page
    assert '.eml"' not in response.get_data(as_text=True)
    assert "Download the .eml file" not in text_of(client.get(f"/requests/{kent['request_id']}"))


BAD_IDS = ["abc", "0", "-1", "1.5", "99999", "9" * 30, "\u0661", "%20"]


@pytest.mark.parametrize("raw", BAD_IDS)
@pytest.mark.parametrize("suffix", ["", ".eml"])
def test_a_letter_id_that_is_not_a_letter_is_the_friendly_404(auth, client, sent, raw, suffix):
    auth.login("viewer")
    response = client.get(f"/outbox/{raw}{suffix}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_a_received_message_is_not_in_the_outbox(app, auth, client, sent):
    with app.app_context():
        reply = Message(
            request_id=sent[2]["request_id"],
            direction="inbound",
            kind="response",
            message_id=sent[0]["message_id"],  # even one naming an existing .eml file
            from_address="foi@kent.gov.uk",
        )
        db.session.add(reply)
        db.session.commit()
        pk = reply.id
    auth.login("viewer")
    assert client.get(f"/outbox/{pk}").status_code == 404
    assert client.get(f"/outbox/{pk}.eml").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/outbox/../secret.eml",
        "/outbox/..%2Fsecret.eml",
        "/outbox/%2E%2E%2Fsecret.eml",
        "/outbox/1%2F..%2F..%2Fsecret.eml",
        "/outbox/..%5Csecret.eml",
        "/outbox/secret.eml",
        "/outbox/%00.eml",
    ],
)
def test_the_download_never_takes_a_file_name_from_the_url(app, auth, client, sent, path):
    secret = Path(app.config["OUTBOX_DIR"]).parent / "secret.eml"
    secret.write_text("Subject: not a letter\n\nprivate")
    (Path(app.config["OUTBOX_DIR"]) / "secret.eml").write_text("Subject: planted\n\nplanted")
    auth.login("viewer")
    response = client.get(path)
    assert response.status_code == 404
    assert b"private" not in response.data and b"planted" not in response.data


def test_a_hostile_stored_message_id_cannot_reach_outside_the_outbox(app, auth, client, sent):
    """Even a Message-Id written to climb directories maps to a plain name inside the outbox."""
    outbox = Path(app.config["OUTBOX_DIR"])
    (outbox.parent / "secret.eml").write_text("Subject: not a letter\n\nprivate")
    with app.app_context():
        message = db.session.get(Message, sent[0]["pk"])
        message.message_id = "../secret"
        db.session.commit()
    auth.login("viewer")
    response = client.get(f"/outbox/{sent[0]['pk']}.eml")
    assert response.status_code == 404
    assert b"private" not in response.data
    assert "private" not in text_of(client.get(f"/outbox/{sent[0]['pk']}"))


def test_the_outbox_is_behind_sign_in(app, client, sent):
    for path in ["/outbox", f"/outbox/{sent[0]['pk']}", f"/outbox/{sent[0]['pk']}.eml"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
