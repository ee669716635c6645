"""The public comparison page /p/<slug>, its documents and embeds, on SQLite and PostgreSQL.

A seeded campaign gets a reply and a released document full of personal data (an officer's
email address, direct line and name, listed and in a signature); none of it may appear in any
public response, in any form, whatever is asked for.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import sqlalchemy as sa
from seeding import seed_campaign

from campaign.charts import CHART_KEYS
from campaign.extensions import db
from campaign.models import Answer, Attachment, Campaign, Message, Request, User
from campaign.services.search_index import index_message

SECRET_EMAIL = "jane.officer@ashford-council.gov.uk"
SECRET_PHONE = "01233 330 456"
LISTED_NAME = "Priya Ramaswamy"
SIGNED_NAME = "Tomasz Wójcik"
SECRETS = (SECRET_EMAIL, SECRET_PHONE, LISTED_NAME, SIGNED_NAME, "Ramaswamy", "Wójcik")
LEAKY_TEXT = (
    f"Please contact {LISTED_NAME} on {SECRET_PHONE} or {SECRET_EMAIL} about Xantura.\n"
    "We hold a contract with Xantura for risk scoring.\nThank you.\n"
    f"Kind regards\n{SIGNED_NAME}\nInformation Governance Officer\n"
)
FIGURE_RE = re.compile(
    r'<figure class="chart[^"]*" id="chart-(\w+)".*?'
    r'(?:<script type="application/json" class="chart-figure">(.*?)</script>|chart-empty)',
    re.S,
)


def seed_leaky_campaign(public: bool, slug: str = "analytics") -> dict:
    """A seeded campaign whose first reply and document carry an officer's personal data."""
    campaign = seed_campaign(db.session, authorities=16, seed=11, slug=slug, public=public)
    campaign.redaction_terms = f"{LISTED_NAME}\n"
    campaign.methodology = "Sent on one day; read by hand."
    request = db.session.scalars(
        sa.select(Request)
        .where(Request.campaign_id == campaign.id, Request.reference_id.is_not(None))
        .order_by(Request.id)
    ).first()
    request.reference_id = "FOI 01233 330 456"  # a reference that is really a phone number
    message = Message(
        request_id=request.id,
        direction="inbound",
        source="upload",
        inbound_key=f"leaky-{slug}@seed.test",
        kind="response",
        message_id=f"leaky-{slug}@seed.test",
        from_address=SECRET_EMAIL,
        from_name=LISTED_NAME,
        subject=f"Your request, from {LISTED_NAME}",
        body_text=LEAKY_TEXT,
        processing_state="processed",
    )
    attachment = Attachment(
        sha256="a" * 64,
        filename=f"Letter from {LISTED_NAME}.pdf",
        content_type="application/pdf",
        size=1234,
        pages=["Cover page: Freedom of Information response.", LEAKY_TEXT],
        page_count=2,
        parse_state="parsed",
        extract_method="text",
    )
    message.attachments.append(attachment)
    db.session.add(message)
    db.session.flush()
    answer = db.session.scalars(
        sa.select(Answer).where(Answer.request_id == request.id).order_by(Answer.id)
    ).first()
    if answer is None:
        question = campaign.questions[0]
        answer = Answer(request_id=request.id, question_id=question.id)
        db.session.add(answer)
    answer.outcome = "disclosed"
    answer.excerpt = f"Ask {LISTED_NAME} ({SECRET_EMAIL}, {SECRET_PHONE}) for the contract."
    answer.attachment_id = attachment.id
    index_message(message)
    # Our own letter also carries a file: it is not a released document.
    ours = Message(
        request_id=request.id,
        direction="outbound",
        kind="request",
        message_id=f"ours-{slug}@seed.test",
        subject="Our letter",
        body_text="Dear council",
    )
    ours.attachments.append(
        Attachment(sha256="b" * 64, filename="our-letter.pdf", size=10, pages=["Our letter"])
    )
    db.session.add(ours)
    db.session.commit()
    return {
        "slug": campaign.slug,
        "attachment_id": attachment.id,
        "our_attachment_id": ours.attachments[0].id,
        "sent_to": request.sent_to,
        "token": request.token,
    }


@pytest.fixture
def published(app):
    with app.app_context():
        return seed_leaky_campaign(public=True)


@pytest.fixture
def unpublished(app):
    with app.app_context():
        return seed_leaky_campaign(public=False, slug="secret-draft")


