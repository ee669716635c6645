"""Storing the parser's answers: one per question with its source page, a person's correction
always wins, a reply that says nothing keeps the earlier answer, rejected mentions stay
rejected, and re-parsing records the parser version."""

from __future__ import annotations

import sqlalchemy as sa
from test_answers_support import (
    QUESTIONS,
    FakeParser,
    add_reply,
    answers_of,
    finding,
    live_campaign,
    mention,
    mentions_of,
    store,
)

from campaign.extensions import db
from campaign.models import Campaign, Event, Request
from campaign.parsing.findings import PARSER_VERSION
from campaign.services import answer_corrections as corrections
from campaign.services.answers import asked_questions, reparse_campaign


def events(app, kind: str) -> list[dict]:
    with app.app_context():
        return [
            dict(e.detail, user_id=e.user_id, request_id=e.request_id)
            for e in db.session.scalars(
                sa.select(Event).where(Event.kind == kind).order_by(Event.id)
            )
        ]


def correct(app, request_id: int, position: int, user_id: int | None = None, **fields):
    with app.app_context():
        request = db.session.get(Request, request_id)
        edit = corrections.AnswerEdit(**{"outcome": "disclosed", **fields})
        return corrections.correct_answer(request, position, edit, user_id or _user(app))


def _user(app) -> int:
    from campaign.models import User

    with app.app_context():
        user = User(email="checker@example.org", role="editor")
        user.set_password("correct horse 42")
        db.session.add(user)
        db.session.commit()
        return user.id


def test_each_question_gets_an_answer_pointing_at_its_source_page(app):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id, (pdf_id,) = add_reply(
        app, request_id, attachments=[("response.pdf", ["Cover page", "1. Not held."])]
    )
    store(
        app,
        message_id,
        [
            finding(1, "not_held", excerpt="Not held.", document="response.pdf", page=2),
            finding(2, "disclosed", excerpt="Please find attached", document=None, page=1),
        ],
    )
    answers = answers_of(app, request_id)
    assert set(answers) == {1, 2, 3}
    assert (answers[1].outcome, answers[1].attachment_id, answers[1].page) == (
        "not_held",
        pdf_id,
        2,
    )
    assert answers[1].message_id == message_id and answers[1].excerpt == "Not held."
    assert (answers[2].outcome, answers[2].attachment_id, answers[2].page) == ("disclosed", None, 1)
    assert answers[3].outcome == "no_answer"  # the reply does not address it
    assert all(a.parser_version == PARSER_VERSION for a in answers.values())
    assert all(a.review_state == "parsed" and a.parsed for a in answers.values())
    assert events(app, "answers_read")[0]["answered"] == "2 of 3 questions"


def test_a_later_reply_that_says_nothing_keeps_the_earlier_answer(app):
    """A review outcome about question 3 only leaves questions 1 and 2 as the first reply had
    them, and replaces question 3."""
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    first, _ = add_reply(app, request_id, kind="refusal")
    store(
        app,
        first,
        [
            finding(1, "not_held"),
            finding(2, "disclosed"),
            finding(3, "refused", exemptions=["s43(2)"]),
        ],
    )
    review, _ = add_reply(app, request_id, kind="review_outcome", days_later=30)
    store(app, review, [finding(3, "disclosed", excerpt="We now release the spend.")])
    answers = answers_of(app, request_id)
    assert [answers[n].outcome for n in (1, 2, 3)] == ["not_held", "disclosed", "disclosed"]
    assert answers[1].message_id == first and answers[3].message_id == review
    assert answers[3].exemptions == []


def test_a_correction_is_never_overwritten_by_a_later_reply(app):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    first, _ = add_reply(app, request_id)
    store(app, first, [finding(1, "not_held", excerpt="Not held.")])
    change = correct(app, request_id, 1, outcome="partially_disclosed", exemptions="s40(2)")
    assert change.ok and change.changed
    later, _ = add_reply(app, request_id, days_later=5)
    store(app, later, [finding(1, "refused", exemptions=["s12"])])
    answer = answers_of(app, request_id)[1]
    assert (answer.outcome, answer.exemptions) == ("partially_disclosed", ["s40(2)"])
    assert answer.review_state == "corrected" and answer.corrected_by_id is not None
    assert answer.parsed["outcome"] == "refused"  # the parser's view moves on underneath
    assert events(app, "answer_corrected")[0]["changes"].startswith(
        "outcome: not held → partially disclosed"
    )


