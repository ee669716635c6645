"""A campaign's requests after launch: the list, one request's page, and resending letters that
did not arrive to a corrected address."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from campaign.domain.vocabulary import MessageDirection
from campaign.extensions import db
from campaign.models import Authority, Campaign, Event, Message, Question, Request
from campaign.models.base import utcnow
from campaign.services.delivery import record_delivery_event
from campaign.services.launch import launch_campaign

BODY = (
    "Dear {{ authority.name }},\n\nUnder {{ law.citation }} please tell me:\n\n{{ questions }}"
    "\n\nPlease reply to {{ reply_to }}.\n\nYours faithfully,"
)
BOUNCE = "550 5.1.1 The email account that you tried to reach does not exist."


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def launch(app, authority_ids: list[int], slug: str = "potholes") -> int:
    """A live campaign to these authorities, launched (the outbox sends it inline)."""
    with app.app_context():
        campaign = Campaign(
            slug=slug,
            title=f"Potholes {slug}",
            subject_template="Freedom of Information request: {{ campaign.title }}",
            body_template=BODY,
            target_filter={"authority_ids": authority_ids},
        )
        campaign.questions = [Question(position=1, text="How many potholes were reported?")]
        db.session.add(campaign)
        db.session.commit()
        launch_campaign(campaign)
        return campaign.id


def request_of(app, authority_id: int) -> dict[str, Any]:
    """What the database holds for an authority's request, as plain values."""
    with app.app_context():
        r = db.session.scalar(sa.select(Request).where(Request.authority_id == authority_id))
        letters = db.session.scalars(
            sa.select(Message)
            .where(Message.request_id == r.id, Message.direction == "outbound")
            .order_by(Message.id)
        ).all()
        return {
            "id": r.id,
            "status": r.status,
            "sent_to": r.sent_to,
            "token": r.token,
            "failure_reason": r.failure_reason,
            "send_claimed_at": r.send_claimed_at,
            "letters": [(m.message_id, m.to_address, m.delivery_status) for m in letters],
        }


def bounce(app, authority_id: int, reason: str = BOUNCE) -> int:
    """The authority's mail server refuses the letter: Mailgun reports a permanent failure."""
    with app.app_context():
        message = db.session.scalar(
            sa.select(Message)
            .join(Message.request)
            .where(Request.authority_id == authority_id, Message.direction == "outbound")
            .order_by(Message.id.desc())
        )
        code, _, text = reason.partition(" ")
        record_delivery_event(
            {
                "event": "failed",
                "severity": "permanent",
                "recipient": message.to_address,
                "message": {"headers": {"message-id": message.message_id}},
                "delivery-status": {"code": int(code), "message": text},
            }
        )
        db.session.commit()
        return message.request_id


def set_email(app, authority_id: int, email: str | None) -> None:
    with app.app_context():
        db.session.get(Authority, authority_id).foi_email = email
        db.session.commit()


def snapshot(app) -> tuple:
    """Everything a resend could change, to prove a refused one changed nothing."""
    with app.app_context():
        return tuple(
            tuple(db.session.execute(sa.select(*model.__table__.columns)).all())
            for model in (Request, Message, Event, Authority)
        )


def outbox_files(app) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


@pytest.fixture
def councils(make_authority) -> dict[str, int]:
    """Three councils with an FOI address and one without."""
    return {
        "kent": make_authority(name="Kent County Council", foi_email="foi@kent.gov.uk"),
        "essex": make_authority(name="Essex County Council", foi_email="foi@essex.gov.uk"),
        "devon": make_authority(name="Devon County Council", foi_email="foi@devon.gov.uk"),
        "surrey": make_authority(name="Surrey County Council", foi_email=None),
    }


@pytest.fixture
def launched(app, councils) -> dict[str, int]:
    launch(app, list(councils.values()))
    return councils


# --- The campaign's requests page ---------------------------------------------------------------


