"""Soak: signed inbound webhooks from 20 clients while a 1,000-authority launch runs and the
dashboard is polled, on the production profile (gunicorn, PostgreSQL, huey on Redis, Mailgun).

    python bench/soak.py [--webhooks 5000] [--seconds 120] [--clients 20] [--authorities 1000]

Everything runs on loopback: PostgreSQL in a schema of its own, Redis database 12 (flushed),
the local fake Mailgun, gunicorn with gunicorn.conf.py, `--workers` `campaign worker`
processes. The replies answer an earlier campaign's requests (seeded as sent); the launch is a
new campaign to `--authorities` councils, started at the same moment. One client signs in and
polls the campaign dashboard and the requests list once a second.

A webhook answered with anything but 200 is posted again, as Mailgun does, until it is
accepted. At the end it waits for the workers and reconciles: webhooks posted = messages
stored = messages processed; requests launched = letters Mailgun accepted, each exactly once.
Prints requests/s and p50/p95/p99 latency per endpoint and the 5xx count; the last line is one
JSON object with `posted`, `stored`, `processed`, `launched`, `sent_once`, `errors_5xx`,
`p95_ms` and more.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakes.fake_mailgun import FakeMailgun  # noqa: E402
from fakes.replies import reply_email, signature_fields  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KEY = "key-soak"
DOMAIN = "mg.example.org"
ACK = (
    "Thank you for your request for information, which we received on 3 May 2018. We will "
    "respond within 20 working days. Your reference number is FOI/2018/{n}."
)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def seed(env: dict, authorities: int, earlier: int) -> list[tuple[str, str]]:
    """Authorities, an earlier campaign with `earlier` sent requests, and the campaign to launch.

    Returns (reply address, sender) for each earlier request."""
    subprocess.run(
        [str(BIN / "campaign"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
        capture_output=True,
    )  # fmt: skip
    from campaign import create_app
    from campaign.domain.tokens import new_token
    from campaign.extensions import db
    from campaign.mail.compose import reply_address
    from campaign.models import Authority, Campaign, Message, Question, Request, User

    app = create_app(
        {
            "DATABASE_URL": env["DATABASE_URL"],
            "CAMPAIGN_DATA_DIR": env["CAMPAIGN_DATA_DIR"],
            "SECRET_KEY": "soak",
        }
    )
    pairs = []
    with app.app_context():
        user = User(email="owner@example.org", role="owner")
        user.set_password("soak password 42")
        db.session.add(user)
        rows = [
            Authority(name=f"Soak Council {n}", foi_email=f"foi@soak{n}.gov.uk")
            for n in range(max(authorities, earlier))
        ]
        db.session.add_all(rows)
        db.session.flush()
        earlier_campaign = Campaign(slug="earlier", title="Earlier campaign", status="live")
        db.session.add(earlier_campaign)
        for n in range(earlier):
            token = new_token()
            request = Request(
                campaign=earlier_campaign, authority_id=rows[n].id, token=token, status="sent",
                sent_to=rows[n].foi_email,
            )  # fmt: skip
            letter = Message(
                request=request, direction="outbound", kind="request",
                subject="Freedom of Information request", message_id=f"req-{token}.{n}@{DOMAIN}",
                from_address=reply_address(token, DOMAIN),
            )  # fmt: skip
            db.session.add_all([request, letter])
            pairs.append((reply_address(token, DOMAIN), rows[n].foi_email))
        launch = Campaign(
            slug="soak",
            title="Soak launch",
            subject_template="Freedom of Information request",
            body_template="Dear {{ authority.name }},\n\n{{ questions }}\n",
            target_filter={"authority_ids": [a.id for a in rows[:authorities]]},
        )
        launch.questions = [Question(position=1, text="Do you use predictive analytics?")]
        db.session.add(launch)
        db.session.commit()
        db.engine.dispose()
    return pairs


class Timings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)

    def add(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[endpoint].append(seconds * 1000)
            self.statuses[endpoint][status] += 1


def post_webhooks(base: str, pairs, count: int, seconds: float, clients: int, timings: Timings):
    """Post `count` replies paced evenly over `seconds`; retry until 200, as Mailgun does."""
    started = time.perf_counter()
    local = threading.local()

    def one(n: int) -> int:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        due = started + n * seconds / count
        time.sleep(max(0.0, due - time.perf_counter()))
        to, sender = pairs[n % len(pairs)]
        raw = reply_email(
            to=to, sender=sender, body=ACK.format(n=n), message_id=f"soak-{n}@council.example"
        )
        form = {"recipient": to, "body-mime": raw.decode(), **signature_fields(KEY)}
        attempts = 0
        while True:
            attempts += 1
            begin = time.perf_counter()
            try:
                response = session.post(
                    f"{base}/webhooks/mailgun/inbound/mime",
                    files={name: (None, value) for name, value in form.items()},
                    timeout=60,
                )
                status = response.status_code
            except requests.RequestException:
                status = 599
            timings.add("POST /webhooks/mailgun/inbound", status, time.perf_counter() - begin)
            if status == 200 or attempts >= 20:
                return attempts
            time.sleep(min(2.0, 0.1 * attempts))

    with ThreadPoolExecutor(clients) as pool:
        attempts = list(pool.map(one, range(count)))
    return time.perf_counter() - started, attempts


def poll_pages(base: str, stop: threading.Event, timings: Timings) -> None:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    session.post(
        f"{base}/login",
        data={"email": "owner@example.org", "password": "soak password 42", "csrf_token": token},
        timeout=60,
    )
    while not stop.is_set():
        for label, path in (
            ("GET dashboard", "/campaigns/earlier/dashboard"),
            ("GET requests list", "/campaigns/soak/requests"),
        ):
            begin = time.perf_counter()
            try:
                status = session.get(f"{base}{path}", timeout=60).status_code
            except requests.RequestException:
                status = 599
            timings.add(label, status, time.perf_counter() - begin)
        stop.wait(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webhooks", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--authorities", type=int, default=1000)
    parser.add_argument("--earlier", type=int, default=1000, help="requests the replies answer")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    schema = f"soak_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = sa.create_engine(url)
    mailgun = FakeMailgun(domains=[DOMAIN]).start()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "CAMPAIGN_DATA_DIR": tempfile.mkdtemp(prefix="foi-soak-"),
        "SECRET_KEY": "soak",
        "MAIL_TRANSPORT": "mailgun",
        "MAILGUN_API_KEY": mailgun.api_key,
        "MAILGUN_DOMAIN": DOMAIN,
        "MAILGUN_API_URL": mailgun.url,
        "MAIL_DOMAIN": DOMAIN,
        "MAILGUN_WEBHOOK_SIGNING_KEY": KEY,
        "SEND_RATE_PER_MINUTE": "100000",
        "SEND_RATE_PER_DOMAIN_PER_MINUTE": "100000",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.web_workers),
        "GUNICORN_LOG_LEVEL": "warning",
        "GUNICORN_TIMEOUT": "120",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    processes: list[subprocess.Popen] = []
    timings = Timings()
    try:
        pairs = seed(env, args.authorities, args.earlier)
        quiet = {
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "cwd": ROOT,
            "env": env,
        }
        server = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
        processes.append(subprocess.Popen(server, **quiet))
        for _ in range(args.workers):
            processes.append(subprocess.Popen([str(BIN / "campaign"), "worker"], **quiet))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)

        stop = threading.Event()
        poller = threading.Thread(target=poll_pages, args=(base, stop, timings), daemon=True)
        poller.start()
        started = time.perf_counter()
        launch = subprocess.Popen([str(BIN / "campaign"), "send", "soak", "--no-wait"], **quiet)
        elapsed, attempts = post_webhooks(
            base, pairs, args.webhooks, args.seconds, args.clients, timings
        )
        launch.wait(600)

        def count(sql: str) -> int:
            with engine.connect() as conn:
                return conn.scalar(sa.text(sql))

        inbound = "FROM message WHERE direction = 'inbound'"
        wait_until = time.monotonic() + 1800
        while time.monotonic() < wait_until:
            processed = count(f"SELECT count(*) {inbound} AND processing_state = 'processed'")
            launched = count(
                "SELECT count(*) FROM request r JOIN campaign c ON c.id = r.campaign_id"
                " WHERE c.slug = 'soak'"
            )
            if processed >= args.webhooks and len(mailgun.messages) >= launched > 0:
                break
            time.sleep(1)
        stop.set()
        poller.join(10)
        total = time.perf_counter() - started
        stored = count(f"SELECT count(*) {inbound}")
        processed = count(f"SELECT count(*) {inbound} AND processing_state = 'processed'")
        failed = count(f"SELECT count(*) {inbound} AND processing_state = 'failed'")
        launched = count(
            "SELECT count(*) FROM request r JOIN campaign c ON c.id = r.campaign_id"
            " WHERE c.slug = 'soak'"
        )
        per_recipient = Counter(m.form_value("to") for m in mailgun.messages)
        sent_once = sum(1 for n in per_recipient.values() if n == 1)
        sent_twice = sum(1 for n in per_recipient.values() if n > 1)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        mailgun.stop()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    errors_5xx = sum(
        n for statuses in timings.statuses.values() for s, n in statuses.items() if s >= 500
    )
    print(
        f"soak: {args.webhooks} signed webhooks from {args.clients} clients over "
        f"{args.seconds:.0f} s, a {args.authorities}-authority launch, dashboard polled; "
        f"gunicorn x{args.web_workers}, {args.workers} workers, PostgreSQL + Redis"
    )
    endpoints = {}
    for endpoint, values in sorted(timings.latency.items()):
        figures = {
            "requests": len(values),
            "per_s": round(len(values) / elapsed, 1),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "statuses": dict(timings.statuses[endpoint]),
        }
        endpoints[endpoint] = figures
        print(
            f"  {endpoint:<34} {figures['requests']:>6} requests {figures['per_s']:>7.1f}/s  "
            f"p50 {figures['p50_ms']:>7.1f} ms  p95 {figures['p95_ms']:>7.1f} ms  "
            f"p99 {figures['p99_ms']:>7.1f} ms  {figures['statuses']}"
        )
    retried = sum(1 for n in attempts if n > 1)
    print(
        f"  reconciliation: posted {args.webhooks} (retried {retried}), stored {stored}, "
        f"processed {processed}, failed {failed}; launched {launched}, Mailgun accepted "
        f"{len(mailgun.messages)}, each once {sent_once}, twice or more {sent_twice}; "
        f"everything done after {total:.0f} s"
    )
    webhook = endpoints.get("POST /webhooks/mailgun/inbound", {})
    print(
        json.dumps(
            {
                "posted": args.webhooks,
                "stored": stored,
                "processed": processed,
                "failed": failed,
                "launched": launched,
                "sent_once": sent_once,
                "sent_more_than_once": sent_twice,
                "errors_5xx": errors_5xx,
                "p95_ms": webhook.get("p95_ms"),
                "webhooks_per_s": round(args.webhooks / elapsed, 1),
                "all_done_s": round(total, 1),
                "endpoints": endpoints,
            }
        )
    )


if __name__ == "__main__":
    main()
