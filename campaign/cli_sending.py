"""`campaign send`, `campaign worker` and `campaign requeue-stuck`: launching and the queue."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext


@click.command("send")
@click.argument("slug")
@click.option("--wait/--no-wait", default=True, help="Show a progress bar until the queue empties.")
@click.option("--timeout", default=3600, show_default=True, help="Seconds to wait at most.")
@with_appcontext
def send(slug: str, wait: bool, timeout: int) -> None:
    """Launch campaign SLUG: create its requests and queue them for the worker."""
    from campaign.extensions import db
    from campaign.models import Campaign
    from campaign.services.launch import campaign_progress, launch_campaign

    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign with slug {slug!r}")
    result = launch_campaign(campaign)
    click.echo(f"Queued {result.queued}; already launched {result.already_launched}.")
    for name, reason in result.skipped:
        click.echo(f"Skipped {name}: {reason}")
    if not wait or result.queued == 0:
        return
    progress = campaign_progress(campaign)
    total = progress["total"] - progress["skipped"]
    deadline = time.monotonic() + timeout
    with click.progressbar(length=total, label="Sending", show_pos=True) as bar:
        done = 0
        while time.monotonic() < deadline:
            db.session.expire_all()
            progress = campaign_progress(campaign)
            now_done = progress["total"] - progress["skipped"] - progress["queued"]
            bar.update(now_done - done)
            done = now_done
            if progress["queued"] == 0:
                break
            time.sleep(1)
    click.echo(
        f"Sent {progress['sent']}, failed {progress['failed']}, still queued {progress['queued']}."
    )
    if progress["queued"]:
        click.echo("Letters still queued go out while a worker runs: `campaign worker`.")


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, help="Worker threads.")
@click.option("--verbose", "-v", is_flag=True, help="Log every job, not only problems.")
def worker(workers: int, verbose: bool) -> None:
    """Run the background worker that sends letters and runs periodic jobs."""
    import logging

    from campaign.tasks import huey

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    click.echo(f"Worker started ({workers} threads, queue: {type(huey.storage).__name__}).")
    consumer.run()


@click.command("requeue-stuck")
@with_appcontext
def requeue_stuck() -> None:
    """Re-queue letters a stopped worker left claimed or never picked up."""
    from campaign.tasks import requeue_stuck_sends

    count = requeue_stuck_sends.call_local()
    click.echo(f"Re-queued {count} letters.")