def test_the_requests_page_lists_every_request_with_its_address_status_and_delivery(
    app, auth, client, launched
):
    auth.login("viewer")
    response = client.get("/campaigns/potholes/requests")
    assert response.status_code == 200
    page = text_of(response)
    for name, address in [
        ("Kent County Council", "foi@kent.gov.uk"),
        ("Essex County Council", "foi@essex.gov.uk"),
        ("Devon County Council", "foi@devon.gov.uk"),
    ]:
        assert re.search(rf"{name} sent {address} \d\d \w{{3}} \d{{4}} \d\d:\d\d accepted", page)
    assert "All 4 not sent 1 sent 3" in page  # counts per status, in lifecycle order
    assert "Surrey County Council not sent — — — — — no FOI email address" in page
    body = response.get_data(as_text=True)
    kent = request_of(app, launched["kent"])["id"]
    assert f'href="/requests/{kent}"' in body


def test_the_campaign_page_links_to_its_requests(app, auth, client, launched):
    auth.login("viewer")
    body = client.get("/campaigns/potholes").get_data(as_text=True)
    assert 'href="/campaigns/potholes/requests"' in body
    assert "See every request" in text_of(client.get("/campaigns/potholes"))


def test_requests_skipped_for_want_of_an_address_are_listed_with_a_fix_link(
    app, auth, client, launched
):
    auth.login("editor")
    response = client.get("/campaigns/potholes/requests")
    page = text_of(response)
    assert "Not sent: no address (1)" in page
    assert "Surrey County Council no FOI email address none Add an email for Surrey" in page
    assert f'href="/authorities/{launched["surrey"]}/edit"' in response.get_data(as_text=True)
    assert "Letters that did not arrive" not in page


def test_letters_that_did_not_arrive_come_first_with_the_reason_a_fix_and_resend(
    app, auth, client, launched
):
    request_id = bounce(app, launched["essex"])
    auth.login("editor")
    response = client.get("/campaigns/potholes/requests")
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert page.index("Letters that did not arrive (1)") < page.index("Not sent: no address")
    assert page.index("Not sent: no address") < page.index("All requests")
    assert (
        f"Essex County Council foi@essex.gov.uk {BOUNCE} foi@essex.gov.uk (unchanged) "
        "Fix the address of Essex County Council" in page
    )
    assert f'href="/authorities/{launched["essex"]}/edit"' in body
    assert f'action="/requests/{request_id}/resend"' in body
    assert "Resend all failed that now have an address (1)" in page
    # and in the full list, with its letter's delivery status
    assert re.search(
        r"Essex County Council delivery failed foi@essex\.gov\.uk [\w :]+ failed — — "
        + re.escape(BOUNCE),
        page,
    )


def test_the_list_filters_by_status_and_ignores_a_status_that_does_not_exist(
    app, auth, client, launched
):
    bounce(app, launched["essex"])
    auth.login("viewer")
    failed = text_of(client.get("/campaigns/potholes/requests?status=delivery_failed"))
    listed = failed[failed.index("All requests") if "All requests" in failed else 0 :]
    assert "Requests “delivery failed”" in failed
    assert "1 request" in listed
    table = failed[failed.index("Requests “delivery failed”") :]
    assert "Essex County Council" in table and "Kent County Council" not in table

    unknown = text_of(client.get("/campaigns/potholes/requests?status=<script>"))
    assert "All requests" in unknown and "4 requests" in unknown
    empty = text_of(client.get("/campaigns/potholes/requests?status=refused"))
    assert "No request is “refused”. Show all" in empty


def names_in_table(response) -> list[str]:
    table = response.get_data(as_text=True).split('class="list requests"', 1)[1]
    return re.findall(r'href="/requests/\d+">([^<]+)</a>', table)


def test_the_list_sorts_by_authority_or_by_status(app, auth, client, launched):
    bounce(app, launched["kent"])
    auth.login("viewer")
    by_name = names_in_table(client.get("/campaigns/potholes/requests"))
    assert by_name == [
        "Devon County Council",
        "Essex County Council",
        "Kent County Council",
        "Surrey County Council",
    ]
    by_status = names_in_table(client.get("/campaigns/potholes/requests?sort=status"))
    # not sent, then sent, then the failed one: the order requests go through their lives
    assert by_status == [
        "Surrey County Council",
        "Devon County Council",
        "Essex County Council",
        "Kent County Council",
    ]
    assert names_in_table(client.get("/campaigns/potholes/requests?sort=nonsense")) == by_name


