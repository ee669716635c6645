"""Answers in a real browser: a cell corrected on the review screen, and the queue of answers
to check worked through by keyboard alone."""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from playwright.sync_api import Page, expect
from test_answers_support import add_reply, answers_of, finding, live_campaign, store

pytestmark = pytest.mark.browser

LETTER = [
    "Freedom of Information response. Our reference FOI-88.",
    "1. Predictive analytics\nThe council does not hold this information.",
]


def a_campaign_with_answers(app, councils: list[str]):
    """A live campaign whose councils each answered question 1 (unsure) and 2 (sure)."""
    setup = live_campaign(app, councils=councils)
    for request_id in setup.request_ids:
        message_id, _ = add_reply(app, request_id, attachments=[("response.pdf", LETTER)])
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
                    confidence=0.3,
                ),
                finding(2, "disclosed", confidence=0.95, page=None),
                finding(3, "refused", confidence=0.95, page=None),
            ],
        )
    return setup


def test_a_cell_is_corrected_on_the_review_screen(page: Page, live_server, live_app):
    setup = a_campaign_with_answers(live_app, ["Hampshire County Council"])
    request_id = setup.request_ids[0]
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{setup.slug}")
    page.get_by_role(
        "link", name=re.compile(r"Hampshire County Council, question 1: Not held")
    ).click()
    expect(page).to_have_url(
        re.compile(rf"/requests/{request_id}/answers\?question=1#source-a\d+-p2")
    )
    expect(page.locator("mark#excerpt-q1")).to_have_text(
        "The council does not hold this information."
    )

    row = page.locator("#answer-1")
    row.get_by_text("Edit question 1").click()
    row.get_by_label("Outcome").select_option("refused")
    row.get_by_label("Exemptions").fill("s43(2)")
    row.get_by_role("button", name="Save correction").click()

    expect(page.get_by_text("Question 1 corrected.")).to_be_visible()
    expect(page.locator("#answer-1 .outcome")).to_have_text("Refused")
    expect(
        page.locator("#answer-1").get_by_text(f"corrected by {live_server.email}")
    ).to_be_visible()
    answer = answers_of(live_app, request_id)[1]
    assert (answer.outcome, answer.exemptions, answer.review_state) == (
        "refused",
        ["s43(2)"],
        "corrected",
    )


def test_the_queue_is_worked_through_by_keyboard(page: Page, live_server, live_app):
    setup = a_campaign_with_answers(
        live_app, ["Avon Borough Council", "Bexley Borough Council", "Camden Borough Council"]
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/campaigns/{setup.slug}/answers/check")
    rows = page.locator("tr[data-answer]")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("Keys:")).to_be_visible()
    expect(rows.nth(0)).to_have_class(re.compile("current"))

    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("current"))
    page.keyboard.press("ArrowDown")
    expect(rows.nth(2)).to_have_class(re.compile("current"))
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile("current"))
    expect(rows.nth(0)).not_to_have_class(re.compile("current"))

    # c confirms Bexley's answer; the queue comes back on the next one.
    page.keyboard.press("c")
    expect(page.get_by_text("Question 1 confirmed as right.")).to_be_visible()
    expect(rows).to_have_count(2)
    expect(page.locator("tr.current")).to_contain_text("Camden Borough Council")
    assert answers_of(live_app, setup.request_ids[1])[1].review_state == "confirmed"

    # Enter opens the current answer beside its page.
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        re.compile(rf"/requests/{setup.request_ids[2]}/answers\?question=1#source-a\d+-p2")
    )
    expect(page.locator("#answer-1")).to_have_class(re.compile("current"))
