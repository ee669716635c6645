"""Open data: requests.csv, answers.csv and campaign.json, full and public, and their downloads."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from seeding import seed_campaign

from campaign.extensions import db
from campaign.models import (
    Answer,
    Attachment,
    Authority,
    Campaign,
    Mention,
    Message,
    Question,
    Request,
    User,
)
from campaign.services.export import (
    PRIVATE_ANSWER_COLUMNS,
    PRIVATE_REQUEST_COLUMNS,
    PUBLIC_ANSWER_COLUMNS,
    PUBLIC_REQUEST_COLUMNS,
    answers_csv,
    campaign_document,
    load_export,
    requests_csv,
    safe_cell,
)

OFFICER_EMAIL = "jane.smith@borough.gov.uk"
OFFICER_PHONE = "01632 960123"
OFFICER_NAME = "Jane Smith"
PRIVATE_TEXT = f"Contact {OFFICER_NAME} on {OFFICER_PHONE} or {OFFICER_EMAIL} for details."


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def seeded(app):
    """A published seeded campaign of 30 councils, with one officer named in its replies."""
    with app.app_context():
        campaign = seed_campaign(db.session, authorities=30, seed=5, slug="open-data", public=True)
        campaign.redaction_terms = f"{OFFICER_NAME}\n"
        answer = db.session.scalars(sa.select(Answer).order_by(Answer.id)).first()
        answer.excerpt = PRIVATE_TEXT
        answer.urls = [f"mailto:{OFFICER_EMAIL}"]
        mention = db.session.scalars(
            sa.select(Mention).where(Mention.rejected_at.is_(None))
        ).first()
        mention.sentence = f"{OFFICER_NAME} told us the council uses {mention.name}."
        db.session.commit()
        return campaign.slug


@pytest.fixture
def exact(app, make_authority):
    """A campaign of one request whose every exported value is known in advance."""
    authority_id = make_authority(
        name="Coventry City Council",
        gss_code="E08000026",
        nation="England",
        authority_type="Metropolitan district",
    )
    with app.app_context():
        assignee = User(email="case.worker@team.example", role="editor")
        assignee.set_password("correct horse 42")
        campaign = Campaign(
            slug="exact",
            title="Data analytics",
            subject_template="FOI: data analytics",
            body_template="Dear {{ authority.name }},\n\n{{ questions }}\n",
            status="live",
            launched_at=datetime(2018, 5, 1, 9, 0, tzinfo=UTC),
        )
        campaign.questions = [
            Question(position=1, text="Do you use predictive analytics?", short_label="Use"),
            Question(position=2, text="=cmd|' /C calc'!A0", short_label="Formula"),
        ]
        request = Request(
            campaign=campaign,
            authority_id=authority_id,
            token="exact-token-1",
            status="partially_successful",
            law="foia",
            sent_to="foi@coventry.gov.uk",
            sent_at=datetime(2018, 5, 1, 9, 0, tzinfo=UTC),
            delivered_at=datetime(2018, 5, 1, 9, 1, tzinfo=UTC),
            due_on=date(2018, 5, 30),
            reference_id="REQ04543",
            chase_stage=1,
            review_requested_at=datetime(2018, 6, 10, tzinfo=UTC),
            review_outcome="partially_overturned",
            review_grounds="Section 21 was misapplied.",
            assigned_to=assignee,
        )
        reply = Message(
            request=request,
            direction="inbound",
            kind="response",
            message_id="reply-1@coventry.gov.uk",
            inbound_key="reply-1@coventry.gov.uk",
            received_at=datetime(2018, 5, 25, 14, 0, tzinfo=UTC),
        )
        reply.attachments = [Attachment(sha256="a" * 64, filename="REQ04543 response.pdf", size=10)]
        db.session.add_all([campaign, request, reply])
        db.session.flush()
        request.answers = [
            Answer(
                question=campaign.questions[0],
                outcome="disclosed",
                excerpt="We use FFT Aspire.",
                urls=["https://example.org/aspire"],
                attachment=reply.attachments[0],
                page=2,
                confidence=0.9,
                review_state="confirmed",
            ),
            Answer(
                question=campaign.questions[1],
                outcome="refused",
                exemptions=["s21", "s43(2)"],
                excerpt="-1+1 @SUM(A1)",
                confidence=0.5,
            ),
        ]
        request.mentions = [Mention(name="FFT Aspire", category="system", sentence="FFT Aspire.")]
        db.session.commit()
        return campaign.slug


def test_requests_csv_has_one_row_per_request_with_the_exact_columns(app, seeded):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == seeded))
        export = load_export(campaign)
        rows = rows_of(requests_csv(export))
        stored = db.session.execute(
            sa.select(Authority.name, Request.status, Request.reference_id, Request.due_on)
            .join(Request, Request.authority_id == Authority.id)
            .where(Request.campaign_id == campaign.id)
        ).all()
    assert list(rows[0]) == list(PRIVATE_REQUEST_COLUMNS + PUBLIC_REQUEST_COLUMNS)
    assert len(rows) == len(stored) == 30
    by_name = {row["authority"]: row for row in rows}
    for name, status, reference, due_on in stored:
        assert by_name[name]["status"] == status
        assert by_name[name]["reference_id"] == (reference or "")
        assert by_name[name]["due_on"] == (due_on.isoformat() if due_on else "")
    assert [row["authority"] for row in rows] == sorted(by_name)


def test_answers_csv_has_one_row_per_answer(app, seeded):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == seeded))
        rows = rows_of(answers_csv(load_export(campaign)))
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Answer)
            .join(Request, Request.id == Answer.request_id)
            .where(Request.campaign_id == campaign.id)
        )
        outcomes = dict(
            db.session.execute(
                sa.select(Answer.outcome, sa.func.count())
                .join(Request, Request.id == Answer.request_id)
                .where(Request.campaign_id == campaign.id)
                .group_by(Answer.outcome)
            ).all()
        )
    assert count > 0
    assert list(rows[0]) == list(PRIVATE_ANSWER_COLUMNS + PUBLIC_ANSWER_COLUMNS)
    assert len(rows) == count
    assert {o: sum(1 for r in rows if r["outcome"] == o) for o in outcomes} == outcomes
    assert {row["question_number"] for row in rows} <= {str(n) for n in range(1, 8)}


def test_every_value_of_a_known_request(app, exact):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == exact))
        export = load_export(campaign, today=date(2018, 7, 1))
        (row,) = rows_of(requests_csv(export))
        first, second = rows_of(answers_csv(export))
    assert row == {
        "request_id": row["request_id"],
        "sent_to": "foi@coventry.gov.uk",
        "assigned_to": "case.worker@team.example",
        "failure_reason": "",
        "review_grounds": "Section 21 was misapplied.",
        "authority": "Coventry City Council",
        "gss_code": "E08000026",
        "nation": "England",
        "authority_type": "Metropolitan district",
        "status": "partially_successful",
        "law": "foia",
        "sent_on": "2018-05-01",
        "due_on": "2018-05-30",
        "first_response_on": "2018-05-25",
        # 1 May 2018 to 25 May: 17 working days (the 7 May bank holiday is not one).
        "working_days_to_respond": "17",
        "on_time": "y",
        "reference_id": "REQ04543",
        "chase_stage": "1",
        "review_requested": "y",
        "review_outcome": "partially_overturned",
        "exemptions": "s21; s43(2)",
    }
    assert first["question"] == "Do you use predictive analytics?"
    assert first["document"] == "REQ04543 response.pdf"
    assert (first["page"], first["urls"], first["confidence"]) == (
        "2",
        "https://example.org/aspire",
        "0.9",
    )
    assert first["checked_by_person"] == "y"
    assert second["checked_by_person"] == "n"
    assert second["exemptions"] == "s21; s43(2)"


def test_working_days_follow_the_calendar_of_the_law():
    from campaign.services.export import on_time, working_days_to_respond

    # 1 May 2018 (Tuesday) to 25 May: 18 weekdays after the 1st, less the 7 May bank holiday.
    assert working_days_to_respond("foia", date(2018, 5, 1), date(2018, 5, 25)) == 17
    assert working_days_to_respond("foia", date(2018, 5, 1), date(2018, 5, 1)) == 0
    assert on_time(date(2018, 5, 30), date(2018, 5, 30), date(2018, 7, 1)) is True
    assert on_time(date(2018, 5, 30), date(2018, 5, 31), date(2018, 7, 1)) is False
    assert on_time(date(2018, 5, 30), None, date(2018, 5, 30)) is None  # still in time
    assert on_time(date(2018, 5, 30), None, date(2018, 5, 31)) is False
    # Withdrawn, or answered by hand with no reply on record: nothing says when it ended.
    assert on_time(date(2018, 5, 30), None, date(2018, 7, 1), "withdrawn") is None
    assert on_time(date(2018, 5, 30), None, date(2018, 7, 1), "successful") is None
    assert on_time(date(2018, 5, 30), None, date(2018, 7, 1), "overdue") is False


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 1632", "'+44 1632"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-3, "-3"),
        (True, "y"),
        (None, ""),
        (["s21", "=x"], "s21; =x"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_defused(value, cell):
    assert safe_cell(value) == cell


def test_formula_injection_is_neutralised_in_the_files(app, exact):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == exact))
        text = answers_csv(load_export(campaign))
    rows = rows_of(text)
    assert rows[1]["question"] == "'=cmd|' /C calc'!A0"
    assert rows[1]["excerpt"] == "'-1+1 @SUM(A1)"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_csv_is_rfc_4180_utf8_with_crlf_and_quotes_where_needed(app, exact):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == exact))
        campaign.questions[0].text = 'He said "yes", then\nno — naïve'
        db.session.commit()
        text = answers_csv(load_export(campaign))
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    assert '"He said ""yes"", then\nno — naïve"' in text
    assert rows_of(text)[0]["question"] == 'He said "yes", then\nno — naïve'
    text.encode("utf-8")


def test_json_nests_answers_and_mentions_under_each_request(app, exact):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == exact))
        document = campaign_document(load_export(campaign))
    json.dumps(document)
    assert document["campaign"]["slug"] == "exact"
    assert document["campaign"]["letter"]["body"].startswith("Dear [authority name],")
    assert "mySociety" in document["licence"]["authorities"]["attribution"]
    assert document["licence"]["authorities"]["licence"] == "CC-BY-4.0"
    assert [q["number"] for q in document["questions"]] == [1, 2]
    (request,) = document["requests"]
    assert [a["question_number"] for a in request["answers"]] == [1, 2]
    assert request["answers"][0]["document"] == "REQ04543 response.pdf"
    assert request["mentions"] == [
        {"name": "FFT Aspire", "category": "system", "sentence": "FFT Aspire.", "page": None}
    ]
    assert request["sent_to"] == "foi@coventry.gov.uk"


def test_public_view_keeps_only_public_columns_and_nothing_about_the_team(app, exact):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == exact))
        export = load_export(campaign, public=True)
        texts = [requests_csv(export), answers_csv(export), json.dumps(campaign_document(export))]
    assert list(rows_of(texts[0])[0]) == list(PUBLIC_REQUEST_COLUMNS)
    assert list(rows_of(texts[1])[0]) == list(PUBLIC_ANSWER_COLUMNS)
    for text in texts:
        for private in ("foi@coventry.gov.uk", "case.worker@team.example", "exact-token-1"):
            assert private not in text
        assert "Section 21 was misapplied" not in text
        assert "sent_to" not in text and "assigned_to" not in text


def test_public_view_masks_emails_phones_and_listed_names(app, seeded):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == seeded))
        full = load_export(campaign)
        public = load_export(campaign, public=True)
        full_text = answers_csv(full) + json.dumps(campaign_document(full))
        public_texts = [
            requests_csv(public),
            answers_csv(public),
            json.dumps(campaign_document(public), ensure_ascii=False),
        ]
    assert OFFICER_EMAIL in full_text and OFFICER_NAME in full_text
    for text in public_texts:
        for secret in (OFFICER_EMAIL, OFFICER_PHONE, OFFICER_NAME, "jane.smith"):
            assert secret not in text
    assert "[email address removed]" in public_texts[1]
    assert "[phone number removed]" in public_texts[1]
    assert "[name removed]" in public_texts[2]


# -- downloads -----------------------------------------------------------------------------------


def test_signed_in_downloads_are_attachments_of_the_full_view(client, auth, seeded):
    auth.login("viewer")
    for name, kind in (
        ("requests.csv", "text/csv"),
        ("answers.csv", "text/csv"),
        ("campaign.json", "application/json"),
    ):
        response = client.get(f"/campaigns/{seeded}/export/{name}")
        assert response.status_code == 200
        assert response.mimetype == kind
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{seeded}-{name}"'
        )
    text = client.get(f"/campaigns/{seeded}/export/answers.csv").get_data(as_text=True)
    assert OFFICER_EMAIL in text
    document = client.get(f"/campaigns/{seeded}/export/campaign.json").get_json()
    assert len(document["requests"]) == 30


def test_signed_in_downloads_need_sign_in_and_a_known_campaign(client, auth, seeded):
    response = client.get(f"/campaigns/{seeded}/export/requests.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login()
    assert client.get("/campaigns/no-such/export/requests.csv").status_code == 404
    assert client.get(f"/campaigns/{seeded}/export/secrets.csv").status_code == 404


def test_public_downloads_are_redacted_and_need_no_sign_in(client, seeded):
    for name in ("requests.csv", "answers.csv", "campaign.json"):
        response = client.get(f"/p/{seeded}/data/{name}")
        assert response.status_code == 200, name
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{seeded}-public-{name}"'
        )
        text = response.get_data(as_text=True)
        for secret in (OFFICER_EMAIL, OFFICER_PHONE, OFFICER_NAME, "seed.test"):
            assert secret not in text
    document = client.get(f"/p/{seeded}/data/campaign.json").get_json()
    assert document["campaign"]["public"] is True
    assert "request_id" not in document["requests"][0]


def test_public_downloads_are_404_unless_published(app, client, seeded):
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == seeded))
        campaign.is_public = False
        db.session.commit()
    for name in ("requests.csv", "answers.csv", "campaign.json"):
        assert client.get(f"/p/{seeded}/data/{name}").status_code == 404
        assert client.get(f"/p/no-such-campaign/data/{name}").status_code == 404
    assert client.get(f"/p/{'x' * 300}/data/requests.csv").status_code == 404


def test_export_reads_a_big_campaign_in_a_fixed_number_of_queries(app):
    with app.app_context():
        small = seed_campaign(db.session, authorities=5, seed=1, slug="small")
        big = seed_campaign(db.session, authorities=120, seed=2, slug="big")
        counts = []
        for campaign in (small, big):
            statements: list[str] = []

            def count(*args, statements=statements):
                statements.append(args[2])

            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                db.session.expire_all()
                load_export(campaign, public=True)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
            counts.append(len(statements))
    assert counts[0] == counts[1] <= 8


@pytest.mark.parametrize(
    ("slug", "filename"),
    [
        ("data-analytics", "data-analytics"),
        ('a"b\r\nc', "a-b--c"),
        ("../../etc", "etc"),
        ("café", "caf"),
        ("", "campaign"),
    ],
)
def test_download_names_are_safe_in_a_header(slug, filename):
    from campaign.services.export import safe_filename

    assert safe_filename(slug) == filename


def test_the_links_macro_points_at_both_sets_of_downloads(app, seeded):
    with app.test_request_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == seeded))
        macros = app.jinja_env.get_template("export/_links.html").module
        private = str(macros.data_links(campaign))
        public = str(macros.data_links(campaign, public=True))
    for name in ("requests.csv", "answers.csv", "campaign.json"):
        assert f'href="/campaigns/{seeded}/export/{name}"' in private
        assert f'href="/p/{seeded}/data/{name}"' in public
