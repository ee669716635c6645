"""The README's production profile, run for real on loopback: PostgreSQL, huey on Redis,
gunicorn with gunicorn.conf.py, two `campaign worker` processes, Mailgun (the local fake).

One campaign goes from the command line to every authority, signed inbound webhooks bring
replies with PDFs, the workers store, match and parse them, and the dashboard is read over
HTTP. Each number is reconciled at the end: every letter sent exactly once, every posted reply
stored and processed once.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from fakes.fake_mailgun import FakeMailgun
from fakes.pdf import make_pdf
from fakes.replies import reply_email, signature_fields

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS = ("127.0.0.1", 6379)
AUTHORITIES = 24
REPLIES = 12
SIGNING_KEY = "key-production-profile"


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    os.environ.get("CI") != "true"
    and (not PG_URL or not _redis_up() or not shutil.which("gunicorn", path=str(BIN))),
    reason="needs TEST_DATABASE_URL, Redis on 127.0.0.1:6379 and gunicorn",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def profile(tmp_path):
    """Settings of a fresh production install: its own schema, Redis database, data dir."""
    schema = f"prod_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    redis_db = 11
    import redis

    redis.Redis(*REDIS, db=redis_db).flushdb()
    mailgun = FakeMailgun(domains=["mg.example.org"])
    mailgun.start()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{schema}",
        "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{redis_db}",
        "CAMPAIGN_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "production-profile-secret",
        "MAIL_TRANSPORT": "mailgun",
        "MAILGUN_API_KEY": mailgun.api_key,
        "MAILGUN_DOMAIN": "mg.example.org",
        "MAILGUN_API_URL": mailgun.url,
        "MAIL_DOMAIN": "mg.example.org",
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
        "SEND_RATE_PER_DOMAIN_PER_MINUTE": "1000",
        "GUNICORN_BIND": f"127.0.0.1:{_free_port()}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_LOG_LEVEL": "warning",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    env.pop("TEST_DATABASE_URL", None)
    processes: list[subprocess.Popen] = []
    try:
        yield env, processes, mailgun, sa.create_engine(env["DATABASE_URL"])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        mailgun.stop()
        redis.Redis(*REDIS, db=redis_db).flushdb()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def campaign(env, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "campaign"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"campaign {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_launch_replies_parsing_and_dashboard_under_gunicorn_and_two_workers(profile, tmp_path):
    env, processes, mailgun, engine = profile
    campaign(env, "db", "upgrade")
    password = re.search(
        r"Password \(shown once, keep it safe\): (\S+)",
        campaign(env, "users", "create", "owner@example.org", "--role", "owner"),
    ).group(1)
    rows = ["Public body,FOI e-mail address,Country,Body type,ONS code"]
    rows += [
        f"Test Council {n},foi@council{n}.gov.uk,ENG,Unitary authority,E0600{n:04d}"
        for n in range(AUTHORITIES)
    ]
    (tmp_path / "authorities.csv").write_text("\n".join(rows) + "\n")
    campaign(env, "authorities", "import", str(tmp_path / "authorities.csv"))
    (tmp_path / "questions.txt").write_text(
        "Do you use predictive analytics in children's services?\n"
        "Which suppliers provide these systems?\n"
    )
    campaign(
        env, "campaigns", "create", "--title", "Data analytics", "--slug", "data-analytics",
        "--questions-file", str(tmp_path / "questions.txt"), "--all-authorities",
    )  # fmt: skip

    bind = env["GUNICORN_BIND"]
    processes.append(
        subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], env=env, cwd=ROOT
        )
    )
    for _ in range(2):
        processes.append(subprocess.Popen([str(BIN / "campaign"), "worker"], env=env, cwd=ROOT))
    host, port = bind.split(":")
    _wait(lambda: _listening(host, int(port)), 30, "gunicorn to listen")

    campaign(env, "send", "data-analytics", "--no-wait")
    _wait(lambda: len(mailgun.messages) >= AUTHORITIES, 120, "every letter to reach Mailgun")
    with engine.connect() as conn:
        letters = conn.execute(
            sa.text("SELECT token, sent_to FROM request WHERE status = 'sent' ORDER BY id")
        ).all()
    assert len(letters) == AUTHORITIES

    base = f"http://{bind}"
    pdf = make_pdf(["Request reference: FOI/2018/0042", "1. No. The information is not held."])
    for token, sent_to in letters[:REPLIES]:
        raw = reply_email(
            to=f"foi+{token}@mg.example.org",
            sender=sent_to,
            body="Please find our response attached.",
            attachments=[("response.pdf", "application/pdf", pdf)],
        )
        form = {
            "recipient": f"foi+{token}@mg.example.org",
            "body-mime": raw.decode(),
            **signature_fields(SIGNING_KEY),
        }
        response = requests.post(
            f"{base}/webhooks/mailgun/inbound/mime",
            files={name: (None, value) for name, value in form.items()},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]

    def processed() -> bool:
        with engine.connect() as conn:
            return (
                conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM message WHERE direction = 'inbound'"
                        " AND processing_state = 'processed'"
                    )
                )
                == REPLIES
            )

    _wait(processed, 180, "the workers to store, match and parse every reply")

    session = requests.Session()
    login = session.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    signed_in = session.post(
        f"{base}/login",
        data={"email": "owner@example.org", "password": password, "csrf_token": token},
        timeout=30,
    )
    assert signed_in.url.endswith("/campaigns/"), signed_in.url
    dashboard = session.get(f"{base}/campaigns/data-analytics/dashboard", timeout=30)
    assert dashboard.status_code == 200
    assert 'class="chart' in dashboard.text
    assert dashboard.headers["Content-Security-Policy"].startswith("default-src 'self'")

    # Reconciliation: every letter sent once, every reply stored once, matched and read.
    sent_to = Counter(message.form_value("to") for message in mailgun.messages)
    assert len(sent_to) == AUTHORITIES and set(sent_to.values()) == {1}
    with engine.connect() as conn:
        inbound = conn.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT request_id),"
                " count(*) FILTER (WHERE match_state = 'matched')"
                " FROM message WHERE direction = 'inbound'"
            )
        ).one()
        attachments = conn.execute(
            sa.text("SELECT count(*) FILTER (WHERE parse_state = 'parsed') FROM attachment")
        ).scalar()
        references = conn.scalar(
            sa.text("SELECT count(*) FROM request WHERE reference_id = 'FOI/2018/0042'")
        )
    assert tuple(inbound) == (REPLIES, REPLIES, REPLIES)
    assert attachments == REPLIES
    assert references == REPLIES
    for process in processes:
        assert process.poll() is None, "a server or worker died"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_gunicorn_config_reads_its_settings_from_the_environment():
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
    assert settings["preload_app"] is False
    assert "%(q)s" not in settings["access_log_format"]  # no query strings in the access log
