"""A real worker process killed with SIGKILL mid-launch, then restarted: every letter is sent
exactly once. The queue is the embedded SQLite queue; Mailgun is the fake on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes import FakeMailgun

from campaign.extensions import db
from campaign.models import Authority, Campaign, Message, Question, Request

CAMPAIGN_BIN = str(Path(sys.executable).parent / "campaign")
LETTERS = 80


class SlowMailgun(FakeMailgun):
    """Takes 40 ms to accept each message, so a batch is still running when the worker dies."""

    def _accept(self, *args, **kwargs):
        time.sleep(0.04)
        return super()._accept(*args, **kwargs)


def _database_url(database: dict) -> str:
    if "PG_SCHEMA" in database:
        return f"{database['DATABASE_URL']}?options=-csearch_path%3D{database['PG_SCHEMA']}"
    return database["DATABASE_URL"]


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def mailgun():
    with SlowMailgun() as server:
        yield server


def test_worker_killed_mid_launch_and_restarted_sends_every_letter_once(
    make_app, database, mailgun, tmp_path
):
    data_dir = tmp_path / "worker-data"
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": _database_url(database),
        "MAIL_TRANSPORT": "mailgun",
        "MAILGUN_API_KEY": mailgun.api_key,
        "MAILGUN_DOMAIN": mailgun.domain,
        "MAILGUN_API_URL": mailgun.url,
        "MAILGUN_TIMEOUT_SECONDS": "5",
        "SEND_RATE_PER_MINUTE": "100000",
        "SEND_RATE_PER_DOMAIN_PER_MINUTE": "100000",
        "SEND_STALE_CLAIM_SECONDS": "2",
        "REDIS_URL": "",
    }
    app = make_app(CAMPAIGN_DATA_DIR=str(data_dir))
    with app.app_context():
        authorities = [
            Authority(name=f"Council {i}", foi_email=f"foi@council{i}.gov.uk")
            for i in range(LETTERS)
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug="crash",
            title="Crash test",
            subject_template="FOI request",
            body_template="Dear {{ authority.name }}, {{ questions }}",
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=1, text="Any contracts?")]
        db.session.add(campaign)
        db.session.commit()

    def run(*args: str) -> str:
        done = subprocess.run(
            [CAMPAIGN_BIN, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert f"Queued {LETTERS}" in run("send", "crash", "--no-wait")

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [CAMPAIGN_BIN, "worker", "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def sent_count() -> int:
        with app.app_context():
            return db.session.scalar(
                sa.select(sa.func.count(Request.id)).where(Request.status == "sent")
            )

    worker = start_worker()
    try:
        _wait_for(lambda: len(mailgun.messages) >= 15, 60, "the first letters")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert len(mailgun.messages) < LETTERS, "the batch finished before the worker was killed"

    time.sleep(2.5)  # the dead worker's claims go stale
    worker = start_worker()
    try:
        run("requeue-stuck")
        _wait_for(lambda: sent_count() == LETTERS, 90, "every letter to be sent")
    finally:
        worker.terminate()
        worker.wait(timeout=15)

    ids = [m.message_id for m in mailgun.messages]
    assert len(ids) == LETTERS and len(set(ids)) == LETTERS, "a letter was lost or sent twice"
    with app.app_context():
        stored = list(db.session.scalars(sa.select(Message.message_id)))
    assert sorted(stored) == sorted(ids)
