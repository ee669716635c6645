"""`campaign send`, `campaign worker` and `campaign requeue-stuck`: launching and the queue."""

from __future__ import annotations

import contextvars
import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

# How often an idle worker thread looks for new jobs in the embedded (SQLite) queue. huey's
# own default backs off from 0.1 s to 10 s while idle, so the first letters of a launch could
# wait 10 s for a worker that had been idle a minute. A look costs about 6 µs: four threads
# looking 20 times a second use a 4,000th of a core. RedisHuey waits on the queue instead.
POLL_SECONDS = 0.05
# Threads per worker process. A letter is about 1 ms of CPU and a wait on the mail API
# (typically 100-300 ms a call to Mailgun), so a thread sends 3 to 10 letters a second: two
# keep up with the default 300 a minute, and one still sends while the other runs a long job
# (reading a reply's PDFs). More threads share one core (Python's GIL) and, on the embedded
# SQLite, one writer: to send faster, run more worker processes.
DEFAULT_THREADS = 2


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
@click.option("--workers", "-w", default=DEFAULT_THREADS, show_default=True, help="Worker threads.")
@click.option("--verbose", "-v", is_flag=True, help="Log every job, not only problems.")
def worker(workers: int, verbose: bool) -> None:
    """Run the background worker that sends letters and runs periodic jobs."""
    import logging

    from campaign.tasks import huey

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        initial_delay=POLL_SECONDS,
        backoff=1.0,
        max_delay=POLL_SECONDS,
    )
    # The jobs' app is the worker's own (see campaign.tasks.app_context), not this command's.
    contextvars.Context().run(_get_ready)
    click.echo(f"Worker started ({workers} threads, queue: {type(huey.storage).__name__}).")
    consumer.run()


def _get_ready() -> None:
    """Open the jobs' app, a database connection and the transport before the first job, so
    the first letters of a launch do not wait for them, and a database that cannot be reached
    is reported when the worker starts."""
    from campaign.extensions import db
    from campaign.tasks import app_context, transport_for

    with app_context() as app:
        try:
            db.session.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as error:
            click.echo(f"Warning: the database cannot be reached yet: {error}", err=True)
        transport_for(app)


@click.command("requeue-stuck")
@with_appcontext
def requeue_stuck() -> None:
    """Re-queue letters a stopped worker left claimed or never picked up."""
    from campaign.tasks import requeue_stuck_sends

    count = requeue_stuck_sends.call_local()
    click.echo(f"Re-queued {count} letters.")
