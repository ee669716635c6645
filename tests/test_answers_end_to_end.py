"""Done when: for a launched campaign with replies, the campaign page shows a council-by-question
table of outcomes filled in automatically, each cell linking to its page in the source, and
corrections made there survive a re-parse.

The replies quote each question and answer beneath it, so the outcomes are the per-question
reader's plainest case; the test depends on it reading those.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.replies import reply_email

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.models import Authority, Campaign, Question, Request
from campaign.services.ingest import store_inbound
from campaign.services.launch import launch_campaign

QUESTIONS = [
    "Does the council use any predictive analytics system to identify children at risk of harm?",
    "Which companies supply the software for any such system?",
]
CELL = re.compile(
    r'<td class="cell outcome-(\w+)"><a href="/requests/(\d+)/answers\?question=(\d)#([\w-]+)"'
)
COUNCILS = {
    "Kent County Council": "foi@kent.gov.uk",
    "Surrey County Council": "foi@surreycc.gov.uk",
}


def launched(app) -> dict[str, Request]:
    with app.app_context():
        authorities = [
            Authority(name=n, foi_email=e, nation="England") for n, e in COUNCILS.items()
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug="children-analytics",
            title="Predictive analytics in children's services",
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=n, text=q) for n, q in enumerate(QUESTIONS, 1)]
        db.session.add(campaign)
        db.session.commit()
        launch_campaign(campaign)
        requests = db.session.scalars(sa.select(Request)).all()
        return {r.authority.name: (r.id, r.token, r.sent_to) for r in requests}


def reply(app, token: str, sender: str, **fields) -> None:
    with app.app_context():
        raw = reply_email(
            to=reply_address(token, app.config["MAIL_DOMAIN"]),
            sender=sender,
            subject="RE: Freedom of Information request",
            **fields,
        )
        assert store_inbound(raw, MessageSource.WEBHOOK).ok


def test_the_campaign_page_fills_its_outcome_table_and_corrections_survive_a_reparse(
    app, client, auth, forms
):
    requests = launched(app)
    kent_id, kent_token, kent_address = requests["Kent County Council"]
    surrey_id, surrey_token, surrey_address = requests["Surrey County Council"]
    reply(
        app,
        kent_token,
        kent_address,
        body=(
            "Dear Requester,\n\nFreedom of Information request, our reference FOI-0101.\n\n"
            f"1. {QUESTIONS[0]}\nThe information is not held.\n\n"
            f"2. {QUESTIONS[1]}\nThe information is not held.\n\nYours sincerely,\nFOI Team"
        ),
    )
    letter = make_pdf(
        [
            ["Freedom of Information Act 2000 - our reference FOI/2026/77", "Dear Requester,"],
            [
                f"1. {QUESTIONS[0]}",
                "Yes. Please find attached a summary of the system we use.",
                f"2. {QUESTIONS[1]}",
                "The information is not held.",
            ],
        ]
    )
    reply(
        app,
        surrey_token,
        surrey_address,
        body="Dear Requester,\n\nPlease find attached our response.\n\nFOI Team",
        attachments=[("FOI-2026-77.pdf", "application/pdf", letter)],
    )

    auth.login("editor")
    page = client.get("/campaigns/children-analytics").get_data(as_text=True)
    cells = dict(
        ((int(request_id), int(question)), (outcome, anchor))
        for outcome, request_id, question, anchor in re.findall(CELL, page)
    )
    assert cells[(kent_id, 1)][0] == "not_held" and cells[(kent_id, 2)][0] == "not_held"
    assert re.fullmatch(r"source-m\d+", cells[(kent_id, 1)][1])  # the email body
    assert cells[(surrey_id, 1)][0] == "disclosed" and cells[(surrey_id, 2)][0] == "not_held"
    assert re.fullmatch(r"source-a\d+-p2", cells[(surrey_id, 1)][1])  # page 2 of the PDF

    # The cell opens the answer beside that page of the source.
    review = client.get(f"/requests/{surrey_id}/answers?question=1").get_data(as_text=True)
    assert f'id="{cells[(surrey_id, 1)][1]}"' in review and "<mark" in review

    # A person corrects Surrey's first answer there; a re-parse keeps the correction.
    url = f"/requests/{surrey_id}/answers"
    source = re.search(r'<option value="(a\d+)"', review).group(1)
    saved = forms.submit(
        f"{url}/1",
        {"outcome": "partially_disclosed", "exemptions": "s43(2)", "source": source, "page": "2"},
        page=url,
    )
    assert saved.status_code == 302
    reparsed = forms.submit(
        "/campaigns/children-analytics/answers/reparse",
        page="/campaigns/children-analytics",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Re-read 2 replies of 2 requests" in reparsed
    assert re.search(
        rf'<td class="cell outcome-partially_disclosed"><a href="/requests/{surrey_id}/answers'
        rf'\?question=1#source-a\d+-p2"[^>]*>Partly disclosed <span class="mark-held"',
        reparsed,
    )
    review = client.get(url).get_data(as_text=True)
    assert "corrected by" in review and "s43(2)" in review