def test_the_list_shows_100_requests_a_page(app, auth, client):
    with app.app_context():
        campaign = Campaign(slug="big", title="Big", status="live", launched_at=utcnow())
        db.session.add(campaign)
        authorities = [Authority(name=f"Council {n:03d}", nation="England") for n in range(150)]
        db.session.add_all(authorities)
        db.session.flush()
        db.session.add_all(
            Request(campaign_id=campaign.id, authority_id=a.id, token=f"tok{n}", status="sent")
            for n, a in enumerate(authorities)
        )
        db.session.commit()
    auth.login("viewer")
    first = client.get("/campaigns/big/requests")
    assert len(names_in_table(first)) == 100
    assert "150 requests · showing 1\u2013100" in text_of(first)
    assert 'href="/campaigns/big/requests?page=2"' in first.get_data(as_text=True)
    second = client.get("/campaigns/big/requests?page=2")
    assert names_in_table(second)[0] == "Council 100"
    assert len(names_in_table(second)) == 50
    for page in ["0", "-3", "999999999999999999999", "abc"]:
        response = client.get(f"/campaigns/big/requests?page={page}")
        assert response.status_code == 200, page


def test_a_campaign_not_launched_says_its_requests_come_with_the_launch(app, auth, client):
    with app.app_context():
        db.session.add(Campaign(slug="draft", title="Draft"))
        db.session.commit()
    auth.login("viewer")
    page = text_of(client.get("/campaigns/draft/requests"))
    assert "No requests yet: they are made when the campaign is launched." in page


# --- One request's page ------------------------------------------------------------------------


def test_the_request_page_shows_the_facts_the_letter_and_the_timeline(app, auth, client, launched):
    kent = request_of(app, launched["kent"])
    auth.login("viewer")
    response = client.get(f"/requests/{kent['id']}")
    assert response.status_code == 200
    page = text_of(response)
    domain = app.config["MAIL_DOMAIN"]
    assert "Kent County Council sent" in page
    assert "Law Freedom of Information Act 2000" in page
    assert f"Reply address foi+{kent['token']}@{domain}" in page
    assert "Sent to foi@kent.gov.uk" in page
    assert "Their reference —" in page
    message_id, _to, delivery = kent["letters"][0]
    assert (
        f"Sent request Freedom of Information request: Potholes potholes "
        f"From foi+{kent['token']}@{domain} To foi@kent.gov.uk"
    ) in page
    assert f"Delivery {delivery} Message ID {message_id}" in page
    assert "Dear Kent County Council, Under section 1 of the Freedom of Information Act" in page
    body = response.get_data(as_text=True)
    assert '<pre class="letter-body">Dear Kent County Council,\n' in body
    pk = re.search(r'href="/outbox/(\d+)\.eml"', body)
    assert pk, "the letter links to its .eml file"
    # the timeline: the send, by the system
    assert re.search(
        r"status changed queued → sent the system message id " + re.escape(message_id), page
    )


def test_a_request_page_escapes_what_came_in_by_email(app, auth, client, launched):
    kent = request_of(app, launched["kent"])
    with app.app_context():
        db.session.add(
            Message(
                request_id=kent["id"],
                direction=MessageDirection.INBOUND.value,
                kind="response",
                message_id="reply-1@kent.gov.uk",
                from_address="foi@kent.gov.uk",
                to_address="<b>x</b>",
                subject="<script>alert('subject')</script>",
                body_text="Our reference: FOI/123\n<img src=x onerror=alert(1)>",
                received_at=utcnow(),
            )
        )
        db.session.commit()
    auth.login("viewer")
    body = client.get(f"/requests/{kent['id']}").get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>x</b>" not in body
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in body
    assert "Our reference: FOI/123\n&lt;img src=x onerror=alert(1)&gt;</pre>" in body
    assert "Received" in text_of(client.get(f"/requests/{kent['id']}"))


# --- Resending ---------------------------------------------------------------------------------


def resend(forms, request_id: int, **data: Any):
    return forms.submit(
        f"/requests/{request_id}/resend",
        data,
        page=f"/requests/{request_id}",
        follow_redirects=True,
    )


