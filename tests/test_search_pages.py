"""The search pages: per campaign and across campaigns, highlighted, paged, never a 500."""

from __future__ import annotations

import pytest
from markupsafe import escape
from test_search import HOSTILE, XANTURA_PAGE, make_campaign, reply


def test_a_campaign_search_shows_highlighted_snippets_and_who_mentions_it(app, client, auth):
    kent, leeds, york = make_campaign(app, "Kent County Council", "Leeds City Council", "York")
    reply(app, kent, pages=[["Cover letter"], XANTURA_PAGE])
    reply(app, leeds, body='Xantura & Partners trialled "OneView" in 2019.')
    reply(app, york, body="Nothing held.")
    auth.login("viewer")
    response = client.get(f"/campaigns/{kent.slug}/search?q=xantura")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 authorities mention “xantura”" in page
    assert page.count("<mark>Xantura</mark>") == 2
    assert "&amp; Partners trialled &#34;OneView" in page  # reply text is escaped
    assert f'href="/requests/{kent.request_id}"' in page
    assert f"/requests/{kent.request_id}/answers#source-a" in page and "-p2" in page
    assert "response.pdf, page 2" in page and "email body" in page
    assert "York" not in page


def test_the_search_across_campaigns_names_each_campaign(app, client, auth):
    [kent] = make_campaign(app, "Kent County Council")
    [leeds] = make_campaign(app, "Leeds City Council")
    reply(app, kent, body="Xantura is used here.")
    reply(app, leeds, body="Xantura is used there.")
    auth.login()
    page = client.get("/search?q=Xantura").get_data(as_text=True)
    assert "2 authorities mention" in page
    assert f"/campaigns/{kent.slug}/search?q=Xantura" in page
    assert f"/campaigns/{leeds.slug}/search?q=Xantura" in page
    one = client.get(f"/campaigns/{leeds.slug}/search?q=Xantura").get_data(as_text=True)
    assert "1 authority mentions" in one and "Kent" not in one


def test_results_are_paged(app, client, auth):
    targets = make_campaign(app, *[f"Council {n:02d}" for n in range(23)])
    for target in targets:
        reply(app, target, body="We use Xantura.")
    auth.login()
    first = client.get(f"/campaigns/{targets[0].slug}/search?q=xantura").get_data(as_text=True)
    assert "23 authorities mention" in first and first.count("<mark>") == 20
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get(f"/campaigns/{targets[0].slug}/search?q=xantura&page=2")
    assert second.get_data(as_text=True).count("<mark>") == 3
    beyond = client.get(f"/campaigns/{targets[0].slug}/search?q=xantura&page=99")
    assert beyond.status_code == 200 and "No more results" in beyond.get_data(as_text=True)


def test_arriving_without_a_query_shows_the_form(client, auth):
    auth.login()
    response = client.get("/search")
    assert response.status_code == 200
    assert 'role="search"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "Type a word"), ("x" * 201, "too long"), ("x" * 10_000, "too long"), ("!!", "Nothing")],
)
def test_a_query_with_nothing_to_search_is_a_bad_request_with_a_reason(
    client, auth, query, message
):
    auth.login()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [*HOSTILE, "x" * 10_000, "%", "q=1&page=-1"])
def test_hostile_queries_never_fail(app, client, auth, query):
    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, body="Xantura is used.")
    auth.login()
    for url in ("/search", f"/campaigns/{kent.slug}/search"):
        response = client.get(url, query_string={"q": query, "page": "x"})
        assert response.status_code in (200, 400)
        assert "<script" not in response.get_data(as_text=True).split("</header>")[1]
        if response.status_code == 200 and query.strip():
            assert str(escape(query[:50])) in response.get_data(as_text=True)


def test_an_unknown_campaign_is_not_found(client, auth):
    auth.login()
    assert client.get("/campaigns/no-such-campaign/search?q=xantura").status_code == 404


def test_search_needs_sign_in(client):
    response = client.get("/search?q=xantura")
    assert response.status_code in (302, 401)
