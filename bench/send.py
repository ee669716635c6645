"""Benchmark: launch a 2,000-authority campaign through MailgunTransport to a fake Mailgun on
127.0.0.1 and compare with a bare loop of `messages.create` calls to the same server.

    python bench/send.py [--authorities 2000] [--workers 4] [--database sqlite|postgresql|both]

Per database it prints: the bare loop's letters/s (the baseline: same run, same server, the
SDK client configured as MailgunTransport configures it, the same letters), ours end to end
(render + queue + send + record, measured from launch until every request is recorded as
sent, with real `campaign worker` processes on the embedded SQLite queue), the ratio, then a
second launch with the fake failing 10% of calls, counting duplicates and losses. Retries
wait SEND_RETRY_BASE_SECONDS=1 here instead of 30 so the run ends in minutes.
The last line is one JSON object.

The workers run as shipped, with `campaign worker`'s default threads; BENCH_THREADS=N gives
each N threads instead. The clock starts once every worker has said it is ready.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
from bench_databases import fresh_database  # noqa: E402
from fakes import FakeMailgun  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CAMPAIGN_BIN = str(Path(sys.executable).parent / "campaign")
THREADS = os.environ.get("BENCH_THREADS", "")  # empty: the worker's default
SUBJECT = "Freedom of Information request: {{ authority.name }}"
BODY = (
    "Dear {{ authority.name }},\n\nUnder {{ law.citation }}:\n\n{{ questions }}\n\n"
    "Please reply to {{ reply_to }}."
)
QUESTIONS = [f"Question {i}" for i in range(1, 8)]


def bare_letters(domain: str, count: int) -> list[dict[str, str]]:
    """The form fields of the letters ours sends in this benchmark: the same template, rendered
    for the same authorities, with the same headers and variables."""
    from campaign.domain.letters import LetterAuthority, LetterContext, law_for, render_letter
    from campaign.domain.tokens import new_token
    from campaign.mail.compose import OutgoingEmail, new_message_id, reply_address
    from campaign.mail.transports import mailgun_fields

    letters = []
    for i in range(count):
        token, address = new_token(), f"foi@council{i % 300}.gov.uk"
        reply_to = reply_address(token, domain)
        context = LetterContext(
            authority=LetterAuthority(name=f"Council {i}", email=address),
            law=law_for("foia"),
            reply_to=reply_to,
            today=date.today(),
            questions=QUESTIONS,
        )
        letter = render_letter(SUBJECT, BODY, context)
        email = OutgoingEmail(
            message_id=new_message_id(token, domain),
            from_address=reply_to,
            from_name="FOI Campaign",
            to=address,
            subject=letter.subject,
            body_text=letter.body,
            reply_to=reply_to,
            variables={"request_id": str(i + 1), "token": token},
        )
        letters.append(mailgun_fields(email))
    return letters


def bare_loop(server: FakeMailgun, count: int) -> float:
    """Letters/s of the SDK alone: one messages.create after another, nothing recorded.

    The client is MailgunTransport's own (no retries, its timeouts, proxy settings read once),
    and the letters are ours, built before the clock starts: the loop differs from ours only
    in what ours does around each call."""
    from campaign.mail.transports import MailgunTransport

    letters = bare_letters(server.domain, count)
    messages = MailgunTransport(server.api_key, server.domain, server.url).client.messages
    start = time.perf_counter()
    for data in letters:
        messages.create(domain=server.domain, data=data)
    return count / (time.perf_counter() - start)


DATA_DIR = Path(tempfile.mkdtemp(prefix="foi-bench-"))
os.environ["CAMPAIGN_DATA_DIR"] = str(DATA_DIR)  # the queue file the workers share with us


def launch_and_wait(kind: str, server: FakeMailgun, count: int, workers: int) -> dict:
    """Launch `count` letters through real workers; time until all are recorded as sent."""
    data_dir = DATA_DIR
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=DATA_DIR))
    url, db_settings, cleanup = fresh_database(kind, run_dir)
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "MAIL_TRANSPORT": "mailgun",
        "MAILGUN_API_KEY": server.api_key,
        "MAILGUN_DOMAIN": server.domain,
        "MAILGUN_API_URL": server.url,
        "SEND_RATE_PER_MINUTE": "1000000",
        "SEND_RATE_PER_DOMAIN_PER_MINUTE": "1000000",
        "SEND_RETRY_BASE_SECONDS": "1",
        "REDIS_URL": "",
    }
    from campaign import create_app
    from campaign.extensions import db
    from campaign.models import Authority, Campaign, Message, Question, Request
    from campaign.services.launch import launch_campaign
    from campaign.tasks import huey

    huey.storage.flush_all()
    app = create_app(
        {
            **db_settings,
            "CAMPAIGN_DATA_DIR": str(data_dir),
            "SECRET_KEY": "bench",
            "SEND_RATE_PER_MINUTE": 1_000_000,
            "SEND_RATE_PER_DOMAIN_PER_MINUTE": 1_000_000,
        }
    )
    with app.app_context():
        db.create_all()
        authorities = [
            Authority(name=f"Council {i}", foi_email=f"foi@council{i % 300}.gov.uk")
            for i in range(count)
        ]
        db.session.add_all(authorities)
        db.session.flush()
        campaign = Campaign(
            slug="bench",
            title="Bench",
            subject_template=SUBJECT,
            body_template=BODY,
            target_filter={"authority_ids": [a.id for a in authorities]},
        )
        campaign.questions = [Question(position=i, text=q) for i, q in enumerate(QUESTIONS, 1)]
        db.session.add(campaign)
        db.session.commit()

    # BENCH_LOG=FILE keeps the workers' job log, to see where the time goes.
    worker_log = open(os.environ["BENCH_LOG"], "a") if os.environ.get("BENCH_LOG") else None  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [CAMPAIGN_BIN, "worker"]
            + (["--workers", THREADS] if THREADS else [])
            + (["--verbose"] if os.environ.get("BENCH_LOG") else []),
            env=env,
            stdout=subprocess.PIPE,
            stderr=worker_log,
            text=True,
        )
        for _ in range(workers)
    ]
    try:
        for proc in procs:  # workers up before the clock starts
            ready = proc.stdout.readline()
            if not ready.startswith("Worker started"):
                raise RuntimeError(f"a worker did not start: {ready!r}")
        time.sleep(1.5)  # idle a while, as a worker is before a launch
        with app.app_context():
            start, wall_start = time.perf_counter(), time.time()
            launch_campaign(db.session.scalar(sa.select(Campaign)))
            launched = time.perf_counter() - start
            while True:
                db.session.expire_all()
                left = db.session.scalar(
                    sa.select(sa.func.count(Request.id)).where(Request.status == "queued")
                )
                if left == 0 or time.perf_counter() - start > 900:
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - start
            sent = db.session.scalar(
                sa.select(sa.func.count(Request.id)).where(Request.status == "sent")
            )
            recorded = set(db.session.scalars(sa.select(Message.message_id)))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup()

    accepted = [m.message_id for m in server.messages]
    accepted_at = sorted(m.accepted_at for m in server.messages) or [wall_start]
    return {
        "first_accepted": accepted_at[0] - wall_start,
        "last_accepted": accepted_at[-1] - wall_start,
        "per_s": count / elapsed,
        "seconds": elapsed,
        "launch_seconds": launched,
        "sent": sent,
        "duplicates": len(accepted) - len(set(accepted)),
        "lost": count - len(set(accepted) & recorded),
        "posts": server.post_count,
    }


def run(kind: str, count: int, workers: int) -> dict:
    with FakeMailgun() as server:
        bare = bare_loop(server, count)
    with FakeMailgun() as server:
        ours = launch_and_wait(kind, server, count, workers)
    with FakeMailgun(fail_rate=0.10, seed=7) as server:
        faulty = launch_and_wait(kind, server, count, workers)
    ratio = ours["per_s"] / bare
    from campaign.cli_sending import DEFAULT_THREADS

    threads = int(THREADS or DEFAULT_THREADS)
    print(f"[{kind}] bare messages.create loop: {bare:8.1f} letters/s")
    print(
        f"[{kind}] ours, end to end:          {ours['per_s']:8.1f} letters/s "
        f"({workers} workers, {threads} threads each; "
        f"{ours['seconds']:.2f} s, of which launch {ours['launch_seconds']:.2f} s; "
        f"first letter accepted at {ours['first_accepted']:.2f} s, last at "
        f"{ours['last_accepted']:.2f} s)"
    )
    print(f"[{kind}] ratio ours/bare:           {ratio:8.2f}")
    print(
        f"[{kind}] with 10% of calls failing:  {faulty['per_s']:8.1f} letters/s, "
        f"{faulty['posts']} POSTs for {count} letters, sent {faulty['sent']}, "
        f"duplicates {faulty['duplicates']}, lost {faulty['lost']}"
    )
    return {
        "ours_per_s": round(ours["per_s"], 1),
        "bare_per_s": round(bare, 1),
        "ratio": round(ratio, 3),
        "duplicates": ours["duplicates"] + faulty["duplicates"],
        "lost": ours["lost"] + faulty["lost"],
        "faulty_per_s": round(faulty["per_s"], 1),
        "worker_processes": workers,
        "threads_per_worker": threads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = {kind: run(kind, args.authorities, args.workers) for kind in kinds}
    first = results[kinds[0]]
    summary = {
        "authorities": args.authorities,
        "ours_per_s": first["ours_per_s"],
        "bare_per_s": first["bare_per_s"],
        "ratio": min(r["ratio"] for r in results.values()),
        "duplicates": sum(r["duplicates"] for r in results.values()),
        "lost": sum(r["lost"] for r in results.values()),
        "per_database": results,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
