"""The supervisors' statistics dashboard and closure history on a large
database, against a primary-key lookup measured in the same run.

    .venv/bin/python bench/stats.py [--cases 200000] [--streets 10] [--repeat 7] [--analyze]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]

Builds a temporary SQLite file with the project's schema (db.create_all(),
the same indexes as the migrations) and fills it with bulk Core INSERTs: S
streets of 18 communities (20 grids each), N disputes registered over one
year (2026), with the outcomes in the proportions of the demo (most resolved
on the spot, a third accepted, most of those agreed), closing times and
amounts, a tenth still open with deadlines of every colour. Then times what
the pages run (app/supervision/stats.py, history.py): the whole dashboard
(totals, days to close with the 90th percentile, amounts, by type, channel,
community and month, open cases by colour, sweeps) for one street's year and
for the whole province's year, one quarter of a street, one community, read
from the maintained counters (app/supervision/counters.py and, for the open
cases by colour, open_counts.py, both rebuilt after the bulk load); the same
figures counted from the cases (GROUP BY over the cohort, the way a grid's
figures are counted); the open cases by colour alone, from the counters and
counted from the cases; and page 1 of the closure history for a street and
for the province.

Baseline: `SELECT ... WHERE id = ?` for one dispute. Each figure is the
median of --repeat runs, in milliseconds, and its ratio to the baseline.
The machine is shared and noisy: quote ratios.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from app.disputes import codes  # noqa: E402
from app.disputes.models import Dispute  # noqa: E402
from app.engine.deadlines import warn_time  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org.models import Community, Grid, Street  # noqa: E402
from app.supervision import history, stats  # noqa: E402
from app.supervision.counters import StatCount, rebuild  # noqa: E402
from app.supervision.open_counts import OpenCount  # noqa: E402
from app.supervision.scope import Place, Scope  # noqa: E402
from bench.support import drop_schema, fresh_app, load, timed, vacuum_analyze  # noqa: E402

NOW = datetime(2026, 12, 31, 4, 0)
PG_SCHEMA = "bench_stats"
YEAR_START = datetime(2025, 12, 31, 16, 0)  # 1 January 2026, 00:00 in Shanghai
# (weight, outcome): on the spot, agreed and closed, failed and closed, open in mediation, agreed and open,
# submitted and untouched, withdrawn
OUTCOMES = [(55, "on_spot"), (25, "agreed"), (3, "failed"), (7, "open"), (3, "agreed_open"), (4, "submitted"),
            (3, "withdrawn")]


def build(path: Path, cases: int, streets: int, seed: int = 11, database_url: str | None = None):
    rng = random.Random(seed)
    # A PostgreSQL database: in a schema of its own, dropped afterwards.
    app = fresh_app(path, database_url, PG_SCHEMA)
    with app.app_context():
        grid_rows = []  # (grid_id, community_id, street_id)
        for s in range(streets):
            street = Street(name=f"街道{s + 1}")
            db.session.add(street)
            db.session.flush()
            for c in range(18):
                community = Community(street_id=street.id, name=f"街道{s + 1}社区{c + 1}")
                db.session.add(community)
                db.session.flush()
                for g in range(20):
                    grid = Grid(community_id=community.id, name=f"网格{g + 1}")
                    db.session.add(grid)
                    db.session.flush()
                    grid_rows.append((grid.id, community.id, street.id))
        db.session.commit()
        weights = [w for w, _ in OUTCOMES]
        names = [o for _, o in OUTCOMES]
        types, channels = list(codes.DISPUTE_TYPES), list(codes.CHANNELS)
        rows, seq = [], 0
        year_seconds = int((NOW - YEAR_START).total_seconds())
        for i in range(1, cases + 1):
            grid_id, community_id, street_id = rng.choice(grid_rows)
            created = YEAR_START + timedelta(seconds=rng.randrange(year_seconds))
            outcome = rng.choices(names, weights)[0]
            row = dict(id=i, tracking_code=f"T{i:09d}", channel=rng.choice(channels), dispute_type=rng.choice(types),
                       street_id=street_id, community_id=community_id, grid_id=grid_id, place="", facts="纠纷",
                       risk="low", created_at=created, version=3, changed_at=created, state_entered_at=created,
                       file_year=None, file_seq=None, file_no=None, agreed_at=None, outcome=None, closed_at=None,
                       amount=None, due_at=None, warn_at=None, deadline_started_at=None, route=None,
                       summary=None, assignee_id=None)
            if outcome not in ("on_spot", "submitted"):
                seq += 1
                row.update(file_year=2026, file_seq=seq, file_no=f"(2026)莱人调字第{seq}号")
            if outcome == "on_spot":
                row.update(outcome="当场和解", state="archived", closed_at=created + timedelta(hours=rng.randint(1, 48)))
            elif outcome == "agreed":
                agreed = created + timedelta(days=rng.uniform(1, 30))
                row.update(agreed_at=agreed, state=rng.choice(["closed", "archived"]),
                           closed_at=agreed + timedelta(days=rng.uniform(1, 60)),
                           amount=rng.choice([None, 500, 2000, 8000, 35000]))
            elif outcome == "failed":
                row.update(route="court", state="archived", closed_at=created + timedelta(days=rng.uniform(5, 40)))
            elif outcome == "withdrawn":
                row.update(state="withdrawn")
            else:
                state, period = {"open": ("mediating", 30), "agreed_open": ("agreed", 30),
                                 "submitted": ("submitted", 1)}[outcome]
                started = NOW - timedelta(days=period * rng.uniform(0, 1.3))
                created = min(created, started)
                due = started + timedelta(days=period)
                row.update(state=state, created_at=created, deadline_started_at=started, due_at=due,
                           warn_at=warn_time(due, started, 0.2))
                if outcome == "agreed_open":
                    row.update(agreed_at=started, amount=rng.choice([None, 2000]))
            if row["closed_at"] and row["closed_at"] > NOW:
                row["closed_at"] = NOW
            rows.append(row)
            if len(rows) == 20000:
                load((Dispute.__table__, rows))
        load((Dispute.__table__, rows))
        # Bulk SQL bypasses the listener that keeps the counters: rebuild them,
        # as `flask supervision rebuild-counters` would.
        started = time.perf_counter()
        rebuild()
        db.session.commit()
        print(f"counters rebuilt from {cases:,} cases in {time.perf_counter() - started:.0f} s")
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--analyze", action="store_true", help="ANALYZE first (PostgreSQL always does)")
    parser.add_argument("--database-url", help="a PostgreSQL URL (the bench works in a schema of its own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        app = build(Path(tmp) / "bench.sqlite3", args.cases, args.streets, database_url=args.database_url)
        print(f"built {args.cases:,} cases in {args.streets} streets in {time.perf_counter() - started:.0f} s"
              f" on {'PostgreSQL' if args.database_url else 'SQLite'}")
        with app.app_context():
            if args.database_url:
                vacuum_analyze("disputes")
            elif args.analyze:
                db.session.execute(text("ANALYZE"))
            session = db.session
            street_id = session.execute(select(Street.id).order_by(Street.id)).scalars().first()
            community_id = session.execute(select(Community.id).where(Community.street_id == street_id)).scalars().first()
            street_user = SimpleNamespace(role="supervisor", street_id=street_id, id=None)
            city_user = SimpleNamespace(role="supervisor", street_id=None, id=None)
            year = (date(2026, 1, 1), date(2026, 12, 31))
            quarter = (date(2026, 4, 1), date(2026, 6, 30))
            middle = args.cases // 2

            def lookup():
                session.execute(select(Dispute.id, Dispute.state).where(Dispute.id == middle)).one()

            cases = {
                "dashboard, one street, a year": lambda: stats.dashboard(Scope(street_user), Place(), *year, NOW),
                "dashboard, one street, a quarter": lambda: stats.dashboard(Scope(street_user), Place(), *quarter, NOW),
                "dashboard, one community, a year": lambda: stats.dashboard(
                    Scope(street_user), Place(community_id=community_id), *year, NOW),
                "dashboard, the province, a year": lambda: stats.dashboard(Scope(city_user), Place(), *year, NOW),
                "counted from the cases, one street, a year": lambda: stats.live_dashboard(
                    Scope(street_user), Place(), *year, NOW),
                "counted from the cases, the province, a year": lambda: stats.live_dashboard(
                    Scope(city_user), Place(), *year, NOW),
                "open by colour, one street, counters": lambda: stats.open_by_colour(
                    session, Scope(street_user), Place(), NOW),
                "open by colour, one street, from the cases": lambda: stats.live_open_by_colour(
                    session, Scope(street_user), Place(), NOW),
                "open by colour, the province, counters": lambda: stats.open_by_colour(
                    session, Scope(city_user), Place(), NOW),
                "open by colour, the province, from the cases": lambda: stats.live_open_by_colour(
                    session, Scope(city_user), Place(), NOW),
                "closure history page 1, one street": lambda: history.page(
                    session, Scope(street_user), Place(), history.ClosureFilters(), 1, 25),
                "closure history page 1, the province": lambda: history.page(
                    session, Scope(city_user), Place(), history.ClosureFilters(), 1, 25),
            }
            base = timed(lookup, args.repeat * 20)
            print(f"baseline: primary-key lookup {base:.3f} ms")
            board = stats.dashboard(Scope(street_user), Place(), *year, NOW)
            print(f"one street's year: {board.totals.registered:,} registered, "
                  f"{board.closed:,} closed, p90 {board.p90_days:.0f} days; "
                  f"{session.query(StatCount).count():,} counter rows in all, "
                  f"{session.query(OpenCount).count():,} open-case counter rows")
            counted = stats.open_by_colour(session, Scope(city_user), Place(), NOW)
            live = stats.live_open_by_colour(session, Scope(city_user), Place(), NOW)
            assert counted == live, (counted, live)
            print(f"the province's open cases by colour: {counted} (the counters equal the count of the cases)")
            for name, fn in cases.items():
                ms = timed(fn, args.repeat)
                print(f"{name:46s} {ms:9.1f} ms  x{ms / base:,.0f}")
            if args.database_url:
                drop_schema(PG_SCHEMA)


if __name__ == "__main__":
    main()
