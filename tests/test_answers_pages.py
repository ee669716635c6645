"""The review screen, the queue of answers to check, and the campaign page's outcome table:
corrections through the forms, clear errors that change nothing, viewers who only look."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from test_answers_support import (
    add_reply,
    answers_of,
    finding,
    live_campaign,
    mention,
    mentions_of,
    store,
)

from campaign.extensions import db
from campaign.models import Answer, Event

PAGES = [
    "Freedom of Information response. Our ref FOI-77.",
    "1. Predictive analytics\nThe council does not hold this information.\n"
    "<script>alert(1)</script>",
]


@pytest.fixture
def answered(app):
    """Kent's reply: a PDF letter whose page 2 answers question 1; question 2 in the body."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id, (pdf_id,) = add_reply(
        app,
        request_id,
        body="Please find our response attached. We use Capita One.",
        attachments=[("response.pdf", PAGES)],
    )
    store(
        app,
        message_id,
        [
            finding(
                1,
                "not_held",
                excerpt="The council does not hold this information.",
                document="response.pdf",
                page=2,
                confidence=0.4,
            ),
            finding(2, "disclosed", excerpt="We use Capita One.", document=None, page=1),
        ],
        [mention("Capita One", "We use Capita One.")],
    )
    return setup, request_id, message_id, pdf_id


def changes(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Event.kind).order_by(Event.id)))


def test_the_request_page_links_to_its_answers_for_viewers_too(client, auth, answered):
    _, request_id, _, _ = answered
    auth.login("viewer")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert f'href="/requests/{request_id}/answers"' in page


def test_the_review_screen_shows_answers_beside_their_pages_with_the_excerpt_marked(
    app, client, auth, answered
):
    _, request_id, message_id, pdf_id = answered
    auth.login("viewer")
    page = client.get(f"/requests/{request_id}/answers?question=1").get_data(as_text=True)
    assert f'id="source-a{pdf_id}-p2"' in page and f'id="source-m{message_id}"' in page
    marked = "The council does not hold this information."
    assert f'<mark id="excerpt-q1" title="Question 1">{marked}</mark>' in page
    assert '<mark id="excerpt-q2"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert f'href="/requests/{request_id}/answers?question=1#source-a{pdf_id}-p2"' in page
    assert 'class="answer current"' in page  # the question asked for is picked out
    assert "Not held" in page and "to check" in page
    assert "Capita One" in page
    # A viewer sees no forms.
    assert "Save correction" not in page and "Confirm as right" not in page
    assert "Not named here" not in page


def test_a_correction_through_the_form_is_shown_as_corrected(app, client, auth, forms, answered):
    _, request_id, _, pdf_id = answered
    email = auth.login("editor")
    url = f"/requests/{request_id}/answers"
    response = forms.submit(
        f"{url}/1",
        {
            "outcome": "refused",
            "exemptions": "s43(2), section 40",
            "excerpt": "Withheld.",
            "source": f"a{pdf_id}",
            "page": "1",
            "urls": "https://example.gov.uk/foi",
        },
        page=url,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}?question=1#answer-1")
    answer = answers_of(app, request_id)[1]
    assert (answer.outcome, answer.exemptions, answer.page) == ("refused", ["s43(2)", "s40"], 1)
    assert answer.urls == ["https://example.gov.uk/foi"] and answer.review_state == "corrected"
    page = client.get(url).get_data(as_text=True)
    assert f"corrected by {email}" in page
    assert "The parser now reads: Not held" in page
    timeline = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "answer corrected" in timeline and "outcome: not held → refused" in timeline


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"outcome": "maybe"}, "Choose one of the listed outcomes."),
        ({"page": "3"}, "response.pdf has 2 pages; page 3 is not one of them."),
        ({"page": "two"}, "The page must be a whole number."),
        ({"excerpt": "x" * 5001}, "The excerpt is 5,001 characters; at most 5,000 are kept."),
        ({"exemptions": "s21, because"}, "“because” is not an exemption"),
        ({"urls": "javascript:alert(1)"}, "is not a web address"),
        ({"source": "m999999"}, "That document is not one of this request&#39;s replies."),
    ],
)
def test_bad_input_gives_a_clear_error_and_changes_nothing(
    app, client, auth, forms, answered, fields, problem
):
    _, request_id, _, pdf_id = answered
    auth.login("editor")
    url = f"/requests/{request_id}/answers"
    data = {"outcome": "disclosed", "source": f"a{pdf_id}", "page": "2", **fields}
    before = changes(app)
    response = forms.submit(f"{url}/1", data, page=url)
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert answers_of(app, request_id)[1].outcome == "not_held"
    assert changes(app) == before


