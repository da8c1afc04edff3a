"""A backlog of due timeouts through `flask workflows tick`, against plain fire() calls.

    .venv/bin/python bench/tick.py [--rows 20000] [--database-url URL]

Builds a migrated database (SQLite in a temporary folder by default; with
--database-url, a schema of its own on that PostgreSQL database, dropped at
the end) with one street, one mediator and one case taken to 已达成协议
(agreed) through the engine, then copies that case's row into 2 x --rows
cases whose judicial-confirmation window closed yesterday: each is due to
fire `confirmation_window_closed` (agreed -> performing).

- fire: the first half, one by one in this process, as a script would do it:
  db.session.get() the case, then engine.fire() as the system, one COMMIT each.
- tick: the second half, by `flask workflows tick` in a process of its own
  (its start-up, the jobs after the timeouts and the line printed per step
  included), which claims them in batches (TICK_BATCH).

It prints both rates and checks that every row fired once (one event each).
The last line is `tick_vs_fire_ratio=R`: the tick's rate over plain fire()'s.
The machine is shared and noisy: read the ratio.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from config import database_url  # noqa: E402

PYTHON = sys.executable
TRIGGER = "confirmation_window_closed"


def admin(url: str, *statements: str) -> None:
    engine = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def environment(args, workdir: Path) -> dict:
    env = dict(os.environ, FLASK_APP="wsgi", APP_ENV="development", PYTHONPATH=str(ROOT),
               UPLOAD_DIR=str(workdir / "uploads"), TICK_LOCK_FILE=str(workdir / "tick.lock"),
               SECRET_KEY="bench-tick-secret", AUDIT_KEY="bench-tick-audit-key")
    if args.database_url:
        args.schema = f"bench_tick_{os.getpid()}"
        admin(args.database_url, f"DROP SCHEMA IF EXISTS {args.schema} CASCADE", f"CREATE SCHEMA {args.schema}")
        env.update(DATABASE_URL=args.database_url, PGOPTIONS=f"-c search_path={args.schema}")
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "AUDIT_KEY", "UPLOAD_DIR")})
    if "PGOPTIONS" in env:
        os.environ["PGOPTIONS"] = env["PGOPTIONS"]
    subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def build(app, rows: int) -> tuple[list[int], list[int]]:
    """2 x rows agreed cases due since yesterday: (for fire, for tick)."""
    from app import clock
    from app.disputes.models import Dispute
    from app.extensions import db
    from tests import factories as f

    with app.app_context():
        street, (community, _), grids = f.org()
        mediator = f.user("mediator", community=community)
        template = f.walk(f.dispute(mediator, grids[0]), mediator, "accept", "assign", "start_mediation", "agree")
        table = Dispute.__table__
        row = dict(db.session.execute(select(table).where(table.c.id == template.id)).mappings().one())
        due = clock.now() - timedelta(days=1)
        row.update(due_at=due, warn_at=due - timedelta(days=6), submission_token=None, file_seq=None)
        del row["id"]
        for start in range(0, 2 * rows, 5000):
            batch = [dict(row, tracking_code=f"B{n:015d}", file_no=f"bench-{n}")
                     for n in range(start, min(start + 5000, 2 * rows))]
            db.session.execute(insert(table), batch)
        db.session.commit()
        ids = db.session.execute(select(table.c.id).where(table.c.tracking_code.like("B%"))
                                 .order_by(table.c.id)).scalars().all()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE disputes"))
            db.session.commit()
        db.session.remove()
    return ids[:rows], ids[rows:]


def fire_all(app, ids: list[int]) -> float:
    from app import engine
    from app.disputes.models import Dispute
    from app.engine.core import SYSTEM_ACTOR
    from app.extensions import db

    with app.app_context():
        start = time.perf_counter()
        for case_id in ids:
            engine.fire(db.session.get(Dispute, case_id), TRIGGER, SYSTEM_ACTOR)
        elapsed = time.perf_counter() - start
        db.session.remove()
    return len(ids) / elapsed


def tick_all(env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "flask", "workflows", "tick"], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"flask workflows tick failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout.strip().splitlines()[-1]


def check(app, ids: list[int]) -> None:
    from app.audit.models import AuditEvent
    from app.disputes.models import Dispute
    from app.extensions import db

    with app.app_context():
        states = db.session.execute(select(Dispute.state, func.count()).where(Dispute.id.in_(ids))
                                    .group_by(Dispute.state)).all()
        events = db.session.execute(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.trigger == TRIGGER)).scalar()
        db.session.remove()
    if dict(states) != {"performing": len(ids)} or events != len(ids):
        raise SystemExit(f"not every row fired once: states {dict(states)}, {events} events for {len(ids)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000, help="due rows for each of the two ways (default 20000)")
    parser.add_argument("--database-url", help="a PostgreSQL database (a schema of its own is made and dropped)")
    args = parser.parse_args()
    args.schema = None
    workdir = Path(tempfile.mkdtemp(prefix="bench-tick-"))
    try:
        env = environment(args, workdir)
        from app import create_app

        app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url(env["DATABASE_URL"]),
                         UPLOAD_DIR=env["UPLOAD_DIR"])
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]
        print(f"{backend}: building {2 * args.rows} due cases ...", flush=True)
        for_fire, for_tick = build(app, args.rows)
        fire_rate = fire_all(app, for_fire)
        print(f"fire(): {fire_rate:,.0f} steps/s (one COMMIT each)", flush=True)
        elapsed, summary = tick_all(env)
        tick_rate = args.rows / elapsed
        print(f"flask workflows tick: {tick_rate:,.0f} steps/s ({elapsed:.1f} s with start-up, "
              f"TICK_BATCH={app.config['TICK_BATCH']}); it said: {summary}", flush=True)
        check(app, for_fire + for_tick)
        print(f"tick_vs_fire_ratio={tick_rate / fire_rate:.3f}")
    finally:
        if args.schema:
            admin(args.database_url, f"DROP SCHEMA IF EXISTS {args.schema} CASCADE")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