def test_undoing_a_correction_shows_the_parsers_latest_reading(app):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id, _ = add_reply(app, request_id)
    store(app, message_id, [finding(1, "not_held", excerpt="Not held.")])
    correct(app, request_id, 1, outcome="disclosed")
    with app.app_context():
        request = db.session.get(Request, request_id)
        user_id = events(app, "answer_corrected")[0]["user_id"]
        assert corrections.undo_correction(request, 1, user_id).changed
    answer = answers_of(app, request_id)[1]
    assert (answer.outcome, answer.excerpt, answer.review_state) == (
        "not_held",
        "Not held.",
        "parsed",
    )
    assert answer.corrected_by_id is None and answer.corrected_at is None


def test_an_answer_typed_in_for_a_posted_reply_is_removed_by_undo(app):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    assert correct(app, request_id, 2, outcome="refused", exemptions="section 12").ok
    assert answers_of(app, request_id)[2].exemptions == ["s12"]
    with app.app_context():
        request = db.session.get(Request, request_id)
        assert corrections.undo_correction(request, 2, _user_id(app)).changed
    assert answers_of(app, request_id) == {}


def _user_id(app) -> int:
    return events(app, "answer_corrected")[0]["user_id"]


def test_mentions_are_stored_once_per_name_and_rejected_ones_stay_rejected(app, monkeypatch):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    first, _ = add_reply(app, request_id)
    store(app, first, [], [mention("Capita One"), mention("Xantura"), mention("capita one")])
    second, _ = add_reply(app, request_id, days_later=3)
    store(app, second, [], [mention("Xantura", "Xantura supplies the model.")])
    found = mentions_of(app, request_id)
    assert sorted(found) == ["Capita One", "Xantura"]
    assert found["Xantura"].message_id == first  # the first sentence naming it is kept
    user_id = _user(app)
    with app.app_context():
        request = db.session.get(Request, request_id)
        assert corrections.reject_mention(request, found["Xantura"].id, user_id).changed
        added = corrections.add_mention(
            request, corrections.MentionEdit(name="Liquidlogic", category="vendor"), user_id
        )
        assert added.ok
    parser = FakeParser(monkeypatch)
    parser.reads(first, [], [mention("Capita One"), mention("Xantura")])
    with app.app_context():
        reparse_campaign(db.session.get(Campaign, setup.campaign_id))
    found = mentions_of(app, request_id)
    assert sorted(found) == ["Capita One", "Liquidlogic", "Xantura"]
    assert found["Xantura"].rejected_at is not None and found["Xantura"].person_id == user_id
    assert found["Liquidlogic"].source == "person"
    assert found["Capita One"].parser_version == "2099.1"


def test_reparse_updates_the_parsers_view_and_keeps_corrections(app, monkeypatch):
    setup = live_campaign(app, councils=["Kent County Council", "Devon County Council"])
    kent, devon = setup.request_ids
    kent_reply, _ = add_reply(app, kent)
    devon_reply, _ = add_reply(app, devon)
    store(app, kent_reply, [finding(1, "no_answer", confidence=0.1)])
    store(app, devon_reply, [finding(1, "not_held"), finding(2, "not_held")])
    correct(app, devon, 2, outcome="refused", exemptions="s43(2)")

    parser = FakeParser(monkeypatch, version="2099.1")
    parser.reads(kent_reply, [finding(1, "disclosed", excerpt="Yes: Xantura.")])
    parser.reads(devon_reply, [finding(1, "not_held"), finding(2, "disclosed")])
    with app.app_context():
        result = reparse_campaign(db.session.get(Campaign, setup.campaign_id))
    assert (result.requests, result.replies, result.changed, result.corrections_kept) == (
        2,
        2,
        2,
        1,
    )
    assert result.parser_version == "2099.1"
    assert "2 answers changed" in result.summary and "keeps its correction" in result.summary

    kent_answers, devon_answers = answers_of(app, kent), answers_of(app, devon)
    assert kent_answers[1].outcome == "disclosed" and kent_answers[1].excerpt == "Yes: Xantura."
    assert devon_answers[2].outcome == "refused"  # the person's word
    assert devon_answers[2].parsed["outcome"] == "disclosed"
    every = [*kent_answers.values(), *devon_answers.values()]
    assert {a.parser_version for a in every} == {"2099.1"}
    [campaign_event] = [e for e in events(app, "answers_reparsed") if e["request_id"] is None]
    assert campaign_event["changed"] == 2 and campaign_event["parser_version"] == "2099.1"