def assert_nothing_private(html: str, seeded: dict) -> None:
    for text in (html, unescape(html), unescape(unescape(html))):
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} is on a public page"
        assert seeded["sent_to"] not in text
        assert seeded["token"] not in text
        assert "@example.org" not in text  # users' addresses
        assert "/campaigns/" not in text  # no link into the signed-in pages


def figures(html: str) -> dict[str, dict | None]:
    return {key: json.loads(unescape(raw)) if raw else None for key, raw in FIGURE_RE.findall(html)}


def test_published_page_shows_letter_methodology_charts_and_table(client, published):
    response = client.get(f"/p/{published['slug']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Data analytics in councils" in html
    assert "Sent on one day; read by hand." in html
    assert "Freedom of Information request: data analytics" in html  # the letter's subject
    assert "Dear [name of the authority]," in html  # placeholders said in general words
    assert list(figures(html)) == list(CHART_KEYS)
    assert 'id="answers-table"' in html
    assert html.count('<tr>\n        <th scope="row"') == 16
    assert "[email address removed]" in html and "[name removed]" in html
    assert "[phone number removed]" in html  # the reference that was a phone number
    assert f"/p/{published['slug']}/documents/{published['attachment_id']}" in html
    assert f"/p/{published['slug']}/embed/heatmap" in html and "&lt;iframe src=" in html
    assert "Preview, not yet public" not in html
    assert "<script>" not in html
    assert_nothing_private(html, published)


def test_public_charts_are_not_clickable_and_hide_what_the_rules_mask(client, published):
    html = client.get(f"/p/{published['slug']}").get_data(as_text=True)
    assert "data-drill-url" not in html
    drawn = figures(html)
    assert all(figure is not None for figure in drawn.values())
    assert "01233" not in json.dumps(drawn)


def test_unpublished_and_unknown_campaigns_are_not_found_for_anyone_signed_out(client, unpublished):
    slug = unpublished["slug"]
    for path in (
        f"/p/{slug}",
        f"/p/{slug}/documents/{unpublished['attachment_id']}",
        f"/p/{slug}/embed/funnel",
        "/p/no-such-campaign",
        "/p/no-such-campaign/embed/funnel",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert slug not in response.get_data(as_text=True) or path.endswith(slug) is False


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owners_preview_an_unpublished_page(client, auth, unpublished, role):
    auth.login(role)
    assert client.get(f"/p/{unpublished['slug']}").status_code == 404


def test_an_owner_previews_exactly_what_goes_public(app, client, auth, unpublished):
    auth.login("owner")
    slug = unpublished["slug"]
    preview = client.get(f"/p/{slug}")
    assert preview.status_code == 200
    preview_html = preview.get_data(as_text=True)
    assert "Preview, not yet public" in preview_html
    assert preview.headers["Cache-Control"] == "no-store"
    assert_nothing_private(preview_html, unpublished)
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        campaign.is_public = True
        db.session.commit()
    public_html = app.test_client().get(f"/p/{slug}").get_data(as_text=True)  # signed out

    def without_banner(html: str) -> str:
        html = re.sub(r'<div class="preview-banner".*?</div>', "", html, flags=re.S)
        html = html.replace('<meta name="robots" content="noindex">', "")
        html = re.sub(r"Published \d+ \w+ \d{4}\.", "", html)
        return " ".join(html.split())

    assert without_banner(preview_html) == without_banner(public_html)


def test_released_document_is_its_redacted_text_page_by_page(client, published):
    response = client.get(f"/p/{published['slug']}/documents/{published['attachment_id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Page 1" in html and "Page 2" in html
    assert "We hold a contract with Xantura for risk scoring." in html
    assert "The original file is not published" in html
    assert "Letter from [name removed].pdf" in html
    assert_nothing_private(html, published)


@pytest.mark.parametrize(
    "attachment_id",
    [
        "our",
        "0",
        "-1",
        "99999999",
        "1e3",
        "%2e%2e",
        "1;DROP TABLE attachment",
        "9" * 40,
        " 1",
        "2147483648",
        "٣",
        "99999999999",
    ],
)
def test_anything_but_a_released_document_is_not_found(client, published, attachment_id):
    if attachment_id == "our":
        attachment_id = str(published["our_attachment_id"])
    response = client.get(f"/p/{published['slug']}/documents/{attachment_id}")
    assert response.status_code == 404


def test_another_campaigns_document_is_not_found_through_this_one(app, client, published):
    with app.app_context():
        other = seed_leaky_campaign(public=True, slug="other-campaign")
    assert client.get(f"/p/other-campaign/documents/{other['attachment_id']}").status_code == 200
    response = client.get(f"/p/{published['slug']}/documents/{other['attachment_id']}")
    assert response.status_code == 404


def test_search_finds_replies_with_redacted_snippets(client, published):
    html = client.get(f"/p/{published['slug']}?search=Xantura").get_data(as_text=True)
    assert "<mark>Xantura</mark>" in html
    assert "matching page" in html
    assert_nothing_private(html, published)


@pytest.mark.parametrize(
    "query",
    [LISTED_NAME, "Ramaswamy", SECRET_EMAIL, "ashford-council", SECRET_PHONE, "Wójcik", "Priya"],
)
def test_searching_for_what_is_redacted_reveals_nothing(client, published, query):
    response = client.get(f"/p/{published['slug']}", query_string={"search": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "matching page" not in html and "<mark>" not in html  # not even a count
    assert "No reply or document matches" in html
    echoed = [secret for secret in SECRETS if secret in query or query in secret]
    text = unescape(html)
    for secret in SECRETS:
        if secret not in echoed:
            assert secret not in text, f"{secret!r} is on a public page"
    assert published["sent_to"] not in text and published["token"] not in text


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "secret"},
        {"sort": "q1; DROP TABLE request"},
        {"dir": "sideways"},
        {"q": "x" * 101},
        {"sort": "q99999"},
    ],
)
def test_the_table_refuses_parameters_it_does_not_offer(client, published, query):
    response = client.get(f"/p/{published['slug']}", query_string=query)
    assert response.status_code == 400
    assert "<script" not in response.get_data(as_text=True).split("</title>")[0]


@pytest.mark.parametrize("name", ["q", "search"])
def test_odd_characters_in_the_filter_and_search_are_only_text(client, published, name):
    for value in ("\x00", "NEAR(a b)", '"', "a\x00b", "' OR 1=1 --", "*", "\u202e"):
        response = client.get(f"/p/{published['slug']}", query_string={name: value})
        assert response.status_code == 200, value


def test_the_table_sorts_and_filters_without_javascript(client, published):
    slug = published["slug"]

    def authorities(html: str) -> list[str]:
        return re.findall(r'<th scope="row" data-sort-value="([^"]*)"', html)

    ascending = authorities(client.get(f"/p/{slug}?sort=authority").get_data(as_text=True))
    descending = authorities(
        client.get(f"/p/{slug}?sort=authority&dir=desc").get_data(as_text=True)
    )
    assert ascending == sorted(ascending) and descending == ascending[::-1]
    html = client.get(f"/p/{slug}?sort=q1").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    first = ascending[0]
    filtered = authorities(client.get(f"/p/{slug}", query_string={"q": first}).get_data(True))
    assert filtered and all(first in name for name in filtered)
    html = client.get(f"/p/{slug}?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize(
    "slug", ["..", "%2e%2e", "a" * 300, "<script>", "analytics'--", "ANALYTICS", "analytics%00"]
)
def test_hostile_slugs_are_not_found(client, published, slug):
    response = client.get(f"/p/{slug}")
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_embeds_may_be_framed_and_other_public_pages_may_not(client, published):
    slug = published["slug"]
    embed = client.get(f"/p/{slug}/embed/map")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    html = embed.get_data(as_text=True)
    assert list(figures(html)) == ["map"]
    assert_nothing_private(html, published)
    for path in (f"/p/{slug}", f"/p/{slug}/documents/{published['attachment_id']}"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert client.get(f"/p/{slug}/embed/no-such-chart").status_code == 404


def test_no_embed_shows_what_the_rules_mask(client, published):
    for key in CHART_KEYS:
        response = client.get(f"/p/{published['slug']}/embed/{key}")
        assert response.status_code == 200, key
        assert list(figures(response.get_data(as_text=True))) == [key]
        assert_nothing_private(response.get_data(as_text=True), published)


def test_unpublishing_takes_the_page_down(app, client, published):
    assert client.get(f"/p/{published['slug']}").status_code == 200
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == published["slug"]))
        campaign.is_public = False
        db.session.commit()
    assert client.get(f"/p/{published['slug']}").status_code == 404
    assert client.get(f"/p/{published['slug']}/embed/funnel").status_code == 404


def test_signed_in_team_members_are_not_named_on_the_public_page(app, client, auth, published):
    email = auth.login("editor")
    html = client.get(f"/p/{published['slug']}").get_data(as_text=True)
    assert email not in html and "Sign out" not in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
