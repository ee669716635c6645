"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from campaign.extensions import db
from campaign.models.search import include_in_schema_comparison, is_search_index_table


def _schema_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # The search index's FTS5 tables and tsvector column are not in the models.
                "include_name": include_in_schema_comparison,
            },
        )
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    names = sa.inspect(db.engine).get_table_names()
    return {name for name in names if not is_search_index_table(name)} - {"alembic_version"}


def test_upgrade_to_head_matches_the_models_exactly(make_app):
    app = make_app(create_tables=False)
    with app.app_context():
        assert _tables() == set()
        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _schema_diff() == []


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(make_app):
    app = make_app(create_tables=False)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert _tables() == set()
        upgrade()
        assert _schema_diff() == []


def test_foreign_keys_are_enforced(make_app):
    """SQLite ignores foreign keys unless asked per connection; a request for a missing
    authority must fail on both databases."""
    from campaign.models import Campaign, Request

    app = make_app()
    with app.app_context():
        campaign = Campaign(slug="c", title="C")
        db.session.add(campaign)
        db.session.commit()
        db.session.add(Request(campaign_id=campaign.id, authority_id=9999, token="t1"))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
        else:  # pragma: no cover - the assertion explains the failure
            raise AssertionError("a request for a missing authority was stored")


def test_upgrade_keeps_existing_rows(make_app):
    """A database with data from the first release upgrades in place, rows intact."""
    from campaign.models import Request

    app = make_app(create_tables=False)
    with app.app_context():
        upgrade(revision="05c7580c458d")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO authority (name, normalised_name, short_name, alt_names, region,"
                    " authority_type, law, website, created_at)"
                    " VALUES ('A', 'a', '', '', '', '', 'foia', '', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO campaign (slug, title, description, subject_template,"
                    " body_template, status, letter_version, is_public, is_demo, created_at)"
                    " VALUES ('c', 'C', '', '', '', 'draft', 1, false, false, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO request (campaign_id, authority_id, token, status,"
                    " status_changed_at, law, letter_version, created_at)"
                    " VALUES (1, 1, 'tok', 'queued', CURRENT_TIMESTAMP, 'foia', 1,"
                    " CURRENT_TIMESTAMP)"
                )
            )
        upgrade()
        request = db.session.scalar(sa.select(Request))
        assert request.send_attempts == 0 and request.campaign.target_filter == {}
        assert _schema_diff() == []