def test_resending_to_a_corrected_address_writes_a_new_letter_to_it(
    app, auth, client, forms, launched
):
    essex = launched["essex"]
    request_id = bounce(app, essex)
    first = request_of(app, essex)
    assert first["status"] == "delivery_failed" and first["failure_reason"] == BOUNCE
    editor = auth.login("editor")
    fixed = forms.submit(
        f"/authorities/{essex}/edit",
        {"foi_email": "foi@essexcc.gov.uk", "law": "foia", "authority_type": "County"},
    )
    assert fixed.status_code == 302

    response = resend(forms, request_id)

    assert response.status_code == 200
    assert response.request.path == f"/requests/{request_id}"
    assert "Queued the letter again, to foi@essexcc.gov.uk." in text_of(response)
    after = request_of(app, essex)
    assert after["status"] == "sent"
    assert after["sent_to"] == "foi@essexcc.gov.uk"
    assert after["failure_reason"] is None and after["send_claimed_at"] is None
    assert len(after["letters"]) == 2
    (old_id, old_to, old_delivery), (new_id, new_to, _) = after["letters"]
    assert (old_to, old_delivery) == ("foi@essex.gov.uk", "failed")
    assert new_to == "foi@essexcc.gov.uk" and new_id != old_id
    assert sum(1 for f in outbox_files(app) if new_id.split("@")[0] in f.name) == 1
    with app.app_context():
        event = db.session.scalar(
            sa.select(Event).where(
                Event.request_id == request_id,
                Event.to_status == "queued",
                Event.user_id.is_not(None),
            )
        )
        assert event.from_status == "delivery_failed"
        assert event.detail["reason"] == "resent to foi@essexcc.gov.uk"
        assert event.user.email == editor
    page = text_of(client.get(f"/requests/{request_id}"))
    assert f"status changed delivery failed → queued {editor} reason resent to foi@essexcc" in page
    assert page.count("Sent request Freedom of Information request") == 2


