"""Benchmark: 2,000 signed inbound webhooks posted over HTTP to the app under gunicorn with
PostgreSQL, a third of them carrying a PDF, against a bare endpoint that only verifies the
signature, served the same way in the same run.

    python bench/ingest.py [--messages 2000] [--concurrency 4] [--gunicorn-workers 2]

It prints messages/s accepted, p50/p95 webhook latency, the time until the workers have
stored, read, matched and applied every message (measured from the first post), the bare
endpoint's messages/s and the ratio, and the share of replies sent to a request's reply
address that were matched to it. The processing workers start when the last post is answered,
so the web server is measured as the bare endpoint is, alone on the machine (in production
they run on other machines); `--workers-during-posts` starts them with the web server instead,
at a lower CPU priority. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
from fakes.pdf import make_pdf  # noqa: E402

from campaign.mail.signatures import sign  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
KEY = "bench-signing-key"
REQUESTS = 500  # replies go to these requests' reply addresses, four each
BARE_APP = "bench.bare_webhook:app"

PDF = make_pdf(
    [
        [f"Request reference: REQ{10000 + page}", "Freedom of Information Act 2000"]
        + [f"Line {n}: the Council does not hold this information." for n in range(40)]
        for page in range(6)
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def multipart(
    fields: dict[str, str], files: list[tuple[str, str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body as Mailgun's inbound route posts it."""
    boundary = secrets.token_hex(16)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, filename, content_type, data in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def webhook_body(n: int, recipient: str, sender: str) -> tuple[bytes, str]:
    """One signed forward() post: an acknowledgement, or a response with a PDF (every third)."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    with_pdf = n % 3 == 0
    subject = "RE: Freedom of Information request" + (" - response" if with_pdf else "")
    body = (
        "Please find attached our response to your request."
        if with_pdf
        else "Thank you for your request, which we received today. We will respond within "
        f"20 working days. Our reference: FOI/2026/{n:05d}"
    )
    message_id = f"bench-{n}-{uuid.uuid4().hex[:8]}@council.example"
    headers = [
        ["From", sender],
        ["To", recipient],
        ["Subject", subject],
        ["Message-Id", f"<{message_id}>"],
        ["Date", format_datetime(datetime.now(UTC))],
    ]
    fields = {
        "recipient": recipient,
        "sender": sender,
        "from": sender,
        "subject": subject,
        "body-plain": body,
        "stripped-text": body,
        "message-headers": json.dumps(headers),
        "Message-Id": f"<{message_id}>",
        "attachment-count": "1" if with_pdf else "0",
        "timestamp": timestamp,
        "token": token,
        "signature": sign(KEY, timestamp, token),
    }
    files = [("attachment-1", f"response-{n}.pdf", "application/pdf", PDF)] if with_pdf else []
    return multipart(fields, files)


def post_all(port: int, bodies: list[tuple[bytes, str]], concurrency: int) -> tuple[float, list]:
    """Post every body; return the elapsed seconds and (status, latency) per post."""
    local = threading.local()

    def post(item: tuple[bytes, str]) -> tuple[int, float]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body, content_type = item
        start = time.perf_counter()
        local.conn.request(
            "POST", "/webhooks/mailgun/inbound", body=body, headers={"Content-Type": content_type}
        )
        response = local.conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(post, bodies))
    return time.perf_counter() - start, results


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def gunicorn(app_path: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_path],
        cwd=ROOT, env=env,
    )  # fmt: skip
    wait_for_port(port)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(env: dict, url: str) -> list[tuple[str, str]]:
    """Requests with a sent letter each; returns (reply address, sender address) pairs."""
    subprocess.run([str(BIN / "campaign"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                   capture_output=True)  # fmt: skip
    from campaign import create_app
    from campaign.domain.tokens import new_token
    from campaign.extensions import db
    from campaign.mail.compose import reply_address
    from campaign.models import Authority, Campaign, Message, Request

    schema = url.rpartition("%3D")[2]
    app = create_app(
        {
            "DATABASE_URL": PG_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
            "CAMPAIGN_DATA_DIR": env["CAMPAIGN_DATA_DIR"],
            "SECRET_KEY": "bench",
        }
    )
    domain = env["MAIL_DOMAIN"]
    pairs = []
    with app.app_context():
        campaign = Campaign(slug="bench", title="Bench", status="live")
        db.session.add(campaign)
        for i in range(REQUESTS):
            authority = Authority(name=f"Council {i}", foi_email=f"foi@council{i}.gov.uk")
            token = new_token()
            request = Request(
                campaign=campaign, authority=authority, token=token, status="sent",
                sent_to=authority.foi_email,
            )  # fmt: skip
            letter = Message(
                request=request, direction="outbound", kind="request",
                subject="Freedom of Information request",
                message_id=f"req-{token}.{i}@{domain}", from_address=reply_address(token, domain),
            )  # fmt: skip
            db.session.add_all([authority, request, letter])
            pairs.append((reply_address(token, domain), f"officer{i}@council{i}.gov.uk"))
        db.session.commit()
        db.engine.dispose()
    return pairs


def wait_processed(url: str, count: int, timeout: float) -> tuple[float, int, int]:
    """Seconds until every inbound message is processed; matched and failed counts."""
    engine = sa.create_engine(url)
    start = time.perf_counter()
    query = sa.text(
        "SELECT count(*) FILTER (WHERE processing_state <> 'stored'),"
        " count(*) FILTER (WHERE match_state = 'matched'),"
        " count(*) FILTER (WHERE processing_state = 'failed')"
        " FROM message WHERE direction = 'inbound'"
    )
    while True:
        with engine.connect() as conn:
            done, matched, failed = conn.execute(query).one()
        if done >= count or time.perf_counter() - start > timeout:
            engine.dispose()
            return time.perf_counter() - start, matched, failed
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--processing-workers", type=int, default=2)
    parser.add_argument("--workers-during-posts", action="store_true")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="foi-bench-ingest-"))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    env = {
        **os.environ,
        "CAMPAIGN_DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "MAIL_DOMAIN": "replies.bench.example",
        "MAILGUN_WEBHOOK_SIGNING_KEY": KEY,
        "REDIS_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    procs: list[subprocess.Popen] = []
    try:
        pairs = seed(env, url)
        bodies = [webhook_body(n, *pairs[n % len(pairs)]) for n in range(args.messages)]
        bare_bodies = [webhook_body(n, *pairs[n % len(pairs)]) for n in range(args.messages)]

        port = free_port()
        bare = gunicorn(BARE_APP, port, args.gunicorn_workers, env)
        bare_elapsed, bare_results = post_all(port, bare_bodies, args.concurrency)
        stop(bare)
        assert all(status == 200 for status, _ in bare_results), "bare endpoint refused a post"
        bare_per_s = args.messages / bare_elapsed

        port = free_port()
        server = gunicorn("wsgi:app", port, args.gunicorn_workers, env)
        procs.append(server)

        def start_workers() -> None:
            for _ in range(args.processing_workers):
                procs.append(
                    subprocess.Popen(
                        ["nice", "-n", "10", str(BIN / "campaign"), "worker", "-w", "1"],
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )

        if args.workers_during_posts:
            start_workers()
        start = time.perf_counter()
        elapsed, results = post_all(port, bodies, args.concurrency)
        if not args.workers_during_posts:
            start_workers()
        statuses = [status for status, _ in results]
        accepted = sum(status == 200 for status in statuses)
        latencies = [latency * 1000 for _, latency in results]
        waited, matched, failed = wait_processed(url, accepted, timeout=1800)
        total_processing = time.perf_counter() - start
    finally:
        for proc in procs:
            stop(proc)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    accepted_per_s = accepted / elapsed
    figures = {
        "messages": args.messages,
        "accepted": accepted,
        "accepted_per_s": round(accepted_per_s, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "processed_all_s": round(total_processing, 1),
        "processing_after_accept_s": round(waited, 1),
        "bare_per_s": round(bare_per_s, 1),
        "ratio": round(accepted_per_s / bare_per_s, 2),
        "matched": round(matched / accepted, 3) if accepted else 0.0,
        "failed": failed,
    }
    with_pdf = (args.messages + 2) // 3
    when = "during" if args.workers_during_posts else "after"
    print(
        f"posted {args.messages} signed webhooks ({with_pdf} with a {len(PDF) // 1024} KB PDF), "
        f"{args.concurrency} at a time, gunicorn -w {args.gunicorn_workers}, "
        f"{args.processing_workers} processing workers started {when} the posts"
    )
    print(f"  bare endpoint (verify only): {bare_per_s:8.1f} messages/s")
    print(f"  ours (verify + store + queue): {accepted_per_s:6.1f} messages/s  "
          f"ratio {figures['ratio']:.2f}")  # fmt: skip
    print(f"  latency p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    print(f"  all processed after {figures['processed_all_s']} s "
          f"({figures['processing_after_accept_s']} s after the last post), "
          f"matched {figures['matched']:.3f}, failed {failed}")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