def test_another_requests_attachment_cannot_be_a_source(app, client, auth, forms, answered):
    _, request_id, _, _ = answered
    other = live_campaign(app, councils=["Devon County Council"]).request_ids[0]
    _, (other_pdf,) = add_reply(app, other, attachments=[("theirs.pdf", ["Page"])])
    auth.login("editor")
    url = f"/requests/{request_id}/answers"
    response = forms.submit(
        f"{url}/1", {"outcome": "disclosed", "source": f"a{other_pdf}", "page": "1"}, page=url
    )
    assert response.status_code == 400
    assert answers_of(app, request_id)[1].outcome == "not_held"


def test_confirm_and_undo(app, client, auth, forms, answered):
    _, request_id, _, _ = answered
    auth.login("editor")
    url = f"/requests/{request_id}/answers"
    assert forms.submit(f"{url}/1/confirm", page=url).status_code == 302
    assert answers_of(app, request_id)[1].review_state == "confirmed"
    assert "confirmed by" in client.get(url).get_data(as_text=True)
    assert forms.submit(f"{url}/1/undo", page=url).status_code == 302
    assert answers_of(app, request_id)[1].review_state == "parsed"
    assert changes(app)[-2:] == ["answer_confirmed", "answer_correction_undone"]
    # Nothing to undo now: said, and nothing changes.
    response = forms.submit(f"{url}/1/undo", page=url, follow_redirects=True)
    assert "has no correction to undo" in response.get_data(as_text=True)


def test_a_viewer_can_look_but_not_change(app, client, auth, forms, answered):
    setup, request_id, _, _ = answered
    auth.login("viewer")
    url = f"/requests/{request_id}/answers"
    token = forms.token(url)
    for path in (
        f"{url}/1",
        f"{url}/1/confirm",
        f"{url}/1/undo",
        f"/campaigns/{setup.slug}/answers/reparse",
    ):
        response = client.post(path, data={"csrf_token": token, "outcome": "refused"})
        assert response.status_code == 403, path
    assert client.get(f"/campaigns/{setup.slug}/answers/check").status_code == 200
    assert answers_of(app, request_id)[1].review_state == "parsed"


def test_forms_need_their_csrf_token(app, client, auth, answered):
    _, request_id, _, _ = answered
    auth.login("editor")
    response = client.post(f"/requests/{request_id}/answers/1", data={"outcome": "refused"})
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)
    assert answers_of(app, request_id)[1].outcome == "not_held"


def test_an_unknown_question_or_request_is_refused(app, client, auth, forms, answered):
    _, request_id, _, _ = answered
    auth.login("editor")
    url = f"/requests/{request_id}/answers"
    response = forms.submit(f"{url}/9", {"outcome": "refused"}, page=url)
    assert response.status_code == 400 and "has no question 9" in response.get_data(as_text=True)
    assert client.get("/requests/999999/answers").status_code == 404


