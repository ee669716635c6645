"""`campaign search`: the full-text index of replies from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def search() -> None:
    """Full-text search of replies and released documents."""


@search.command("reindex")
@click.argument("slug", metavar="[CAMPAIGN]", required=False)
@with_appcontext
def reindex_command(slug: str | None) -> None:
    """Rebuild the search index from the stored replies (of CAMPAIGN, or of every campaign).

    Replies are indexed as they are read; run this once after upgrading a database that
    already holds replies. Nothing is extracted again: the text kept when each reply arrived
    is indexed.
    """
    from campaign.services.search_index import campaign_ids_for, reindex

    campaign_ids = campaign_ids_for(slug)
    if campaign_ids == []:
        raise click.BadParameter(f"no campaign {slug!r}", param_hint="CAMPAIGN")
    count = reindex(campaign_ids)
    where = f"campaign {slug}" if slug else "every campaign"
    click.echo(f"Indexed {count} {'reply' if count == 1 else 'replies'} of {where}.")


@search.command("query")
@click.argument("words")
@click.option("--campaign", "slug", metavar="CAMPAIGN", help="Only this campaign's replies.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def query_command(words: str, slug: str | None, limit: int) -> None:
    """Which authorities' replies mention WORDS, and where (use quotes for a phrase)."""
    from campaign.services.search import authorities_mentioning, parse_query
    from campaign.services.search import search as run_search
    from campaign.services.search_index import campaign_ids_for

    campaign_ids = campaign_ids_for(slug)
    if campaign_ids == []:
        raise click.BadParameter(f"no campaign {slug!r}", param_hint="--campaign")
    query = parse_query(words)
    if not query.ok:
        raise click.BadParameter(query.problem, param_hint="WORDS")
    mentions = authorities_mentioning(query, campaign_ids)
    who = "1 authority mentions" if len(mentions) == 1 else f"{len(mentions)} authorities mention"
    click.echo(f"{who} it")
    for hit in run_search(query, campaign_ids=campaign_ids, limit=limit).hits:
        where = f"{hit.document}, page {hit.page}" if hit.page else hit.document
        snippet = "".join(f"[{text}]" if match else text for text, match in hit.snippet)
        click.echo(f"{hit.authority_name}\t{hit.campaign_slug}\trequest {hit.request_id}")
        click.echo(f"  {where}: {snippet}")
