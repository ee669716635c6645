"""Faults, each ending in a reconciliation that nothing was lost or duplicated.

- a worker killed with SIGKILL while reading replies, then restarted;
- PostgreSQL stopped and started while webhooks arrive: the webhook answers 503 while it cannot
  store, so Mailgun retries, and never answers 200 for a reply it then loses;
- Redis restarted, losing its queue: the stored replies are found and processed;
- the files directory unusable: the webhook answers 503 and the retry is stored once.

(A worker killed mid-launch is tests/test_worker_crash.py; Mailgun hanging past the timeout is
tests/test_sending.py.) Each fault runs against real processes and servers on loopback.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fakes.pdf import make_pdf
from fakes.private_services import PrivatePostgres, PrivateRedis, postgres_bin
from fakes.replies import reply_email, signature_fields

from campaign.domain.tokens import new_token
from campaign.extensions import db
from campaign.mail.compose import reply_address
from campaign.models import Authority, Campaign, Event, Message, Request

CAMPAIGN_BIN = str(Path(sys.executable).parent / "campaign")
DOMAIN = "replies.example.org"
SIGNING_KEY = "key-faults"
IN_CI = os.environ.get("CI") == "true"
KILLED_BATCH = 40  # enough that the worker is killed with replies still waiting


def _wait_for(condition, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _database_url(database: dict) -> str:
    if "PG_SCHEMA" in database:
        return f"{database['DATABASE_URL']}?options=-csearch_path%3D{database['PG_SCHEMA']}"
    return database["DATABASE_URL"]


def seed_requests(app, count: int) -> list[tuple[str, str]]:
    """Sent requests to reply to: (reply address, authority address) pairs."""
    pairs = []
    with app.app_context():
        campaign = Campaign(slug=f"faults-{new_token()[:6]}", title="Faults", status="live")
        db.session.add(campaign)
        for n in range(count):
            authority = Authority(name=f"Fault Council {n}", foi_email=f"foi@fault{n}.gov.uk")
            token = new_token()
            request = Request(campaign=campaign, authority=authority, token=token, status="sent")
            letter = Message(
                request=request,
                direction="outbound",
                kind="request",
                subject="Freedom of Information request",
                message_id=f"req-{token}.{n}@{DOMAIN}",
                from_address=reply_address(token, DOMAIN),
            )
            db.session.add_all([authority, request, letter])
            pairs.append((reply_address(token, DOMAIN), authority.foi_email))
        db.session.commit()
    return pairs


def replies(pairs: list[tuple[str, str]], tag: str) -> list[bytes]:
    pdf = make_pdf(["Our reference: FOI/2018/0099", "The information is not held."])
    return [
        reply_email(
            to=to,
            sender=sender,
            body="Please find our response attached.",
            message_id=f"{tag}-{n}@council.example",
            attachments=[("response.pdf", "application/pdf", pdf)],
        )
        for n, (to, sender) in enumerate(pairs)
    ]


def write_mbox(path: Path, raws: list[bytes]) -> Path:
    box = mailbox.mbox(str(path))
    for raw in raws:
        box.add(raw)
    box.close()
    return path


def reconcile(app, expected: int) -> None:
    """Every reply stored once, processed once, applied to its request once."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.processing_state, sa.func.count())
            .where(Message.direction == "inbound")
            .group_by(Message.processing_state)
        ).all()
        assert dict(rows) == {"processed": expected}
        received = db.session.execute(
            sa.select(Event.request_id, sa.func.count())
            .where(Event.kind == "message_received")
            .group_by(Event.request_id)
        ).all()
        assert len(received) == expected and {n for _, n in received} == {1}


