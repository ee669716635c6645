"""`campaign search reindex | query`, run as a person would, and the migration's index."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from test_search import XANTURA_PAGE, make_campaign, reply

from campaign.cli_search import search as search_group
from campaign.extensions import db
from campaign.models import SearchEntry
from campaign.models.search import include_in_schema_comparison, is_search_index_table
from campaign.services.search import search

REVISION = "e8b4f2a61d09"  # the migration that adds the search index


@pytest.fixture
def cli(app, runner):
    app.cli.add_command(search_group)
    return lambda *args: runner.invoke(args=["search", *args])


def test_reindex_rebuilds_an_emptied_index(app, cli):
    [kent] = make_campaign(app, "Kent County Council")
    [leeds] = make_campaign(app, "Leeds City Council")
    reply(app, kent, body="Xantura.", pages=[XANTURA_PAGE])
    reply(app, leeds, body="Xantura too.")
    with app.app_context():
        db.session.execute(sa.delete(SearchEntry))
        db.session.commit()
        assert search("xantura").total == 0
    result = cli("reindex", kent.slug)
    assert result.exit_code == 0, result.output
    assert f"Indexed 1 reply of campaign {kent.slug}." in result.output
    with app.app_context():
        assert {h.authority_name for h in search("xantura").hits} == {"Kent County Council"}
    result = cli("reindex")
    assert "Indexed 2 replies of every campaign." in result.output
    with app.app_context():
        assert search("xantura").total == 3


def test_reindex_of_an_unknown_campaign_says_so(app, cli):
    result = cli("reindex", "no-such-campaign")
    assert result.exit_code == 2 and "no campaign 'no-such-campaign'" in result.output


def test_query_lists_who_mentions_it(app, cli):
    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, pages=[XANTURA_PAGE])
    result = cli("query", "Xantura", "--campaign", kent.slug)
    assert result.exit_code == 0, result.output
    assert "1 authority mentions it" in result.output
    assert "response.pdf, page 1: " in result.output and "[Xantura]" in result.output
    assert cli("query", '"" *').exit_code == 2


def _search_tables() -> set[str]:
    names = sa.inspect(db.engine).get_table_names()
    return {name for name in names if is_search_index_table(name)}


def test_the_migration_builds_a_working_index_and_removes_it(make_app):
    app = make_app(create_tables=False)
    with app.app_context():
        upgrade(revision="heads")
        sqlite = db.engine.dialect.name == "sqlite"
        assert bool(_search_tables()) is sqlite
        assert "search_entry" in sa.inspect(db.engine).get_table_names()
    [kent] = make_campaign(app, "Kent County Council")
    reply(app, kent, pages=[XANTURA_PAGE])
    with app.app_context():
        [hit] = search("xantura").hits
        assert hit.page == 1 and hit.matched == ("Xantura",)
        db.session.remove()
        downgrade(revision=f"{REVISION}-1")
        assert _search_tables() == set()
        assert "search_entry" not in sa.inspect(db.engine).get_table_names()
        upgrade(revision=REVISION)
        assert bool(_search_tables()) is sqlite


def test_schema_comparison_leaves_out_only_the_dialect_specific_parts():
    assert not include_in_schema_comparison("search_entry_fts_data", "table", {})
    assert include_in_schema_comparison("search_entry", "table", {})
    assert not include_in_schema_comparison("document", "column", {"table_name": "search_entry"})
    assert include_in_schema_comparison("document", "column", {"table_name": "other"})
    assert include_in_schema_comparison("body", "column", {"table_name": "search_entry"})
