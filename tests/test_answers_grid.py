"""The campaign's outcome table is read in a fixed number of queries, however many councils,
and the `campaign answers reparse` command re-reads a campaign from the command line."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from test_answers_support import FakeParser, add_reply, answers_of, finding, live_campaign, store

from campaign.cli_answers import answers as answers_group
from campaign.extensions import db
from campaign.models import Answer, Campaign, Question, Request
from campaign.services.answer_grid import answer_grid
from campaign.services.answer_queue import check_queue

OUTCOMES = ["disclosed", "not_held", "refused"]


@contextlib.contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def campaign_with_answers(app, councils: int) -> int:
    """A campaign whose councils (all but the last) have an answer to every question."""
    names = [f"Council {n:03d}" for n in range(councils)]
    setup = live_campaign(app, councils=list(reversed(names)))
    with app.app_context():
        questions = db.session.scalars(
            sa.select(Question).where(Question.campaign_id == setup.campaign_id)
        ).all()
        for index, request_id in enumerate(setup.request_ids[1:]):
            for question in questions:
                db.session.add(
                    Answer(
                        request_id=request_id,
                        question_id=question.id,
                        outcome=OUTCOMES[(index + question.position) % 3],
                        exemptions=[],
                        urls=[],
                        confidence=0.3 if question.position == 1 else 0.9,
                        page=1,
                    )
                )
        db.session.commit()
    return setup.campaign_id


def grid_queries(app, campaign_id: int) -> tuple[int, object]:
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        with counting_queries() as statements:
            grid = answer_grid(campaign)
        return len(statements), grid


def test_the_outcome_table_takes_the_same_few_queries_for_4_or_40_councils(app):
    few, small = grid_queries(app, campaign_with_answers(app, 4))
    many, grid = grid_queries(app, campaign_with_answers(app, 40))
    assert few == many <= 3
    assert len(grid.rows) == 39 and grid.requests == 40 and grid.without_answers == 1
    assert [row.authority for row in grid.rows][:2] == ["Council 000", "Council 001"]
    assert all(len(row.cells) == 3 and all(row.cells) for row in grid.rows)
    assert sum(grid.totals.values()) == 39 * 3
    assert grid.to_check == 39  # question 1 everywhere, at 30%
    assert len(small.rows) == 3


def test_the_queue_pages_through_unsure_answers_least_sure_first(app):
    campaign_id = campaign_with_answers(app, 60)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        with counting_queries() as statements:
            first = check_queue(campaign)
        assert len(statements) <= 2
        assert (first.total, first.pages, len(first.items)) == (59, 2, 50)
        assert {item.position for item in first.items} == {1}
        last = check_queue(campaign, page=9)
        assert last.page == 2 and len(last.items) == 9


def test_the_reparse_command_prints_how_many_answers_changed(app, runner, monkeypatch):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id, _ = add_reply(app, request_id)
    store(app, message_id, [finding(1, "not_held")])
    FakeParser(monkeypatch, version="2099.2").reads(message_id, [finding(1, "disclosed")])
    app.cli.add_command(answers_group)
    result = runner.invoke(args=["answers", "reparse", setup.slug])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Re-read 1 reply of 1 request with parser 2099.2: 1 answer changed."
    )
    assert answers_of(app, request_id)[1].outcome == "disclosed"


def test_the_reparse_command_refuses_an_unknown_campaign(app, runner):
    app.cli.add_command(answers_group)
    result = runner.invoke(args=["answers", "reparse", "no-such-campaign"])
    assert result.exit_code == 2 and "no campaign 'no-such-campaign'" in result.output


def test_reparse_reads_stored_pages_without_the_original_files(app):
    """The attachments' files are not on disk here: only their stored pages are read.
    Depends on the per-question reader for the outcome."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    from test_answers_pipeline import LETTER_PAGES

    add_reply(
        app,
        request_id,
        body="Dear Requester,\n\nPlease find attached our response.\n\nFOI Team",
        attachments=[("response.pdf", ["\n".join(lines) for lines in LETTER_PAGES])],
    )
    from campaign.services.answers import reparse_campaign

    with app.app_context():
        result = reparse_campaign(db.session.get(Campaign, setup.campaign_id))
        assert db.session.get(Request, request_id) is not None
    assert (result.replies, result.not_read) == (1, 0)
    answers = answers_of(app, request_id)
    assert {a.outcome for a in answers.values()} == {"not_held"}
    assert {a.page for a in answers.values()} == {2}