def test_resending_from_the_list_returns_to_the_list(app, auth, forms, launched):
    request_id = bounce(app, launched["devon"])
    auth.login("editor")
    response = forms.submit(
        f"/requests/{request_id}/resend", {"back": "list"}, page="/campaigns/potholes/requests"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/campaigns/potholes/requests"
    assert request_of(app, launched["devon"])["status"] == "sent"


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example", "list2", ""])
def test_the_return_page_is_a_word_never_a_url(app, auth, forms, launched, back):
    request_id = bounce(app, launched["devon"])
    auth.login("editor")
    response = forms.submit(
        f"/requests/{request_id}/resend", {"back": back}, page=f"/requests/{request_id}"
    )
    assert response.headers["Location"] == f"/requests/{request_id}"


def test_resending_when_the_authority_has_no_address_changes_nothing(
    app, auth, client, forms, launched
):
    request_id = bounce(app, launched["kent"])
    set_email(app, launched["kent"], None)
    auth.login("editor")
    page = text_of(client.get("/campaigns/potholes/requests"))
    assert "Kent County Council foi@kent.gov.uk" in page and "add an address first" in page
    token = forms.token(f"/requests/{request_id}")
    before = snapshot(app)
    response = client.post(
        f"/requests/{request_id}/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Kent County Council has no FOI email address: add an address first." in text_of(
        response
    )
    assert snapshot(app) == before


@pytest.mark.parametrize("status", ["sent", "draft", "queued", "awaiting_response", "refused"])
def test_only_a_letter_that_did_not_arrive_can_be_resent(
    app, auth, client, forms, launched, status
):
    request_id = request_of(app, launched["devon"])["id"]
    with app.app_context():
        db.session.get(Request, request_id).status = status
        db.session.commit()
    auth.login("editor")
    token = forms.token(f"/requests/{request_id}")
    before = snapshot(app)
    response = client.post(
        f"/requests/{request_id}/resend", data={"csrf_token": token}, follow_redirects=True
    )
    label = "not sent" if status == "draft" else status.replace("_", " ")
    assert (
        "Only a letter that did not arrive can be resent; the request to Devon County Council "
        f"is “{label}”. Nothing was changed."
    ) in text_of(response)
    assert snapshot(app) == before


def test_resend_all_sends_the_failed_letters_that_have_an_address_and_names_the_rest(
    app, auth, client, forms, launched
):
    for name in ("kent", "essex", "devon"):
        bounce(app, launched[name])
    set_email(app, launched["kent"], "foi@kent-new.gov.uk")
    set_email(app, launched["devon"], None)
    auth.login("editor")

    response = forms.submit(
        "/campaigns/potholes/requests/resend-failed",
        page="/campaigns/potholes/requests",
        follow_redirects=True,
    )

    page = text_of(response)
    assert (
        "Queued 2 letters again (1 to the same address as before). 1 still has no FOI email "
        "address (add one first): Devon County Council."
    ) in page
    assert request_of(app, launched["kent"])["status"] == "sent"
    assert request_of(app, launched["kent"])["letters"][-1][1] == "foi@kent-new.gov.uk"
    assert request_of(app, launched["essex"])["status"] == "sent"
    assert request_of(app, launched["devon"])["status"] == "delivery_failed"
    assert "Letters that did not arrive (1)" in page
    assert "Resend all failed" not in page  # Devon has no address: nothing left to resend

    again = forms.submit(
        "/campaigns/potholes/requests/resend-failed",
        page="/campaigns/potholes/requests",
        follow_redirects=True,
    )
    assert "1 still has no FOI email address (add one first): Devon County Council." in text_of(
        again
    )


def test_resend_all_with_nothing_failed_says_so(app, auth, forms, launched):
    auth.login("editor")
    before = snapshot(app)
    response = forms.submit(
        "/campaigns/potholes/requests/resend-failed",
        page="/campaigns/potholes/requests",
        follow_redirects=True,
    )
    assert "No letters had failed: nothing to resend." in text_of(response)
    assert snapshot(app) == before


# --- Bad input, roles and forms ------------------------------------------------------------------

BAD_IDS = ["abc", "0", "-1", "1.5", "99999", "9" * 30, "\u0661", "%20", "1%2F..%2F2"]


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_request_id_that_is_not_a_request_is_the_friendly_404(auth, client, launched, raw):
    auth.login("viewer")
    response = client.get(f"/requests/{raw}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


@pytest.mark.parametrize("raw", BAD_IDS)
def test_resending_a_request_that_does_not_exist_is_not_found(app, auth, client, forms, raw):
    auth.login("editor")
    token = forms.token("/campaigns/")
    response = client.post(f"/requests/{raw}/resend", data={"csrf_token": token})
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


@pytest.mark.parametrize("path", ["/campaigns/nope/requests", "/campaigns/%3Cscript%3E/requests"])
def test_an_unknown_campaign_has_no_requests_page(auth, client, path):
    auth.login("viewer")
    response = client.get(path)
    assert response.status_code == 404 and "Page not found" in text_of(response)


def test_resend_forms_without_their_csrf_token_are_refused(app, auth, client, launched):
    request_id = bounce(app, launched["essex"])
    set_email(app, launched["essex"], "foi@essexcc.gov.uk")
    auth.login("editor")
    before = snapshot(app)
    for path in [f"/requests/{request_id}/resend", "/campaigns/potholes/requests/resend-failed"]:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data)
            assert response.status_code == 400, path
            assert "Form expired" in text_of(response)
    assert snapshot(app) == before


def test_viewers_see_requests_but_cannot_resend(app, auth, client, forms, launched):
    request_id = bounce(app, launched["essex"])
    set_email(app, launched["essex"], "foi@essexcc.gov.uk")
    auth.login("viewer")
    listing = client.get("/campaigns/potholes/requests")
    assert listing.status_code == 200
    page = text_of(listing)
    assert "Letters that did not arrive (1)" in page and BOUNCE in page
    assert "Resend" not in page and "Fix the address" not in page
    shown = client.get(f"/requests/{request_id}")
    assert shown.status_code == 200 and "Resend" not in text_of(shown)

    token = forms.token(f"/requests/{request_id}")
    before = snapshot(app)
    for path in [f"/requests/{request_id}/resend", "/campaigns/potholes/requests/resend-failed"]:
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 403, path
        assert "Not allowed" in text_of(response)
    assert snapshot(app) == before


def test_request_pages_are_behind_sign_in(app, client, launched):
    request_id = request_of(app, launched["kent"])["id"]
    for path in ["/campaigns/potholes/requests", f"/requests/{request_id}"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
