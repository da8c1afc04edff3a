"""Durable transitions per second through engine.fire(), against a floor.

    .venv/bin/python bench/engine.py [--rounds 7] [--transitions 300] [--profile]
    .venv/bin/python bench/engine.py --database-url postgresql://... [--rounds 3] [--transitions 200]

PostgreSQL mode (--database-url): the same cycle in two schemas of their own
(made and dropped), the engine in one, the floor in the other: psycopg doing
what an engine step sends (SELECT the case, pg_advisory_xact_lock on the
audit chain, SELECT head and seq, version-checked UPDATE, HMAC-chained
INSERT, COMMIT). 1, 2 and 4 writers (processes started together, each on
cases of its own); the ratio per writer count, and the last line
`engine_vs_raw_ratio=R` for one writer. The chain lock is held through
COMMIT, so writers queue on it: the floor's rate is the ceiling of both.

Floor (the baseline): plain sqlite3 on a copy of the engine's database file
(same schema, indexes, append-only triggers and rows), with the project's
pragmas (WAL, synchronous=FULL, foreign keys, busy timeout),
isolation_level=None and an explicit BEGIN IMMEDIATE. Per transition: SELECT
the case row, SELECT the chain head and the case's last seq (the engine
needs both as well), UPDATE ... WHERE id=? AND version=?, INSERT the audit
row with a real HMAC-SHA256 over canonical JSON, COMMIT.

Engine: the real app (create_app + db.create_all + the audit guard triggers,
like tests/conftest.py) on a temporary SQLite file; app/database.py gives
every connection the same pragmas and BEGIN IMMEDIATE. The cycle is `urge`
(breached -> performing) then `breach` (performing -> breached, with a
reason) by a mediator, over a few cases, each a full fire(): reading the
case (the previous COMMIT expired it), role, scope and guard checks, the
FSM, the version-checked UPDATE, the hash-chained audit row, one COMMIT.
The actor is detached, as a request's current_user is loaded once.
`engine+load` (for information) first loads the case with
db.session.get(), as the case pages do, on cases nobody holds.

The statements SQLite actually runs for one transition of each are printed
(its trace callback). Rounds alternate; the machine is shared and noisy, so
read the ratio of the medians, not the absolute rates. At the end both audit
logs are checked with the project's verify(): the floor writes a valid chain
too. The last line is `engine_vs_raw_ratio=R` (median engine rate / median
floor rate).
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import json
import os
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from app import create_app, engine  # noqa: E402
from app.audit import guard  # noqa: E402
from app.audit.verify import verify  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.disputes.models import Dispute  # noqa: E402
from app.extensions import db  # noqa: E402
from config import database_url  # noqa: E402
from tests import factories as f  # noqa: E402

CYCLE = {"breached": ("urge", "performing", None), "performing": ("breach", "breached", "未按约定履行")}
TO_BREACHED = ("accept", "assign", "start_mediation", "agree", "start_performance", "breach")


# --------------------------------------------------------------------- engine

def sqlite_settings(path: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}


def pg_settings(url: str, schema: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database_url(url),
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}}}


def prepare(path: Path | dict, cases: int) -> tuple[list[int], int, str]:
    """The schema, one mediator and some cases in state `breached`."""
    settings = path if isinstance(path, dict) else sqlite_settings(path)
    app = create_app("testing", **settings)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            guard.install(conn)
        street, (community, _), grids = f.org()
        mediator = f.user("mediator", community=community)
        ids = [f.walk(f.dispute(mediator, grids[0]), mediator, *TO_BREACHED).id for _ in range(cases)]
        actor_id = mediator.id
        db.session.remove()
        db.engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return ids, actor_id, app.config["AUDIT_KEY"]


class EngineBench:
    """`step` fires on cases it holds (the benchmark proper); `step_loading`
    first loads its case with db.session.get, as a web request does
    (load_case), on cases nobody holds, so every load reads the row."""

    def __init__(self, path: Path | dict, held_ids: list[int], loaded_ids: list[int], actor_id: int):
        settings = path if isinstance(path, dict) else sqlite_settings(path)
        self.app = create_app("testing", **settings)
        self.ctx = self.app.app_context()
        self.ctx.push()
        # The actor as a request has it: loaded once at the start (flask-login),
        # not reloaded after each commit.
        self.actor = db.session.get(User, actor_id)
        db.session.expunge(self.actor)
        self.cases = [db.session.get(Dispute, i) for i in held_ids]
        self.states = [d.state for d in self.cases]
        db.session.commit()
        self.loaded_ids, self.i = loaded_ids, 0

    def step(self):
        # The case is not touched before fire(): the commit of the previous
        # step expired it, and fire() reads it (once) itself.
        k = self.i % len(self.cases)
        self.i += 1
        trigger, dest, reason = CYCLE[self.states[k]]
        engine.fire(self.cases[k], trigger, self.actor, reason)
        self.states[k] = dest

    def step_loading(self):
        d = db.session.get(Dispute, self.loaded_ids[self.i % len(self.loaded_ids)])
        self.i += 1
        trigger, _, reason = CYCLE[d.state]
        engine.fire(d, trigger, self.actor, reason)

    def run(self, n: int, step=None) -> float:
        step = step or self.step
        start = time.perf_counter()
        for _ in range(n):
            step()
        return n / (time.perf_counter() - start)

    def statements(self, step=None) -> list[str]:
        """What SQLite itself runs for one step (its trace callback sees
        every statement, also those sent past SQLAlchemy's events)."""
        with db.engine.connect() as conn:  # the pool's one connection
            raw = conn.connection.dbapi_connection
        return traced(raw, step or self.step)

    def problems(self) -> list[str]:
        return verify()

    def close(self):
        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()


# ---------------------------------------------------------------------- floor

def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def stamp(at: datetime) -> str:
    """A datetime the way SQLAlchemy stores it in SQLite."""
    return at.isoformat(" ", "microseconds")


class FloorBench:
    def __init__(self, path: Path, ids: list[int], actor_id: int, key: str):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA busy_timeout=15000")
        self.ids, self.actor_id, self.key, self.i = ids, actor_id, key.encode(), 0
        columns = [d[0] for d in self.conn.execute("SELECT * FROM disputes LIMIT 0").description]
        self.state_at, self.version_at = columns.index("state"), columns.index("version")

    def step(self):
        c = self.conn
        case_id = self.ids[self.i % len(self.ids)]
        self.i += 1
        now = datetime.now(UTC).replace(tzinfo=None)
        c.execute("BEGIN IMMEDIATE")
        try:
            row = c.execute("SELECT * FROM disputes WHERE id = ?", (case_id,)).fetchone()
            state, version = row[self.state_at], row[self.version_at]
            trigger, dest, reason = CYCLE[state]
            prev_hash, last_seq = c.execute(
                "SELECT (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1),"
                " (SELECT max(seq) FROM audit_events WHERE entity_type = ? AND entity_id = ?)",
                ("dispute", case_id),
            ).fetchone()
            updated = c.execute(
                "UPDATE disputes SET state = ?, version = ?, state_entered_at = ?, due_at = NULL,"
                " deadline_started_at = NULL, changed_at = ?, changed_by_id = ? WHERE id = ? AND version = ?",
                (dest, version + 1, stamp(now), stamp(now), self.actor_id, case_id, version),
            ).rowcount
            if updated != 1:
                raise RuntimeError("version conflict")
            fields = {
                "entity_type": "dispute", "entity_id": case_id, "seq": last_seq + 1, "trigger": trigger,
                "from_state": state, "to_state": dest, "actor_id": self.actor_id, "actor_role": "mediator",
                "at": now.isoformat(timespec="microseconds"), "reason": reason, "data": canonical({}),
            }
            digest = hmac.new(self.key, canonical(dict(fields, prev_hash=prev_hash)).encode(), hashlib.sha256)
            c.execute(
                "INSERT INTO audit_events (entity_type, entity_id, seq, trigger, from_state, to_state, actor_id,"
                " actor_role, at, reason, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*[fields[k] for k in ("entity_type", "entity_id", "seq", "trigger", "from_state", "to_state",
                                       "actor_id", "actor_role")],
                 stamp(now), reason, fields["data"], prev_hash, digest.hexdigest()),
            )
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def run(self, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            self.step()
        return n / (time.perf_counter() - start)

    def statements(self) -> list[str]:
        return traced(self.conn, self.step)

    def close(self):
        self.conn.close()


def traced(raw: sqlite3.Connection, step) -> list[str]:
    seen: list[str] = []
    raw.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))
    try:
        step()
    finally:
        raw.set_trace_callback(None)
    return seen


