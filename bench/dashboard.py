"""Benchmark: a campaign's dashboard and public page with 50 campaigns x 400 councils in the
database, against the bare aggregate SQL behind them, timed in the same run.

    python bench/dashboard.py [--campaigns 50] [--authorities 400] [--repeat 20]
                              [--database postgresql|sqlite|both]

Seeds the campaigns (every campaign to the same councils, 20,000 requests with replies,
answers, exemptions and mentions) with `tests/seeding.py`, then times the server building one
campaign's dashboard page through the Flask test client (signed in; median of --repeat GETs after
a warm-up) and its public page `/p/<slug>`. If the public page does not answer 200 the script
times what it would draw instead, `campaign_charts(campaign, public=True)` rendered with the
charts macro, and says so (`public_source`). The floor is the dashboard's own statements
(`dashboard_statements`) compiled once and run on a raw DBAPI connection, rows fetched; the
three are timed in turns, round after round, so a busy machine slows them alike, and `ratio` is
the dashboard median over the floor's. It also prints the
JSON size of each chart. PostgreSQL comes from BENCH_DATABASE_URL (default: the local test
database), in a schema of its own dropped afterwards. The last line is one JSON object
(PostgreSQL's figures when it ran, with every database's figures under "runs").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sqlalchemy as sa  # noqa: E402
from bench_databases import fresh_database  # noqa: E402
from seeding import seed_campaign  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
os.environ.setdefault("CAMPAIGN_DATA_DIR", tempfile.mkdtemp(prefix="foi-bench-"))


def interleaved_medians(runs: dict[str, Any], repeat: int) -> dict[str, float]:
    """Median ms of each run, taking turns each round so a busy machine slows them alike."""
    for run in runs.values():
        run()  # warm-up: caches, plans, the first connection
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def bench(kind: str, campaigns: int, authorities: int, repeat: int) -> dict[str, Any]:
    from flask import render_template_string

    from campaign import create_app
    from campaign.extensions import db
    from campaign.models import Campaign
    from campaign.services.dashboard import campaign_charts
    from campaign.services.dashboard_queries import dashboard_statements
    from campaign.services.users import create_user

    data_dir = Path(tempfile.mkdtemp(prefix=f"dash-{kind}-"))
    _, settings, cleanup = fresh_database(kind, data_dir)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "CAMPAIGN_DATA_DIR": str(data_dir),
            "MAIL_TRANSPORT": "outbox",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            **settings,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            middle = campaigns // 2
            slug = ""
            for n in range(campaigns):
                campaign = seed_campaign(
                    db.session,
                    authorities=authorities,
                    seed=n,
                    slug=f"bench-{n}",
                    public=n == middle,
                    share_authorities=True,
                    search_index=False,  # the pages timed here never search
                )
                if n == middle:
                    slug = campaign.slug
            seeded_s = time.perf_counter() - started
            if kind == "postgresql":
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(sa.text("ANALYZE"))
            counts = {
                table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                for table in ("request", "message", "answer", "mention")
            }
            create_user("bench@example.org", "correct horse battery", role="viewer")
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
            campaign_id = campaign.id
            dialect = db.engine.dialect
            statements = [
                str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                for s in dashboard_statements(campaign_id, dialect.name).values()
            ]
            sizes = {
                chart.key: len(json.dumps(chart.figure, separators=(",", ":")))
                for chart in campaign_charts(campaign)
            }
            db.session.remove()

        client = app.test_client()
        signed_in = client.post(
            "/login", data={"email": "bench@example.org", "password": "correct horse battery"}
        )
        assert signed_in.status_code == 302, signed_in.status_code

        def dashboard() -> None:
            response = client.get(f"/campaigns/{slug}/dashboard")
            assert response.status_code == 200, response.status_code

        page_bytes = len(client.get(f"/campaigns/{slug}/dashboard").data)

        anonymous = app.test_client()
        public_source = "page"
        if anonymous.get(f"/p/{slug}").status_code == 200:

            def public() -> None:
                assert anonymous.get(f"/p/{slug}").status_code == 200

        else:
            public_source = "campaign_charts(public=True) + charts macro (no /p/<slug> page)"
            macro = (
                '{% from "dashboards/_charts.html" import render_charts %}'
                "{{ render_charts(charts, topojson_url='/assets/geo/') }}"
            )

            def public() -> None:
                with app.test_request_context(f"/p/{slug}"):
                    c = db.session.get(Campaign, campaign_id)
                    render_template_string(macro, charts=campaign_charts(c, public=True))
                    db.session.remove()

        with app.app_context():
            raw = db.engine.raw_connection()
        try:

            def bare_sql() -> None:
                cursor = raw.cursor()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                cursor.close()
                raw.commit()

            medians = interleaved_medians(
                {"dashboard": dashboard, "sql": bare_sql, "public": public}, repeat
            )
        finally:
            raw.close()
        dashboard_ms, sql_ms, public_ms = medians["dashboard"], medians["sql"], medians["public"]
        with app.app_context():
            db.engine.dispose()
    finally:
        cleanup()

    return {
        "database": kind,
        "campaigns": campaigns,
        "authorities": authorities,
        "rows": counts,
        "seed_s": round(seeded_s, 1),
        "dashboard_median_ms": round(dashboard_ms, 2),
        "public_median_ms": round(public_ms, 2),
        "public_source": public_source,
        "sql_median_ms": round(sql_ms, 2),
        "sql_statements": len(statements),
        "ratio": round(dashboard_ms / sql_ms, 2),
        "page_bytes": page_bytes,
        "chart_json_bytes": sizes,
    }


def report(run: dict[str, Any]) -> None:
    print(f"\n== {run['database']}: {run['campaigns']} campaigns x {run['authorities']} councils")
    print(f"rows: {run['rows']} (seeded in {run['seed_s']} s)")
    print(f"dashboard page:   median {run['dashboard_median_ms']:8.2f} ms ({run['page_bytes']} B)")
    print(f"public page:      median {run['public_median_ms']:8.2f} ms [{run['public_source']}]")
    print(f"bare SQL ({run['sql_statements']} statements): median {run['sql_median_ms']:8.2f} ms")
    print(f"ratio dashboard / bare SQL: {run['ratio']}")
    print("chart JSON bytes: " + ", ".join(f"{k} {v}" for k, v in run["chart_json_bytes"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--authorities", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    args = parser.parse_args()
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    runs = [bench(kind, args.campaigns, args.authorities, args.repeat) for kind in kinds]
    for run in runs:
        report(run)
    main_run = runs[0]
    summary = {
        key: main_run[key]
        for key in (
            "database",
            "dashboard_median_ms",
            "public_median_ms",
            "public_source",
            "sql_median_ms",
            "ratio",
            "chart_json_bytes",
        )
    }
    summary["runs"] = {
        run["database"]: {
            k: run[k] for k in ("dashboard_median_ms", "public_median_ms", "sql_median_ms", "ratio")
        }
        for run in runs
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