def test_reparse_folds_a_requests_replies_in_the_order_they_arrived(app, monkeypatch):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    refusal, _ = add_reply(app, request_id, kind="refusal")
    review, _ = add_reply(app, request_id, kind="review_outcome", days_later=30)
    parser = FakeParser(monkeypatch)
    parser.reads(refusal, [finding(n, "refused", exemptions=["s12"]) for n in (1, 2, 3)])
    parser.reads(review, [finding(3, "disclosed")])
    with app.app_context():
        reparse_campaign(db.session.get(Campaign, setup.campaign_id))
    answers = answers_of(app, request_id)
    assert [answers[n].outcome for n in (1, 2, 3)] == ["refused", "refused", "disclosed"]
    assert answers[3].message_id == review


def test_a_reply_read_as_something_else_now_leaves_its_request_as_it_was(app, monkeypatch):
    setup = live_campaign(app)
    request_id = setup.request_ids[0]
    message_id, _ = add_reply(app, request_id)
    store(app, message_id, [finding(1, "not_held")])
    parser = FakeParser(monkeypatch)
    monkeypatch.setattr(
        "campaign.services.answers.analyse_stored",
        lambda message: parser._analyse(message).__class__(None, None, "other", None),
    )
    with app.app_context():
        result = reparse_campaign(db.session.get(Campaign, setup.campaign_id))
    assert result.not_read == 1 and result.changed == 0
    assert answers_of(app, request_id)[1].outcome == "not_held"


def test_a_request_is_read_against_the_questions_its_letter_asked(app):
    """A live campaign's questions may be reworded or added to; a request (and its review)
    is read against the letter it was sent."""
    setup = live_campaign(app)
    with app.app_context():
        campaign = db.session.get(Campaign, setup.campaign_id)
        campaign.questions[0].text = "Reworded after sending"
        from campaign.models import Question

        campaign.questions.append(Question(position=4, text="Added after sending"))
        db.session.commit()
        asked = asked_questions(db.session.get(Request, setup.request_ids[0]))
        assert [item.text for item in asked] == QUESTIONS
        assert [item.position for item in asked] == [1, 2, 3]


def test_a_reply_the_parser_cannot_read_again_does_not_stop_the_campaigns_reparse(app, monkeypatch):
    setup = live_campaign(app, councils=["Kent County Council", "Devon County Council"])
    kent, devon = setup.request_ids
    kent_reply, _ = add_reply(app, kent)
    devon_reply, _ = add_reply(app, devon)
    store(app, kent_reply, [finding(1, "not_held")])
    store(app, devon_reply, [finding(1, "not_held")])
    parser = FakeParser(monkeypatch)
    parser.reads(devon_reply, [finding(1, "disclosed")])
    reads = parser._analyse

    def analyse(message):
        if message.id == kent_reply:
            raise RuntimeError("mention finder bug")
        return reads(message)

    monkeypatch.setattr("campaign.services.answers.analyse_stored", analyse)
    with app.app_context():
        result = reparse_campaign(db.session.get(Campaign, setup.campaign_id))
    assert (result.requests, result.not_read, result.changed) == (2, 1, 1)
    assert answers_of(app, kent)[1].outcome == "not_held"
    assert answers_of(app, devon)[1].outcome == "disclosed"
    [failure] = events(app, "answers_not_read")
    assert failure["request_id"] == kent and "mention finder bug" in failure["error"]