def floor_problems(path: Path | dict) -> list[str]:
    app = create_app("testing", **(path if isinstance(path, dict) else sqlite_settings(path)))
    with app.app_context():
        try:
            return verify()
        finally:
            db.session.remove()
            db.engine.dispose()


# ------------------------------------------------------------------ PostgreSQL

class PgFloorBench:
    """The floor on PostgreSQL: psycopg doing what an engine step sends, in
    one transaction: SELECT the case, take the chain's advisory lock (held
    until COMMIT, as the engine's), SELECT the chain head and the case's last
    seq, the version-checked UPDATE, the HMAC-chained INSERT, COMMIT."""

    def __init__(self, url: str, schema: str, ids: list[int], actor_id: int, key: str):
        import psycopg

        self.conn = psycopg.connect(url, options=f"-c search_path={schema}")
        self.ids, self.actor_id, self.key, self.i = ids, actor_id, key.encode(), 0
        with self.conn.cursor() as cur:
            cur.execute("SELECT * FROM disputes LIMIT 0")
            columns = [d.name for d in cur.description]
        self.conn.commit()
        self.state_at, self.version_at = columns.index("state"), columns.index("version")

    def step(self):
        from app.audit.chain import CHAIN_LOCK_KEY

        case_id = self.ids[self.i % len(self.ids)]
        self.i += 1
        now = datetime.now(UTC).replace(tzinfo=None)
        try:
            with self.conn.cursor() as c:
                row = c.execute("SELECT * FROM disputes WHERE id = %s", (case_id,)).fetchone()
                state, version = row[self.state_at], row[self.version_at]
                trigger, dest, reason = CYCLE[state]
                c.execute("SELECT pg_advisory_xact_lock(%s::integer, hashtext(coalesce(current_schema(), '')))",
                          (CHAIN_LOCK_KEY,))
                prev_hash, last_seq = c.execute(
                    "SELECT (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1),"
                    " (SELECT max(seq) FROM audit_events WHERE entity_type = %s AND entity_id = %s)",
                    ("dispute", case_id)).fetchone()
                c.execute(
                    "UPDATE disputes SET state = %s, version = %s, state_entered_at = %s, due_at = NULL,"
                    " deadline_started_at = NULL, changed_at = %s, changed_by_id = %s WHERE id = %s AND version = %s",
                    (dest, version + 1, now, now, self.actor_id, case_id, version))
                if c.rowcount != 1:
                    raise RuntimeError("version conflict")
                fields = {
                    "entity_type": "dispute", "entity_id": case_id, "seq": last_seq + 1, "trigger": trigger,
                    "from_state": state, "to_state": dest, "actor_id": self.actor_id, "actor_role": "mediator",
                    "at": now.isoformat(timespec="microseconds"), "reason": reason, "data": canonical({}),
                }
                digest = hmac.new(self.key, canonical(dict(fields, prev_hash=prev_hash)).encode(), hashlib.sha256)
                c.execute(
                    "INSERT INTO audit_events (entity_type, entity_id, seq, trigger, from_state, to_state, actor_id,"
                    " actor_role, at, reason, data, prev_hash, hash)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (*[fields[k] for k in ("entity_type", "entity_id", "seq", "trigger", "from_state", "to_state",
                                           "actor_id", "actor_role")],
                     now, reason, fields["data"], prev_hash, digest.hexdigest()))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def run(self, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            self.step()
        return n / (time.perf_counter() - start)

    def close(self):
        self.conn.close()


def pg_writer(kind, url, schema, ids, actor_id, key, n, barrier, out):
    """One writer process: warm up, wait for the others, run n steps, and
    report when it started and ended (perf_counter is system-wide on Linux)."""
    if kind == "engine":
        bench = EngineBench(pg_settings(url, schema), ids, ids, actor_id)
    else:
        bench = PgFloorBench(url, schema, ids, actor_id, key)
    bench.run(20)
    barrier.wait()
    start = time.perf_counter()
    bench.run(n)
    out.put((start, time.perf_counter()))
    bench.close()


def pg_round(kind, url, schema, id_sets, actor_id, key, n) -> float:
    """Transitions per second of len(id_sets) writers at once, each on its own cases."""
    import multiprocessing as mp

    spawn = mp.get_context("spawn")
    barrier, out = spawn.Barrier(len(id_sets)), spawn.Queue()
    workers = [spawn.Process(target=pg_writer, args=(kind, url, schema, ids, actor_id, key, n, barrier, out))
               for ids in id_sets]
    for w in workers:
        w.start()
    spans = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise RuntimeError(f"a {kind} writer failed (exit {w.exitcode})")
    return len(id_sets) * n / (max(e for _, e in spans) - min(s for s, _ in spans))


def pg_admin(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def main_pg(args) -> int:
    writers = (1, 2, 4)
    per = max(args.cases // 2, 2)  # cases per writer
    schemas = {kind: f"bench_engine_{kind}_{os.getpid()}" for kind in ("engine", "floor")}
    print("Durable transitions per second on PostgreSQL: one COMMIT and one hash-chained audit row each,")
    print("the audit chain's advisory lock held until COMMIT.")
    print("  floor   the baseline: psycopg doing the same statements, nothing in between")
    print("  engine  engine.fire() on cases each writer holds")
    print(f"writers {', '.join(map(str, writers))} (processes, each on {per} cases of its own); {args.rounds} rounds"
          f" x {args.transitions} transitions per writer; rounds alternate. Python {sys.version.split()[0]}.")
    for schema in schemas.values():
        pg_admin(args.database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    try:
        prepared = {kind: prepare(pg_settings(args.database_url, schema), per * max(writers))
                    for kind, schema in schemas.items()}
        ratios = {}
        print(f"\n{'writers':>7} {'round':>5} {'engine/s':>9} {'floor/s':>9} {'ratio':>6}")
        for w in writers:
            e_rates, f_rates = [], []
            for r in range(1, args.rounds + 1):
                for kind, rates in (("engine", e_rates), ("floor", f_rates)):
                    ids, actor_id, key = prepared[kind]
                    id_sets = [ids[i * per:(i + 1) * per] for i in range(w)]
                    rates.append(pg_round(kind, args.database_url, schemas[kind], id_sets, actor_id, key,
                                          args.transitions))
                print(f"{w:>7} {r:>5} {e_rates[-1]:>9.0f} {f_rates[-1]:>9.0f} {e_rates[-1] / f_rates[-1]:>6.3f}")
            e_med, f_med = statistics.median(e_rates), statistics.median(f_rates)
            ratios[w] = e_med / f_med
            print(f"{w:>7} {'med':>5} {e_med:>9.0f} {f_med:>9.0f} {ratios[w]:>6.3f}")
        problems = []
        for kind, schema in schemas.items():
            problems += floor_problems(pg_settings(args.database_url, schema))
        print(f"audit chains verified with the project's verify(): {'ok' if not problems else problems[:3]}")
        print("ratio by writers: " + ", ".join(f"{w}: {ratios[w]:.3f}" for w in writers))
        print(f"engine_vs_raw_ratio={ratios[1]:.3f}")
        return 1 if problems else 0
    finally:
        for schema in schemas.values():
            pg_admin(args.database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


# ----------------------------------------------------------------------- main

def show(title: str, statements: list[str]) -> None:
    print(f"\n{title}:")
    for sql in statements:
        print(f"  {sql[:96]}{' ...' if len(sql) > 96 else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds of each (default 7)")
    parser.add_argument("--transitions", type=int, default=300, help="transitions per round (default 300)")
    parser.add_argument("--cases", type=int, default=4, help="cases the cycle is spread over (default 4)")
    parser.add_argument("--profile", action="store_true", help="then profile one engine round (cProfile)")
    parser.add_argument("--database-url", help="PostgreSQL instead: 1, 2 and 4 writers against psycopg"
                        " (schemas of their own are made and dropped)")
    args = parser.parse_args()
    if args.database_url:
        return main_pg(args)

    print("Durable transitions per second on SQLite files with the project's settings (WAL,")
    print("synchronous=FULL, BEGIN IMMEDIATE): one COMMIT and one hash-chained audit row each.")
    print("  floor        the baseline: plain sqlite3 doing the same database work, nothing in between")
    print("  engine       engine.fire() on cases held across steps (it reads each one again itself)")
    print("  engine+load  db.session.get() then fire(), as a case page does; for information")
    print("ratio = engine rate / floor rate: what Flask-SQLAlchemy, the ORM, the engine and the audit")
    print("code add on top of the database (target >= 0.33, issue 17). The machine is shared and noisy: rounds")
    print("alternate; quote the ratio of the medians, not the rates.")
    print(f"{args.rounds} rounds x {args.transitions} transitions, over {args.cases} cases each;"
          f" Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}.")

    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        tmp = Path(tmp)
        ids, actor_id, key = prepare(tmp / "engine.sqlite3", 2 * args.cases)
        held, loaded = ids[: args.cases], ids[args.cases :]
        shutil.copyfile(tmp / "engine.sqlite3", tmp / "floor.sqlite3")
        eng = EngineBench(tmp / "engine.sqlite3", held, loaded, actor_id)
        floor = FloorBench(tmp / "floor.sqlite3", held, actor_id, key)

        eng.run(30)  # warm up caches (compiled statements, pool, page cache)
        eng.run(30, eng.step_loading)
        floor.run(30)
        show("what SQLite runs per engine transition", eng.statements())
        show("per engine+load transition", eng.statements(eng.step_loading))
        show("per floor transition", floor.statements())

        e_rates, l_rates, f_rates = [], [], []
        print(f"\n{'round':>5} {'engine/s':>9} {'floor/s':>9} {'ratio':>6}   {'engine+load/s':>13} {'ratio':>6}")
        for r in range(1, args.rounds + 1):
            e_rates.append(eng.run(args.transitions))
            f_rates.append(floor.run(args.transitions))
            l_rates.append(eng.run(args.transitions, eng.step_loading))
            print(f"{r:>5} {e_rates[-1]:>9.0f} {f_rates[-1]:>9.0f} {e_rates[-1] / f_rates[-1]:>6.3f}"
                  f"   {l_rates[-1]:>13.0f} {l_rates[-1] / f_rates[-1]:>6.3f}")
        e_med, l_med, f_med = (statistics.median(x) for x in (e_rates, l_rates, f_rates))
        print(f"{'med':>5} {e_med:>9.0f} {f_med:>9.0f} {e_med / f_med:>6.3f}   {l_med:>13.0f} {l_med / f_med:>6.3f}")
        print(f"per transition: engine {1e6 / e_med:.0f} us, engine+load {1e6 / l_med:.0f} us,"
              f" floor {1e6 / f_med:.0f} us")
        print("median of the per-round ratios: engine"
              f" {statistics.median(e / f for e, f in zip(e_rates, f_rates)):.3f},"
              f" engine+load {statistics.median(e / f for e, f in zip(l_rates, f_rates)):.3f}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            eng.run(args.transitions)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(40)

        problems = eng.problems()
        eng.close()
        floor.close()
        problems += floor_problems(tmp / "floor.sqlite3")
        print(f"audit chains verified with the project's verify(): {'ok' if not problems else problems[:3]}")
        print(f"engine_vs_raw_ratio={e_med / f_med:.3f}")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
