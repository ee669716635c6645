"""Done when: for a launched campaign with replies, the campaigner sees which authorities are
late, sends one bulk chaser round that quotes each authority's own reference, asks for internal
reviews of every refusal in two clicks per step, and downloads a complaint draft for a request
whose review ran out."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa
from fakes.replies import reply_email

from campaign.domain.vocabulary import MessageSource
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.models import Authority, Campaign, Question, Request
from campaign.models.base import utcnow
from campaign.services.deadlines import sweep, today_in_london
from campaign.services.ingest import store_inbound
from campaign.services.launch import launch_campaign

COUNCILS = {
    "Kent County Council": "foi@kent.gov.uk",
    "Surrey County Council": "foi@surreycc.gov.uk",
    "Essex County Council": "foi@essex.gov.uk",
}
SLUG = "county-ai"


def ticked(html: str) -> list[str]:
    return re.findall(r'name="selected" value="([^"]+)" checked', html)


def outbox_subjects(app) -> list[str]:
    subjects = []
    for path in Path(app.config["OUTBOX_DIR"]).glob("*.eml"):
        subjects.append(message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"])
    return subjects


def test_late_authorities_chased_refusals_reviewed_and_a_complaint_drafted(
    app, client, auth, forms
):
    with app.app_context():
        authorities = [
            Authority(name=n, foi_email=e, nation="England") for n, e in COUNCILS.items()
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug=SLUG,
            title="County councils and AI",
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=1, text="Do you use predictive analytics?")]
        db.session.add(campaign)
        db.session.commit()
        launch_campaign(campaign)
        # The letters arrived ten weeks ago.
        long_ago = utcnow() - timedelta(days=70)
        requests = {r.authority.name: r for r in db.session.scalars(sa.select(Request))}
        for request in requests.values():
            request.delivered_at = request.sent_at = long_ago
        db.session.commit()
        addresses = {
            n: reply_address(r.token, app.config["MAIL_DOMAIN"]) for n, r in requests.items()
        }
        ids = {n: r.id for n, r in requests.items()}

        # Kent and Essex acknowledged with their own references; Surrey refused under s12.
        for name, ref in (
            ("Kent County Council", "REQ04543"),
            ("Essex County Council", "FOI/2018/77"),
        ):
            store_inbound(
                reply_email(
                    to=addresses[name],
                    sender=COUNCILS[name],
                    body=f"We received your request and will reply within 20 working days. "
                    f"Our ref: {ref}",
                ),
                MessageSource.WEBHOOK,
            )
        store_inbound(
            reply_email(
                to=addresses["Surrey County Council"],
                sender=COUNCILS["Surrey County Council"],
                body="Our reference: CRN00166467\n\nComplying with your request would exceed the "
                "appropriate limit of £450 under section 12 of the Freedom of Information Act "
                "2000, so we refuse it. You may ask for an internal review within 40 working days.",
            ),
            MessageSource.WEBHOOK,
        )
        sweep()

    auth.login("editor")
    overdue = client.get(f"/campaigns/{SLUG}/overdue").get_data(as_text=True)
    assert "Kent County Council" in overdue and "Essex County Council" in overdue
    assert "Surrey County Council" not in overdue  # answered: refused, not late

    # One bulk chaser round, each quoting the authority's own reference.
    page = f"/campaigns/{SLUG}/chase"
    selected = ticked(client.get(page).get_data(as_text=True))
    assert len(selected) == 2
    forms.submit(page, {"selected": selected}, page=page)
    chasers = [s for s in outbox_subjects(app) if s.startswith("Re:")]
    assert sorted(re.search(r"\[Your ref: ([^\]]+)\]", s).group(1) for s in chasers) == [
        "FOI/2018/77",
        "REQ04543",
    ]

    # Internal reviews of every refusal: filter, then queue.
    reviews = f"/campaigns/{SLUG}/reviews?statuses=refused"
    listing = client.get(reviews).get_data(as_text=True)
    assert "Surrey County Council" in listing
    forms.submit(
        f"/campaigns/{SLUG}/reviews",
        {
            "selected": ticked(listing),
            "grounds": "The cost estimate counts work the law does not allow.",
            "statuses": "refused",
            "action": "queue",
        },
        page=reviews,
    )
    surrey = ids["Surrey County Council"]
    with app.app_context():
        request = db.session.get(Request, surrey)
        assert request.status == "review_requested" and request.review_due_on is not None
        # The review runs out without an answer.
        request.review_due_on = today_in_london() - timedelta(days=3)
        db.session.commit()
        sweep()
        assert db.session.get(Request, surrey).status == "review_overdue"

    download = client.get(f"/requests/{surrey}/complaint.txt")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    text = download.get_data(as_text=True)
    assert "Information Commissioner" in text and "CRN00166467" in text
