"""Benchmark: page through /api/v1/requests with 20,000 requests in the database, against the
bare SQL of each page, timed in the same run.

    python bench/api.py [--campaigns 50] [--authorities 400] [--limit 100] [--passes 7]
                        [--database sqlite|postgresql|both] [--database-url URL]

Seeds the campaigns (every campaign to the same councils: 50 x 400 = 20,000 requests, with replies,
answers and mentions) with `tests/seeding.py`, makes a read token, then follows `next` from the
first page of `/api/v1/requests?limit=100` to the last through the Flask test client, `--passes`
times, timing each page (token check, query, JSON). Between page calls it times the floor for the
same page: the SELECT the endpoint runs (`requests_select`, the same `after` and limit), executed
on a connection of its own with rows fetched as values (`sql_median_ms`), and the same as literal
SQL on the driver's own connection (`dbapi_median_ms`, no SQLAlchemy at all). `ratio` is the median
page time over the median bare SQL time. One page before the passes is a warm-up and not counted.
Each page counts with its best of the passes (API and floors alike), so a busy machine's
preemptions do not decide the figures; `p95_ms` is over every call. The same is measured in this
thread's CPU time (`cpu_median_ms`, `sql_cpu_median_ms`, `cpu_ratio`): on SQLite, where the query
runs in this process too, that is the cost with other processes' load taken out; on PostgreSQL it
leaves out the server's share. PostgreSQL comes from --database-url or BENCH_DATABASE_URL (default:
the local test database), in a schema of its own dropped afterwards. The last line is one JSON
object (with --database both: the worse ratio's figures on top, each database's under "runs").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
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


class Stopwatch:
    """Wall time and this thread's CPU time of one call, in milliseconds."""

    def __enter__(self) -> Stopwatch:
        self.wall, self.cpu = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = (time.perf_counter() - self.wall) * 1000
        self.cpu = (time.thread_time() - self.cpu) * 1000


def bare_page(connection: Any, statement: Any, bounds: dict[str, int]) -> Stopwatch:
    """Run one page's SELECT on a connection and fetch its rows as values, timed."""
    with Stopwatch() as watch:
        connection.execute(statement, bounds).all()
    return watch


def bare_dbapi_ms(raw_connection: Any, sql: str) -> float:
    """The same page as literal SQL on the driver's own connection: no SQLAlchemy at all."""
    started = time.perf_counter()
    cursor = raw_connection.cursor()
    cursor.execute(sql)
    cursor.fetchall()
    cursor.close()
    return (time.perf_counter() - started) * 1000