def test_mentions_can_be_rejected_restored_and_added(app, client, auth, forms, answered):
    _, request_id, message_id, _ = answered
    auth.login("editor")
    url = f"/requests/{request_id}/answers"
    capita = mentions_of(app, request_id)["Capita One"]
    assert (
        forms.submit(f"/requests/{request_id}/mentions/{capita.id}/reject", page=url).status_code
        == 302
    )
    assert mentions_of(app, request_id)["Capita One"].rejected_at is not None
    assert "rejected by" in client.get(url).get_data(as_text=True)
    forms.submit(f"/requests/{request_id}/mentions/{capita.id}/restore", page=url)
    assert mentions_of(app, request_id)["Capita One"].rejected_at is None
    response = forms.submit(
        f"/requests/{request_id}/mentions",
        {"name": "Xantura", "category": "vendor", "source": f"m{message_id}", "page": "1"},
        page=url,
    )
    assert response.status_code == 302
    assert mentions_of(app, request_id)["Xantura"].source == "person"
    again = forms.submit(
        f"/requests/{request_id}/mentions", {"name": "xantura", "category": "vendor"}, page=url
    )
    assert again.status_code == 400 and "Xantura is listed already" in again.get_data(as_text=True)
    bad = forms.submit(
        f"/requests/{request_id}/mentions", {"name": "", "category": "app"}, page=url
    )
    assert bad.status_code == 400
    assert "Choose system or vendor." in bad.get_data(as_text=True)
    # Another request's mention id is not this request's to reject.
    other = live_campaign(app, councils=["Devon County Council"]).request_ids[0]
    other_message, _ = add_reply(app, other)
    store(app, other_message, [], [mention("Liquidlogic")])
    theirs = mentions_of(app, other)["Liquidlogic"]
    response = forms.submit(
        f"/requests/{request_id}/mentions/{theirs.id}/reject", page=url, follow_redirects=True
    )
    assert "not one of this request" in response.get_data(as_text=True)
    assert mentions_of(app, other)["Liquidlogic"].rejected_at is None


def test_the_queue_lists_unsure_answers_and_confirms_them(app, client, auth, forms, answered):
    setup, request_id, _, _ = answered
    auth.login("editor")
    url = f"/campaigns/{setup.slug}/answers/check"
    page = client.get(url).get_data(as_text=True)
    with app.app_context():
        unsure = db.session.scalar(sa.select(Answer).where(Answer.confidence < 0.6))
    assert f'id="answer-{unsure.id}"' in page and "answers-queue.js" in page
    # Question 1 (40%) and question 3, which the reply did not address (0%); not the sure
    # one (90%).
    assert page.count('data-answer="') == 2
    response = forms.submit(url, {"answer_id": str(unsure.id), "next": ""}, page=url)
    assert response.status_code == 302
    assert answers_of(app, request_id)[1].review_state == "confirmed"
    assert client.get(url).get_data(as_text=True).count('data-answer="') == 1


def test_the_queue_refuses_another_campaigns_answer(app, client, auth, forms, answered):
    _, request_id, _, _ = answered
    other = live_campaign(app, councils=["Devon County Council"])
    auth.login("editor")
    with app.app_context():
        unsure = db.session.scalar(sa.select(Answer).where(Answer.request_id == request_id))
    url = f"/campaigns/{other.slug}/answers/check"
    response = forms.submit(url, {"answer_id": str(unsure.id)}, page=url, follow_redirects=True)
    assert "not one of this campaign" in response.get_data(as_text=True)
    assert answers_of(app, request_id)[unsure_position(app, unsure.id)].review_state == "parsed"


def unsure_position(app, answer_id: int) -> int:
    with app.app_context():
        return db.session.get(Answer, answer_id).question.position


def test_the_campaign_page_shows_the_outcome_table_linking_to_each_source_page(
    app, client, auth, answered
):
    setup, request_id, message_id, pdf_id = answered
    auth.login("viewer")
    page = client.get(f"/campaigns/{setup.slug}").get_data(as_text=True)
    assert 'id="answers-title"' in page and "Kent County Council" in page
    cells = re.findall(r'<td class="cell outcome-(\w+)"><a href="([^"]+)"', page)
    assert cells == [
        ("not_held", f"/requests/{request_id}/answers?question=1#source-a{pdf_id}-p2"),
        ("disclosed", f"/requests/{request_id}/answers?question=2#source-m{message_id}"),
        ("no_answer", f"/requests/{request_id}/answers?question=3#answer-3"),
    ]
    # Outcomes are in words (and a key), not colour alone.
    assert "Not held" in page and "Partly disclosed" in page and "parser unsure" in page
    assert "2 answers to check" in page.replace("<strong>", "").replace("</strong>", "")
    assert "Re-parse every reply" not in page  # a viewer's page has no button


def test_the_reparse_button_queues_the_job_and_says_how_many_changed(
    app, client, auth, forms, answered
):
    setup, *_ = answered
    auth.login("editor")
    url = f"/campaigns/{setup.slug}"
    response = forms.submit(f"{url}/answers/reparse", page=url, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"Re-read 1 reply of 1 request with parser [\w.]+: \d+ answers? changed", text)
    assert "Last re-parse" in text
