"""CPU time of one audit append, against the same statements run through
SQLAlchemy Core.

    .venv/bin/python bench/audit_append.py [--blocks 14] [--appends 300]
                                           [--database-url postgresql://postgres@127.0.0.1:5432/test]

`record()` sends its statements (PostgreSQL's advisory lock, the chain head
and sequence, the INSERT), compiled once per dialect, to the DBAPI cursor of
the session's connection. The baseline runs the same prebuilt statements
with `connection.execute()`, as PostgreSQL's append did before one path
served both databases. Both append to one open transaction, rolled back
after each block, so no COMMIT (and no disk) is measured: what is left is
the Python on top of the database. Blocks alternate; the medians are
printed. On PostgreSQL the tables live in a schema of their own, dropped
afterwards.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself: its http.py (bench/http.py) would hide the standard library's http.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.audit import chain  # noqa: E402
from app.extensions import db  # noqa: E402
from config import database_url  # noqa: E402


class CoreStatement:
    def __init__(self, statement, returns_row: bool):
        self.statement, self.returns_row = statement, returns_row

    def run(self, connection, values: dict):
        result = connection.execute(self.statement, values)
        return result.one() if self.returns_row else None


def through_core(dialect) -> chain.AppendStatements:
    return chain.AppendStatements(
        head_and_seq=CoreStatement(chain.HEAD_AND_SEQ_QUERY, True),
        insert=CoreStatement(insert(chain.AuditEvent.__table__), False),
        lock=CoreStatement(chain.LOCK_CHAIN, True) if dialect.name == "postgresql" else None,
    )


def measure(settings: dict, blocks: int, appends: int) -> dict[str, list[float]]:
    variants = {"driver": chain.append_statements, "core": through_core}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    app = create_app("testing", **settings)
    with app.app_context():
        db.create_all()
        try:
            for block in range(blocks):
                order = list(variants) if block % 2 == 0 else list(variants)[::-1]
                for name in order:
                    chain.append_statements = variants[name]
                    started = time.process_time()
                    for i in range(appends):
                        chain.record("bench", i % 5 + 1, "edit", None, data={"i": i})
                    cpu[name].append((time.process_time() - started) / appends * 1e6)
                    db.session.rollback()
        finally:
            chain.append_statements = variants["driver"]
            db.session.rollback()
            db.drop_all()
            db.session.remove()
            db.engine.dispose()
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=14, help="blocks of each (default 14)")
    parser.add_argument("--appends", type=int, default=300, help="appends per block (default 300)")
    parser.add_argument("--database-url", help="a PostgreSQL database (default: a temporary SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-append-") as tmp:
        if args.database_url:
            url = database_url(args.database_url)
            schema = f"bench_append_{os.getpid()}"
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            settings = {"SQLALCHEMY_DATABASE_URI": url,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}}}
        else:
            settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'append.sqlite3'}"}
        try:
            cpu = measure(settings, args.blocks, args.appends)
        finally:
            if args.database_url:
                with admin.connect() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"CPU per audit append on {backend}, {args.blocks} blocks x {args.appends} appends, alternating:")
    for name, label in (("driver", "DBAPI cursor (record())"), ("core", "SQLAlchemy Core")):
        print(f"  {label:<24} median {statistics.median(cpu[name]):6.0f} us   "
              f"blocks: {' '.join(f'{x:.0f}' for x in cpu[name])}")
    ratio = statistics.median(cpu["core"]) / statistics.median(cpu["driver"])
    print(f"core_vs_driver_cpu_ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