def bench(kind: str, campaigns: int, authorities: int, limit: int, passes: int, pg_url: str):
    from campaign import create_app
    from campaign.extensions import db
    from campaign.models import User
    from campaign.services.api_queries import RequestFilter, page_bounds, requests_select
    from campaign.services.api_tokens import create_token

    data_dir = Path(tempfile.mkdtemp(prefix=f"api-{kind}-"))
    _, settings, cleanup = fresh_database(kind, data_dir, pg_url)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "CAMPAIGN_DATA_DIR": str(data_dir),
            "MAIL_TRANSPORT": "outbox",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            for n in range(campaigns):
                seed_campaign(
                    db.session,
                    authorities=authorities,
                    seed=n,
                    slug=f"bench-{n}",
                    share_authorities=True,
                    search_index=False,  # the API never searches
                )
            seeded_s = time.perf_counter() - started
            if kind == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(sa.text("ANALYZE"))
            requests = db.session.scalar(sa.text("SELECT count(*) FROM request"))
            user = User(email="bench@example.org", role="viewer", password_hash="-")
            db.session.add(user)
            db.session.commit()
            secret = create_token(user, "bench", "read").secret
            db.session.remove()

        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        # Per page (by position in the walk): its times over the passes, API and floors.
        page_times: dict[int, list[float]] = defaultdict(list)
        sql_times: dict[int, list[float]] = defaultdict(list)
        page_cpu: dict[int, list[float]] = defaultdict(list)
        sql_cpu: dict[int, list[float]] = defaultdict(list)
        dbapi_times: dict[int, list[float]] = defaultdict(list)
        pages = rows_seen = 0
        with app.app_context():
            engine = db.engine
        # Pages are requested outside any app context, so each gets its own, as a served
        # request does: its own session, connection checkout and teardown.
        dialect = engine.dialect
        core = engine.connect()
        raw = engine.raw_connection()
        try:
            client.get(f"/api/v1/requests?limit={limit}", headers=headers)  # warm-up
            for _ in range(passes):
                url: str | None = f"/api/v1/requests?limit={limit}"
                after = pages = rows_seen = 0
                while url:
                    with Stopwatch() as watch:
                        response = client.get(url, headers=headers)
                    page_times[pages].append(watch.wall)
                    page_cpu[pages].append(watch.cpu)
                    assert response.status_code == 200, response.get_data(as_text=True)
                    statement = requests_select(RequestFilter())
                    bounds = page_bounds(after, limit)
                    floor = bare_page(core, statement, bounds)
                    sql_times[pages].append(floor.wall)
                    sql_cpu[pages].append(floor.cpu)
                    literal = str(
                        statement.params(bounds).compile(
                            dialect=dialect, compile_kwargs={"literal_binds": True}
                        )
                    )
                    dbapi_times[pages].append(bare_dbapi_ms(raw, literal))
                    body = response.get_json()
                    pages += 1
                    rows_seen += len(body["items"])
                    if body["items"]:
                        after = body["items"][-1]["id"]
                    url = body["next"]
            raw.rollback()
        finally:
            core.close()
            raw.close()
        assert rows_seen == requests, f"paged {rows_seen} rows of {requests}"
        # Each page's best pass (what it costs when nothing else wants the CPU), then the
        # median page: the same for the API and both floors.
        median = statistics.median(min(times) for times in page_times.values())
        sql_median = statistics.median(min(times) for times in sql_times.values())
        dbapi_median = statistics.median(min(times) for times in dbapi_times.values())
        every_page = [t for times in page_times.values() for t in times]
        cpu_median = statistics.median(min(times) for times in page_cpu.values())
        sql_cpu_median = statistics.median(min(times) for times in sql_cpu.values())
        return {
            "database": kind,
            "requests": requests,
            "limit": limit,
            "pages": pages,
            "passes": passes,
            "seed_s": round(seeded_s, 1),
            "median_ms": round(median, 3),
            "p95_ms": round(statistics.quantiles(every_page, n=20)[-1], 3),
            "sql_median_ms": round(sql_median, 3),
            "ratio": round(median / sql_median, 2),
            "dbapi_median_ms": round(dbapi_median, 3),
            "ratio_to_dbapi": round(median / dbapi_median, 2),
            "cpu_median_ms": round(cpu_median, 3),
            "sql_cpu_median_ms": round(sql_cpu_median, 3),
            "cpu_ratio": round(cpu_median / sql_cpu_median, 2),
        }
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--authorities", type=int, default=400)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--database-url", default=PG_URL, help="PostgreSQL to use")
    args = parser.parse_args()

    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    runs = []
    for kind in kinds:
        run = bench(
            kind, args.campaigns, args.authorities, args.limit, args.passes, args.database_url
        )
        runs.append(run)
        print(
            f"{kind}: {run['requests']:,} requests seeded in {run['seed_s']} s; "
            f"{run['pages']} pages of {run['limit']}, {run['passes']} passes"
        )
        print(f"  API page (token, query, JSON):  median {run['median_ms']:.2f} ms, "
              f"p95 {run['p95_ms']:.2f} ms")  # fmt: skip
        print(f"  bare SQL of the same page:      median {run['sql_median_ms']:.2f} ms")
        print(f"  the same as literal SQL on the driver: median {run['dbapi_median_ms']:.2f} ms")
        print(f"  ratio (page / bare SQL): {run['ratio']:.2f} (target <= 3)")
        print(f"  ratio to the driver alone: {run['ratio_to_dbapi']:.2f}")
        print(
            f"  CPU time of this thread: page {run['cpu_median_ms']:.2f} ms, "
            f"bare SQL {run['sql_cpu_median_ms']:.2f} ms, ratio {run['cpu_ratio']:.2f}"
        )
    worst = max(runs, key=lambda run: run["ratio"])
    result = dict(worst)
    if len(runs) > 1:
        result["runs"] = runs
    print(json.dumps(result))


if __name__ == "__main__":
    main()
