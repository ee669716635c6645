"""The owner's publishing page: settings, publish and unpublish, roles and events."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from seeding import seed_campaign

from campaign.extensions import db
from campaign.models import Campaign, Event


@pytest.fixture
def seeded(app):
    with app.app_context():
        return seed_campaign(db.session, authorities=8, seed=3, slug="analytics").slug


def campaign_row(app, slug: str) -> Campaign:
    with app.app_context():
        campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
        db.session.expunge(campaign)
        return campaign


def events(app, kind: str) -> list[Event]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Event).where(Event.kind == kind)))
        for event in found:
            db.session.expunge(event)
        return found


def test_owner_publishes_and_unpublishes_with_an_event_each_time(app, client, forms, auth, seeded):
    auth.login("owner")
    page = f"/campaigns/{seeded}/publish"
    html = client.get(page).get_data(as_text=True)
    assert "Not published." in html and f'href="/p/{seeded}"' in html
    assert client.get(f"/p/{seeded}").status_code == 200  # the owner's preview

    response = forms.submit(f"{page}/on", page=page)
    assert response.status_code == 302
    campaign = campaign_row(app, seeded)
    assert campaign.is_public and campaign.published_at is not None
    assert app.test_client().get(f"/p/{seeded}").status_code == 200  # anyone now
    assert "Published" in client.get(page).get_data(as_text=True)
    (published,) = events(app, "campaign_published")
    assert published.campaign_id == campaign.id and published.user_id is not None

    response = forms.submit(f"{page}/off", page=page)
    assert response.status_code == 302
    assert not campaign_row(app, seeded).is_public
    assert app.test_client().get(f"/p/{seeded}").status_code == 404
    assert len(events(app, "campaign_unpublished")) == 1

    forms.submit(f"{page}/off", page=page)  # already down: nothing more happens
    assert len(events(app, "campaign_unpublished")) == 1


def test_saving_the_note_and_names_changes_what_the_public_sees(app, client, forms, auth, seeded):
    auth.login("owner")
    page = f"/campaigns/{seeded}/publish"
    response = forms.submit(
        page,
        {"methodology": "  Sent to every council.\r\nRead by two people.  ", "redaction_terms": (
            "Jane Smith\n\n  Peter   Green \n")},
    )  # fmt: skip
    assert response.status_code == 302
    campaign = campaign_row(app, seeded)
    assert campaign.methodology == "Sent to every council.\nRead by two people."
    assert campaign.redaction_terms == "Jane Smith\nPeter Green"
    (changed,) = events(app, "publishing_changed")
    assert changed.detail == {"fields": ["methodology", "redaction_terms"], "names": 2}
    assert "Jane Smith" not in str(changed.detail)
    html = client.get(f"/p/{seeded}").get_data(as_text=True)
    assert "Read by two people." in html


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("methodology", "x" * 20_001, "at most 20,000 characters"),
        ("redaction_terms", "\n".join(f"Name {n}" for n in range(501)), "at most 500 names"),
        ("redaction_terms", "J" * 101, "at most 100 characters"),
        ("redaction_terms", "Jane Smith\nX", "too short to be a name"),
    ],
)
def test_bad_settings_are_refused_with_a_reason_and_nothing_saved(
    app, client, forms, auth, seeded, field, value, problem
):
    auth.login("owner")
    page = f"/campaigns/{seeded}/publish"
    response = forms.submit(page, {"methodology": "", "redaction_terms": "", field: value})
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert campaign_row(app, seeded).redaction_terms == ""
    assert events(app, "publishing_changed") == []


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owners_may_publish(app, client, forms, auth, seeded, role):
    auth.login(role)
    page = f"/campaigns/{seeded}/publish"
    assert client.get(page).status_code == 403
    token = forms.token("/campaigns/")
    for path in (page, f"{page}/on", f"{page}/off"):
        response = client.post(path, data={"csrf_token": token, "methodology": "x"})
        assert response.status_code == 403, path
    assert not campaign_row(app, seeded).is_public


def test_publishing_needs_the_csrf_token_and_sign_in(app, client, auth, seeded):
    page = f"/campaigns/{seeded}/publish"
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login("owner")
    assert client.post(f"{page}/on").status_code == 400
    assert not campaign_row(app, seeded).is_public


def test_an_unknown_campaign_has_no_publishing_page(client, auth):
    auth.login("owner")
    assert client.get("/campaigns/no-such/publish").status_code == 404