def test_a_worker_killed_while_reading_replies_loses_and_repeats_nothing(
    make_app, database, tmp_path
):
    data_dir = tmp_path / "worker-data"
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": _database_url(database),
        "REDIS_URL": "",
    }
    app = make_app(CAMPAIGN_DATA_DIR=str(data_dir))
    pairs = seed_requests(app, KILLED_BATCH)
    box = write_mbox(tmp_path / "replies.mbox", replies(pairs, "kill"))

    def run(*args: str) -> str:
        done = subprocess.run([CAMPAIGN_BIN, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert f"Stored {KILLED_BATCH} new message(s)" in run("mail", "import", "--queue", str(box))

    def processed() -> int:
        with app.app_context():
            return db.session.scalar(
                sa.select(sa.func.count()).where(Message.processing_state == "processed")
            )

    worker = subprocess.Popen(
        [CAMPAIGN_BIN, "worker", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Killed as soon as it has read a reply or two, with most still to go.
        _wait_for(lambda: processed() >= 1, 90, "the first replies to be read", every=0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert processed() < KILLED_BATCH, "every reply was read before the worker was killed"

    worker = subprocess.Popen(
        [CAMPAIGN_BIN, "worker", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run("mail", "process-stored", "--older-than", "0")
        _wait_for(
            lambda: processed() == KILLED_BATCH, 120, "every reply to be read after the restart"
        )
        run("mail", "process-stored", "--older-than", "0")  # again: nothing is read twice
        time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(15)
    reconcile(app, KILLED_BATCH)


@pytest.mark.skipif(
    postgres_bin() is None and not IN_CI, reason="PostgreSQL server binaries not installed"
)
def test_postgresql_restarted_while_webhooks_arrive(make_app, database, tmp_path):
    if "PG_SCHEMA" in database:
        pytest.skip("runs once, on a PostgreSQL of its own")
    server = PrivatePostgres().start()
    try:
        app = make_app(
            DATABASE_URL=server.url,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
            MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY,
        )
        pairs = seed_requests(app, 12)
        forms = [
            {"recipient": to, "body-mime": raw.decode(), **signature_fields(SIGNING_KEY)}
            for (to, _), raw in zip(pairs, replies(pairs, "pg"), strict=True)
        ]
        client = app.test_client()
        post = lambda form: client.post(  # noqa: E731
            "/webhooks/mailgun/inbound/mime", data=form, content_type="multipart/form-data"
        )
        assert [post(f).status_code for f in forms[:4]] == [200] * 4

        server.stop()
        refused = [post(f) for f in forms[4:8]]
        assert [r.status_code for r in refused] == [503] * 4  # Mailgun will retry these
        assert "retry later" in refused[0].get_json()["error"]

        server.start()
        # Mailgun's retries (the same posts, same signatures), then the rest.
        assert [post(f).status_code for f in forms[4:]] == [200] * 8
        reconcile(app, 12)
        spool = Path(app.config["FILES_DIR"]) / "incoming"
        assert not spool.exists() or not list(spool.iterdir())
    finally:
        with_app = locals().get("app")
        if with_app is not None:
            with with_app.app_context():
                db.session.remove()
                db.engine.dispose()
        server.remove()


@pytest.mark.skipif(shutil.which("redis-server") is None and not IN_CI, reason="no redis-server")
def test_redis_restarted_and_its_queue_lost_leaves_no_reply_behind(make_app, database, tmp_path):
    redis = PrivateRedis().start()
    data_dir = tmp_path / "redis-data"
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": _database_url(database),
        "REDIS_URL": redis.url,
    }
    app = make_app(CAMPAIGN_DATA_DIR=str(data_dir))
    pairs = seed_requests(app, 10)
    raws = replies(pairs, "redis")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CAMPAIGN_BIN, *args], env=env, capture_output=True, text=True)

    try:
        first = run("mail", "import", "--queue", str(write_mbox(tmp_path / "a.mbox", raws[:5])))
        assert first.returncode == 0, first.stderr[-1000:]
        redis.stop()  # the five queued jobs go with it
        second = run("mail", "import", "--queue", str(write_mbox(tmp_path / "b.mbox", raws[5:])))
        assert second.returncode == 0, second.stderr[-1000:]  # stored; queueing failed, logged
        assert "could not queue message" in second.stderr
        redis.start()

        worker = subprocess.Popen(
            [CAMPAIGN_BIN, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            assert run("mail", "process-stored", "--older-than", "0").returncode == 0

            def processed() -> int:
                with app.app_context():
                    return db.session.scalar(
                        sa.select(sa.func.count()).where(Message.processing_state == "processed")
                    )

            _wait_for(lambda: processed() == 10, 120, "every reply to be read")
        finally:
            worker.terminate()
            worker.wait(15)
        reconcile(app, 10)
    finally:
        redis.stop()


def test_an_unusable_files_directory_gets_503_and_the_retry_is_stored_once(
    make_app, sent_request, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the files directory should be")
    broken = make_app(MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY, FILES_DIR=str(blocker / "files"))
    sent = sent_request()
    [raw] = replies([(sent.reply_to, sent.authority_email)], "files")
    form = {"recipient": sent.reply_to, "body-mime": raw.decode(), **signature_fields(SIGNING_KEY)}

    response = broken.test_client().post(
        "/webhooks/mailgun/inbound/mime", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 503
    assert "cannot write the message to disk" in response.get_json()["error"]

    fixed = make_app(create_tables=False, MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY)
    retried = fixed.test_client().post(
        "/webhooks/mailgun/inbound/mime", data=form, content_type="multipart/form-data"
    )
    assert retried.status_code == 200
    reconcile(fixed, 1)
