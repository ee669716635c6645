"""Writing a campaign through its pages: the letter, questions, targets, preview and launch."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign, Event, LetterVersion, Question, Request
from campaign.models.base import utcnow
from campaign.services.campaigns import (
    DEFAULT_BODY,
    DEFAULT_SUBJECT,
    TargetFilter,
    find_targets,
    live_questions_problem,
    parse_questions,
    slugify,
    snapshot_letter,
)

NEW = "/campaigns/new"
LIVE_NOTE = (
    "Requests already sent keep the text they were sent with; "
    "this version applies to requests not yet sent."
)
HOSTILE_TEMPLATES = {
    "misspelt placeholder": "Dear {{ authority.nmae }},\n\n{{ questions }}",
    "unclosed loop": "Dear {{ authority.name }},\n{% for %}\n{{ questions }}",
    "python internals": "Dear {{ ''.__class__ }},\n\n{{ questions }}",
}


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


def campaign_form(**fields: Any) -> dict[str, Any]:
    data = {
        "title": "Councils and artificial intelligence",
        "slug": "",
        "description": "",
        "law": "own",
        "subject": DEFAULT_SUBJECT,
        "body": DEFAULT_BODY,
        "questions": "Do you use AI to assess benefit claims?\nWhich suppliers provide it?",
    }
    data.update(fields)
    return data


def create(forms, **fields: Any):
    return forms.submit(NEW, campaign_form(**fields))


def edit(forms, campaign_slug: str, /, **fields: Any):
    return forms.submit(f"/campaigns/{campaign_slug}/edit", campaign_form(**fields))


def stored(app, slug: str) -> dict[str, Any] | None:
    """What the database holds for a campaign, as plain values."""
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        if campaign is None:
            return None
        return {
            "id": campaign.id,
            "title": campaign.title,
            "slug": campaign.slug,
            "status": campaign.status,
            "law_override": campaign.law_override,
            "subject": campaign.subject_template,
            "body": campaign.body_template,
            "letter_version": campaign.letter_version,
            "target_filter": campaign.target_filter,
            "questions": [(q.id, q.position, q.text) for q in campaign.questions],
            "versions": [
                (v.version, v.subject_template, v.body_template, v.questions)
                for v in campaign.letter_versions
            ],
        }


def snapshot(app) -> tuple:
    """Everything the campaign pages could change, to prove a refused post changed nothing."""
    with app.app_context():
        return tuple(
            tuple(db.session.execute(sa.select(*model.__table__.columns)).all())
            for model in (Campaign, Question, LetterVersion, Request, Event)
        )


def go_live(app, slug: str, snapshot_first: bool = True) -> None:
    """What a launch does to the campaign itself (the launch service is tested elsewhere)."""
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        campaign.status = "live"
        campaign.launched_at = utcnow()
        if snapshot_first:
            snapshot_letter(campaign)
        db.session.commit()


def set_targets(forms, slug: str, **fields: Any):
    return forms.submit(f"/campaigns/{slug}/targets", {"submit": "y", **fields})


# --- Creating ---------------------------------------------------------------------------------


def test_a_new_campaign_starts_from_a_polite_letter_with_the_placeholders(auth, client):
    auth.login("editor")
    page = text_of(client.get(NEW))
    for placeholder in ["{{ authority.name }}", "{{ law.citation }}", "{{ questions }}"]:
        assert placeholder in page
    assert "Please send your reply to {{ reply_to }}" in page
    assert "Yours faithfully," in page
    # The placeholder reference next to the editor
    assert "Placeholders" in page
    assert "{{ today }}" in page and "{{ law.name }}" in page


def test_creating_a_campaign_stores_numbered_questions_and_a_slug_from_the_title(app, auth, forms):
    auth.login("editor")
    response = create(
        forms,
        title="Councils' use of AI (2026)",
        questions="\n1. Do you use AI?\n\n  2) Which   suppliers?  \n\n- How much did it cost?\n",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/campaigns/councils-use-of-ai-2026/targets"
    campaign = stored(app, "councils-use-of-ai-2026")
    assert campaign["title"] == "Councils' use of AI (2026)"
    assert campaign["status"] == "draft"
    assert [(p, t) for _, p, t in campaign["questions"]] == [
        (1, "Do you use AI?"),
        (2, "Which suppliers?"),
        (3, "How much did it cost?"),
    ]
    assert campaign["target_filter"] == {
        "all": False,
        "nations": [],
        "types": [],
        "tags": [],
        "authority_ids": [],
    }


def test_a_title_already_used_gets_a_numbered_slug(app, auth, forms):
    auth.login("editor")
    create(forms, title="Library closures")
    response = create(forms, title="Library closures")
    assert response.headers["Location"] == "/campaigns/library-closures-2/targets"
    assert stored(app, "library-closures-2") is not None


def test_the_slug_can_be_chosen_and_edited(app, auth, forms):
    auth.login("editor")
    create(forms, title="Potholes", slug="potholes-2026")
    response = edit(forms, "potholes-2026", title="Potholes", slug="road-repairs")
    assert response.status_code == 302
    assert stored(app, "potholes-2026") is None
    assert stored(app, "road-repairs")["title"] == "Potholes"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "Give the campaign a title."),
        ({"title": "x" * 201}, "The title must be at most 200 characters (it is 201)."),
        ({"slug": "my campaign"}, "no spaces"),
        ({"slug": "Capitals"}, "only lower-case letters a-z, digits and single hyphens"),
        ({"slug": "new"}, "“new” is reserved"),
        ({"subject": "S" * 10_000}, "The subject must be at most 300 characters (it is 10,000)."),
        ({"subject": ""}, "Write a subject line."),
        ({"body": "B" * 50_001}, "The letter must be at most 50,000 characters (it is 50,001)."),
        ({"body": "  "}, "Write the letter."),
        (
            {"questions": "\n".join(f"Question {n}?" for n in range(1, 52))},
            "A campaign may have at most 50 questions; there are 51.",
        ),
        (
            {"questions": "Short?\n" + "Q" * 2_001},
            "Question 2 is 2,001 characters; a question may be at most 2,000.",
        ),
        ({"law": "gdpr"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(
    app, auth, forms, fields, message
):
    auth.login("editor")
    before = snapshot(app)
    response = create(forms, **fields)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert "Nothing was saved" in page
    assert snapshot(app) == before


def test_a_slug_another_campaign_has_is_refused(app, auth, forms):
    auth.login("editor")
    create(forms, title="First", slug="shared-slug")
    response = create(forms, title="Second", slug="shared-slug")
    assert response.status_code == 400
    assert "Another campaign already uses the slug “shared-slug”." in text_of(response)
    assert stored(app, "shared-slug")["title"] == "First"


def test_a_refused_form_keeps_what_was_typed(auth, forms):
    auth.login("editor")
    response = create(forms, title="", body="My own careful letter {{ questions }}")
    assert response.status_code == 400
    assert "My own careful letter {{ questions }}" in text_of(response)


def test_html_in_the_title_is_shown_as_text(app, auth, forms, client):
    auth.login("editor")
    create(forms, title="<script>alert('x')</script> Parking", slug="parking")
    for page in ["/campaigns/", "/campaigns/parking", "/campaigns/parking/preview"]:
        body = client.get(page).get_data(as_text=True)
        assert "<script>alert(" not in body, page
        assert "&lt;script&gt;alert(" in body, page


def test_a_form_without_its_csrf_token_is_refused(app, auth, client):
    auth.login("editor")
    before = snapshot(app)
    response = client.post(NEW, data=campaign_form())
    assert response.status_code == 400
    assert "Form expired" in text_of(response)
    assert snapshot(app) == before


# --- Templates that cannot be rendered ----------------------------------------------------------


@pytest.mark.parametrize("body", HOSTILE_TEMPLATES.values(), ids=HOSTILE_TEMPLATES.keys())
def test_a_broken_or_hostile_letter_is_a_message_on_every_page_never_a_crash(
    app, auth, forms, client, make_authority, body
):
    auth.login("editor")
    authority_id = make_authority(name="Coventry City Council")
    assert create(forms, title="Broken", slug="broken", body=body).status_code == 302

    for path in ["/campaigns/broken", "/campaigns/broken/edit"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "The letter has errors; it cannot be launched" in text_of(response), path
    launch = client.get("/campaigns/broken/launch")
    assert launch.status_code == 200
    assert "Nothing can be sent yet: The body" in text_of(launch)
    preview = client.get(f"/campaigns/broken/preview?authority={authority_id}")
    assert preview.status_code == 200
    page = text_of(preview)
    assert "This letter cannot be made." in page
    assert "The body" in page
    assert "<class" not in page  # nothing of Python leaked into the page


def test_an_unknown_placeholder_is_flagged_on_the_edit_page_and_the_preview(
    auth, forms, client, make_authority
):
    auth.login("editor")
    authority_id = make_authority()
    create(forms, title="Typo", slug="typo", body=HOSTILE_TEMPLATES["misspelt placeholder"])
    warning = "Unknown placeholder {{ authority.nmae }} in the body"
    assert warning in text_of(client.get("/campaigns/typo/edit"))
    assert warning in text_of(client.get(f"/campaigns/typo/preview?authority={authority_id}"))


def test_a_letter_with_errors_cannot_be_launched(app, auth, forms, make_authority):
    auth.login("editor")
    make_authority(nation="Wales")
    create(forms, title="Broken", slug="broken", body=HOSTILE_TEMPLATES["unclosed loop"])
    set_targets(forms, "broken", everyone="y")
    before = snapshot(app)

    response = forms.submit("/campaigns/broken/launch", {"submit": "y"})

    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing can be sent yet" in page
    assert "The body has a template error on line 2" in page
    assert snapshot(app) == before


# --- Targets ----------------------------------------------------------------------------------


@pytest.fixture
def councils(make_authority) -> dict[str, int]:
    """Five bodies across nations, types, tags and with or without an FOI email."""
    return {
        "glasgow": make_authority(
            name="Glasgow City Council",
            nation="Scotland",
            law="foisa",
            authority_type="Unitary authority",
            gss_code="S12000049",
        ),
        "fife": make_authority(
            name="Fife Council",
            nation="Scotland",
            law="foisa",
            authority_type="Unitary authority",
            foi_email=None,
        ),
        "coventry": make_authority(
            name="Coventry City Council",
            authority_type="Metropolitan district",
            gss_code="E08000026",
        ),
        "cardiff": make_authority(
            name="Cardiff Council", nation="Wales", authority_type="Unitary authority"
        ),
        "kings-lynn": make_authority(
            name="Borough Council of King's Lynn & West Norfolk",
            authority_type="Non-metropolitan district",
        ),
    }


def targets_of(app, **filters: Any) -> tuple[list[str], list[str]]:
    with app.app_context():
        found = find_targets(TargetFilter(**filters))
        return [a.name for a in found.with_email], [a.name for a in found.without_email]


def test_an_empty_filter_means_nobody_and_everyone_must_be_chosen_explicitly(app, councils):
    assert targets_of(app) == ([], [])
    with_email, without_email = targets_of(app, everyone=True)
    assert len(with_email) == 4
    assert without_email == ["Fife Council"]


def test_filters_combine_within_a_group_by_or_and_across_groups_by_and(app, councils):
    assert targets_of(app, nations=("Scotland", "Wales"))[0] == [
        "Cardiff Council",
        "Glasgow City Council",
    ]
    assert targets_of(app, nations=("Scotland", "Wales"), types=("Unitary authority",)) == (
        ["Cardiff Council", "Glasgow City Council"],
        ["Fife Council"],
    )
    assert targets_of(app, nations=("England",), types=("Unitary authority",)) == ([], [])


def test_hand_picked_authorities_are_added_to_the_filtered_set(app, councils):
    with_email, _ = targets_of(app, nations=("Wales",), authority_ids=(councils["coventry"],))
    assert with_email == ["Cardiff Council", "Coventry City Council"]


def test_choosing_targets_by_filter_shows_counts_and_every_authority_without_email(
    app, auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="Scotland", slug="scotland")
    page = text_of(client.get("/campaigns/scotland/targets"))
    assert "Scotland (2)" in page and "Wales (1)" in page and "England (2)" in page
    assert "Unitary authority (3)" in page
    assert "No targets yet." in page

    response = set_targets(forms, "scotland", nations="Scotland")
    assert response.status_code == 302
    assert stored(app, "scotland")["target_filter"]["nations"] == ["Scotland"]

    page = text_of(client.get("/campaigns/scotland/targets"))
    assert "1 authority will be sent the request; 1 will be skipped: no FOI email address." in page
    assert "Without an FOI email address (1)" in page
    assert "Fife Council no FOI email address" in page
    body = client.get("/campaigns/scotland/targets").get_data(as_text=True)
    assert f'href="/authorities/{councils["fife"]}/edit"' in body
    # The campaign page says the same, and lists the authority too
    show = client.get("/campaigns/scotland").get_data(as_text=True)
    assert f'href="/authorities/{councils["fife"]}/edit"' in show


def test_every_authority_is_an_explicit_choice(app, auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="All", slug="all")
    set_targets(forms, "all", everyone="y")
    assert stored(app, "all")["target_filter"]["all"] is True
    assert "4 authorities will be sent the request" in text_of(client.get("/campaigns/all/targets"))


def test_names_and_gss_codes_are_matched_and_unmatched_lines_are_reported(
    app, auth, forms, councils
):
    auth.login("editor")
    create(forms, title="Picked", slug="picked")
    response = set_targets(
        forms,
        "picked",
        names="Kings Lynn and West Norfolk BC\ns12000049\n\nAtlantis District Council\n",
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "1 line matched no single authority" in page
    assert "“Atlantis District Council”: no authority has this name or GSS code" in page
    # The unmatched line stays in the box to be corrected
    body = response.get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*Atlantis District Council</textarea>", body)
    assert sorted(stored(app, "picked")["target_filter"]["authority_ids"]) == sorted(
        [councils["kings-lynn"], councils["glasgow"]]
    )
    assert "2 authorities will be sent the request" in page


def test_a_name_that_fits_two_bodies_is_reported_not_guessed(
    app, auth, forms, councils, make_authority
):
    make_authority(name="Glasgow City", nation="Scotland", law="foisa")
    auth.login("editor")
    create(forms, title="Ambiguous", slug="ambiguous")
    page = text_of(set_targets(forms, "ambiguous", names="Glasgow City Council"))
    assert "matches 2 authorities" in page
    assert "use its GSS code" in page
    assert stored(app, "ambiguous")["target_filter"]["authority_ids"] == []


def test_hand_picked_authorities_are_kept_ticked_and_can_be_removed(
    app, auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="Picked", slug="picked")
    set_targets(forms, "picked", authority_ids=[councils["cardiff"], councils["coventry"]])
    page = client.get("/campaigns/picked/targets").get_data(as_text=True)
    assert f'name="authority_ids" value="{councils["cardiff"]}" checked' in page

    set_targets(forms, "picked", authority_ids=[councils["coventry"]])
    assert stored(app, "picked")["target_filter"]["authority_ids"] == [councils["coventry"]]


def test_searching_lists_authorities_to_tick_without_saving(app, auth, forms, councils):
    auth.login("editor")
    create(forms, title="Search", slug="search")
    response = forms.submit("/campaigns/search/targets", {"q": "cardiff", "search": "y"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'name="authority_ids" value="{councils["cardiff"]}">' in body
    assert stored(app, "search")["target_filter"]["authority_ids"] == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"authority_ids": "abc"}, "could not be coerced"),
        ({"authority_ids": "99999"}, "No authority has id 99999."),
        ({"authority_ids": "9" * 30}, f"No authority has id {'9' * 30}."),
        ({"nations": "Atlantis"}, "'Atlantis' is not a valid choice"),
    ],
)
def test_bad_target_choices_are_refused(app, auth, forms, councils, fields, message):
    auth.login("editor")
    create(forms, title="Bad", slug="bad")
    before = snapshot(app)
    response = set_targets(forms, "bad", **fields)
    assert response.status_code == 400
    assert message in text_of(response)
    assert snapshot(app) == before


# --- Preview ----------------------------------------------------------------------------------


def test_preview_renders_each_targets_letter_with_its_own_law_beside_the_template(
    app, auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    set_targets(forms, "ai", nations=["Scotland", "England"])

    scottish = text_of(client.get(f"/campaigns/ai/preview?authority={councils['glasgow']}"))
    assert "Letter to Glasgow City Council" in scottish
    assert "Dear Glasgow City Council," in scottish
    assert "section 1 of the Freedom of Information (Scotland) Act 2002" in scottish
    assert "1. Do you use AI to assess benefit claims? 2. Which suppliers provide it?" in scottish
    assert "Subject: Freedom of Information request: AI" in scottish
    # the template, side by side
    assert "Dear {{ authority.name }}," in scottish
    # the example reply address, labelled as one
    domain = app.config["MAIL_DOMAIN"]
    assert f"foi+preview@{domain} Example address: each request gets its own." in scottish
    assert f"send your reply to foi+preview@{domain}, the address" in scottish

    english = text_of(client.get(f"/campaigns/ai/preview?authority={councils['coventry']}"))
    assert "Dear Coventry City Council," in english
    assert "section 1 of the Freedom of Information Act 2000" in english
    # the select offers every target, with and without email
    for name in ["Glasgow City Council", "Fife Council", "Coventry City Council"]:
        assert name in english


def test_preview_without_an_authority_shows_the_first_target(auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    set_targets(forms, "ai", nations="Wales")
    assert "Letter to Cardiff Council" in text_of(client.get("/campaigns/ai/preview"))


def test_an_eir_campaign_cites_the_eir_even_for_a_scottish_body(auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="Air quality", slug="air", law="eir")
    page = text_of(client.get(f"/campaigns/air/preview?authority={councils['glasgow']}"))
    assert "regulation 5 of the Environmental Information Regulations 2004" in page
    assert "the campaign sends every request under the EIR" in page


@pytest.mark.parametrize("authority", ["99999", "abc", "1.5", "-1", "0", "9" * 30, "\u0661"])
def test_preview_for_an_unknown_or_malformed_authority_id_is_not_found(
    auth, forms, client, councils, authority
):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    response = client.get(f"/campaigns/ai/preview?authority={authority}")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


@pytest.mark.parametrize(
    "path", ["/campaigns/nope", "/campaigns/nope/edit", "/campaigns/nope/preview"]
)
def test_an_unknown_campaign_is_not_found(auth, client, path):
    auth.login("editor")
    assert client.get(path).status_code == 404


# --- Editing a live campaign ------------------------------------------------------------------


def test_editing_a_draft_changes_the_letter_without_versions(app, auth, forms):
    auth.login("editor")
    create(forms, title="Draft", slug="draft")
    edit(forms, "draft", title="Draft", slug="draft", body="New body {{ questions }}")
    campaign = stored(app, "draft")
    assert campaign["body"] == "New body {{ questions }}"
    assert campaign["letter_version"] == 1
    assert campaign["versions"] == []


def test_editing_a_live_letter_makes_a_new_version_and_keeps_the_old_one(app, auth, forms, client):
    auth.login("editor")
    create(forms, title="Live", slug="live")
    go_live(app, "live")
    edit_page = text_of(client.get("/campaigns/live/edit"))
    assert LIVE_NOTE in edit_page
    assert "Saving a change to the subject, letter or questions makes version 2" in edit_page

    response = edit(
        forms,
        "live",
        title="Live",
        slug="live",
        body="Dear {{ authority.name }},\n\nPlease answer:\n{{ questions }}",
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert f"Saved as letter version 2. {LIVE_NOTE}" in page

    campaign = stored(app, "live")
    assert campaign["letter_version"] == 2
    assert [v[0] for v in campaign["versions"]] == [1, 2]
    assert campaign["versions"][0][2] == DEFAULT_BODY
    assert campaign["versions"][1][2].startswith("Dear {{ authority.name }},\n\nPlease answer:")
    assert campaign["versions"][1][3] == [
        "Do you use AI to assess benefit claims?",
        "Which suppliers provide it?",
    ]


def test_version_one_is_stored_before_the_first_live_edit_if_launch_did_not(app, auth, forms):
    auth.login("editor")
    create(forms, title="Live", slug="live")
    go_live(app, "live", snapshot_first=False)
    edit(forms, "live", title="Live", slug="live", subject="FOI: {{ authority.name }}")
    versions = stored(app, "live")["versions"]
    assert [(v[0], v[1]) for v in versions] == [
        (1, DEFAULT_SUBJECT),
        (2, "FOI: {{ authority.name }}"),
    ]


def test_renaming_a_live_campaign_versions_the_letter_only_if_the_letter_uses_the_title(
    app, auth, forms
):
    auth.login("editor")
    create(forms, title="Uses title", slug="uses-title")  # the default subject has the title
    create(forms, title="No title", slug="no-title", subject="FOI request")
    go_live(app, "uses-title")
    go_live(app, "no-title")

    edit(forms, "uses-title", title="Uses title (renamed)", slug="uses-title")
    edit(forms, "no-title", title="No title (renamed)", slug="no-title", subject="FOI request")

    assert stored(app, "uses-title")["letter_version"] == 2
    renamed = stored(app, "no-title")
    assert renamed["title"] == "No title (renamed)"
    assert renamed["letter_version"] == 1
    assert len(renamed["versions"]) == 1


def test_a_live_campaign_takes_new_questions_at_the_end_and_edits_in_place(app, auth, forms):
    auth.login("editor")
    create(forms, title="Live", slug="live", questions="First?\nSecond?")
    go_live(app, "live")
    ids = [q[0] for q in stored(app, "live")["questions"]]

    response = edit(
        forms, "live", title="Live", slug="live", questions="First, reworded?\nSecond?\nThird?"
    )

    assert response.status_code == 302
    questions = stored(app, "live")["questions"]
    assert [(p, t) for _, p, t in questions] == [
        (1, "First, reworded?"),
        (2, "Second?"),
        (3, "Third?"),
    ]
    assert [q[0] for q in questions[:2]] == ids  # the same rows: answers stay attached


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ("First?", "it has 2 questions and the edit leaves 1"),
        ("Second?\nFirst?", "question 1 would become question 2"),
        ("Second?\nThird?", "question 2 would become question 1"),
    ],
)
def test_a_live_campaign_refuses_deleting_or_reordering_questions(
    app, auth, forms, questions, message
):
    auth.login("editor")
    create(forms, title="Live", slug="live", questions="First?\nSecond?")
    go_live(app, "live")
    before = snapshot(app)

    response = edit(forms, "live", title="Live", slug="live", questions=questions)

    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert "questions already sent cannot be deleted or reordered" in page
    assert snapshot(app) == before


def test_a_live_campaign_keeps_its_law(app, auth, forms):
    auth.login("editor")
    create(forms, title="Live", slug="live")
    go_live(app, "live")
    response = edit(forms, "live", title="Live", slug="live", law="eir")
    assert response.status_code == 400
    assert "The law cannot change once the campaign is live" in text_of(response)
    assert stored(app, "live")["law_override"] is None


def test_a_live_campaign_refuses_a_letter_that_cannot_be_rendered(app, auth, forms):
    auth.login("editor")
    create(forms, title="Live", slug="live")
    go_live(app, "live")
    before = snapshot(app)
    response = edit(forms, "live", title="Live", slug="live", body="Dear {{ authority.nmae }}")
    assert response.status_code == 400
    assert "the letter must work before it is saved" in text_of(response)
    assert snapshot(app) == before


def test_snapshot_letter_stores_each_version_once(app, auth, forms):
    auth.login("editor")
    create(forms, title="Once", slug="once")
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == "once"))
        first = snapshot_letter(campaign, None)
        assert snapshot_letter(campaign, None) is first
        db.session.commit()
        assert len(campaign.letter_versions) == 1


# --- The campaign page, launch and progress -----------------------------------------------------


def test_the_campaign_page_shows_summary_letter_targets_and_the_launch_link(
    auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="AI", slug="ai", description="Round one")
    set_targets(forms, "ai", nations="Scotland")
    page = text_of(client.get("/campaigns/ai"))
    assert "Round one" in page
    assert "Targets 1 with an FOI email address, 1 without (skipped)" in page
    assert "Sends the letter to 1 target with an FOI email address." in page
    assert "Dear {{ authority.name }}," in page
    assert "Do you use AI to assess benefit claims?" in page
    assert "Launch…" in page


def test_the_launch_confirmation_says_how_many_are_sent_and_who_is_skipped(
    auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    set_targets(forms, "ai", nations="Scotland", authority_ids=[councils["coventry"]])
    page = text_of(client.get("/campaigns/ai/launch"))
    assert "This sends 2 requests and skips 1 authority." in page
    assert "Fife Council no FOI email address" in page
    assert "Send 2 requests" in page


def test_a_campaign_with_no_targets_cannot_be_launched(app, auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    page = text_of(client.get("/campaigns/ai/launch"))
    assert "No target authority has an FOI email address: choose targets first." in page


def test_launching_queues_the_requests_and_reports_progress(app, auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    set_targets(forms, "ai", nations="Scotland", authority_ids=[councils["coventry"]])

    response = forms.submit("/campaigns/ai/launch", {"submit": "y"})

    assert response.status_code == 200
    page = text_of(response)
    assert "2 requests queued for sending." in page
    assert "1 skipped: Authority Reason Fife Council no FOI email address" in page
    assert stored(app, "ai")["status"] == "live"
    assert [v[0] for v in stored(app, "ai")["versions"]] == [1]
    progress = client.get("/campaigns/ai/progress.json").get_json()
    assert progress["total"] == 3
    assert progress["skipped"] == 1
    assert progress["queued"] + progress["sent"] + progress["failed"] == 2
    assert 'data-progress-url="/campaigns/ai/progress.json"' in client.get(
        "/campaigns/ai"
    ).get_data(as_text=True)


def test_the_list_shows_each_campaign_with_status_and_request_counts(
    app, auth, forms, client, councils
):
    auth.login("editor")
    create(forms, title="Counted", slug="counted")
    create(forms, title="Not launched", slug="not-launched")
    with app.app_context():
        campaign_id = stored(app, "counted")["id"]
        for n, (authority, status) in enumerate(
            [("glasgow", "sent"), ("coventry", "sent"), ("cardiff", "queued")]
        ):
            db.session.add(
                Request(
                    campaign_id=campaign_id,
                    authority_id=councils[authority],
                    token=f"token{n}",
                    status=status,
                )
            )
        db.session.commit()
    page = text_of(client.get("/campaigns/"))
    assert re.search(r"Counted counted draft 3 queued 1 sent 2", page)
    assert re.search(r"Not launched not-launched draft 0 not launched", page)


# --- Roles ------------------------------------------------------------------------------------


def test_viewers_see_campaigns_but_cannot_change_them(app, auth, forms, client, councils):
    auth.login("editor")
    create(forms, title="AI", slug="ai")
    set_targets(forms, "ai", nations="Scotland")
    edit_token = forms.token("/campaigns/ai/edit")
    forms.submit("/logout", page="/campaigns/")
    auth.login("viewer")
    before = snapshot(app)

    for path in ["/campaigns/", "/campaigns/ai", "/campaigns/ai/targets", "/campaigns/ai/preview"]:
        assert client.get(path).status_code == 200, path
    for path in ["/campaigns/new", "/campaigns/ai/edit", "/campaigns/ai/launch"]:
        assert client.get(path).status_code == 403, path
    viewer_page = text_of(client.get("/campaigns/ai"))
    assert "Edit the letter" not in viewer_page and "Launch…" not in viewer_page
    assert "Save targets" not in text_of(client.get("/campaigns/ai/targets"))

    posts = {
        "/campaigns/new": campaign_form(title="Viewer's"),
        "/campaigns/ai/edit": campaign_form(title="Changed by a viewer"),
        "/campaigns/ai/targets": {"everyone": "y", "submit": "y"},
        "/campaigns/ai/launch": {"submit": "y"},
    }
    for path, data in posts.items():
        response = client.post(path, data={**data, "csrf_token": edit_token})
        assert response.status_code == 403, path
    assert snapshot(app) == before


# --- Rules as plain functions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Councils' use of AI (2026)", "councils-use-of-ai-2026"),
        ("  Café   & Bar licences ", "cafe-and-bar-licences"),
        ("!!!", "campaign"),
        ("x" * 200, "x" * 76),
    ],
)
def test_slugs_are_made_from_titles(title, slug):
    assert slugify(title) == slug


def test_questions_are_one_per_line_without_list_markers():
    text = "1. One?\r\n\r\n2) Two?\n  • Three?\n- Four?\n(5) Five?\n2024 budget?"
    assert parse_questions(text) == ["One?", "Two?", "Three?", "Four?", "Five?", "2024 budget?"]


@pytest.mark.parametrize(
    ("new", "allowed"),
    [
        (["A", "B"], True),
        (["A (clearer)", "B"], True),
        (["A", "B", "C"], True),
        (["A"], False),
        (["B", "A"], False),
        (["B", "C"], False),
    ],
)
def test_live_questions_may_be_reworded_or_added_but_not_moved(new, allowed):
    assert (live_questions_problem(["A", "B"], new) is None) is allowed
