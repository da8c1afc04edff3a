"""Check the whole audit log: hashes, links, sequences, and that replaying
each workflow entity's events gives its stored state and audited columns."""
from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from workflows import Workflow

from ..extensions import db
from .chain import GENESIS, Digest, chain_key
from .checkpoints import all_checkpoints, describe, is_signed
from .models import AuditEvent
from .personal import ERASED, Opener
from .scan import CHECKPOINT, Merge, scan
from .workers import can_fork, run_in_workers

_events = AuditEvent.__table__

# entity type -> (its workflow, its model): what verify replays and compares
# with the stored rows. Filled in by whoever binds a workflow to a model (the
# engine's register()), so that the audit core knows no engine and no domain.
REPLAYED: dict[str, tuple[Workflow, type]] = {}


def replay_entity_type(entity_type: str, workflow: Workflow, model: type) -> None:
    """Have verify replay `entity_type`'s events through `workflow` and
    compare the result with the `state` column of `model`'s rows."""
    REPLAYED[entity_type] = (workflow, model)


@dataclass(frozen=True)
class ColumnReplay:
    """How verify rebuilds an entity type's audited columns from its events,
    told by whoever knows the model (the engine's register()).

    settings(trigger, from_state, to_state, data, entity_id) yields
    (row type, row id, values, replace) for what one event sets: the entity's
    own row or a child row (a case's party). With replace, `values` is all
    that is known of the row from then on (columns left out are empty), or
    nothing at all when `values` is None; otherwise `values` updates what
    is known. stored(session) yields, per table, (row type, column names,
    rows), each row (row id, *values in the names' order), the values of
    the same Python types."""

    row_types: Callable[[], tuple[str, ...]]  # the entity's and its children's
    settings: Callable[..., Iterable[tuple[str, int, dict | None, bool]]]
    stored: Callable[..., Iterable[tuple[str, tuple[str, ...], Iterable[tuple]]]]


COLUMNS: dict[str, ColumnReplay] = {}


def replay_columns(entity_type: str, replay: ColumnReplay) -> None:
    """Have verify rebuild `entity_type`'s audited columns and compare them
    with the stored rows."""
    COLUMNS[entity_type] = replay


# The full check in worker processes, one disjoint id range each, when the
# log has at least this many events per worker (below it, forking costs
# more than it saves). Tests lower it to check the parallel path on a few events.
EVENTS_PER_WORKER = 10000


def verify(digest: Digest | None = None, session=None, progress=None, workers: int | None = None) -> list[str]:
    """Return one line per problem found; an empty list means intact.

    Run it in `read_only()`: the log and the rows it is compared with are
    read in one snapshot. `workers` (default: AUDIT_VERIFY_WORKERS, else the
    number of CPUs) processes check disjoint ranges of a large log, each in
    that same snapshot; the result is the same as with one."""
    session = session or db.session
    checkpoints = {cp.events: cp for cp in all_checkpoints(session)}
    positions = set(checkpoints) | ({digest.events} if digest is not None else set())
    total, head_id = session.execute(select(func.count(_events.c.id), func.max(_events.c.id))).one()
    merge = Merge({entity_type: workflow for entity_type, (workflow, _) in REPLAYED.items()}, GENESIS)
    key = chain_key()

    def scan_range(session, after_id, upto_id, start_count, tick):
        return scan(session.connection(), key, after_id=after_id, upto_id=upto_id, start_count=start_count,
                    positions=positions, replayed=merge.replayed, column_replays=COLUMNS, opener=Opener(session),
                    tick=tick)

    with without_cycle_collection():
        if total:
            ranges = _ranges(session, total, head_id, _worker_count(session, total, workers))
            if len(ranges) == 1:
                parts = [scan_range(session, *ranges[0], progress)]
            else:
                parts = run_in_workers(session, ranges, scan_range, progress)
            for part in parts:
                merge.add(part)
            del parts
        problems = _problems(session, merge, checkpoints, digest)
    return problems


@contextmanager
def without_cycle_collection():
    """The check builds millions of small dicts, lists and tuples, none in a
    reference cycle: the cycle collector, run again and again over all of
    them as they pile up, took a third of a worker's time on 500,000 events
    (and the forked workers inherit the setting). Reference counting still
    frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _problems(session, merge: Merge, checkpoints: dict, digest: Digest | None) -> list[str]:
    count = merge.count
    problems = _in_log_order(merge, checkpoints)
    problems.extend(f"{describe(cp)}: the log has only {count} events: events were removed"
                    for position, cp in sorted(checkpoints.items()) if position > count)
    problems.extend(_compare_with_stored(session, merge.states))
    problems.extend(
        f"{kind} #{subject_id}: its data key does not open with this installation's AUDIT_DATA_KEY "
        "(was the key changed?); its personal values could not be checked"
        for kind, subject_id in sorted(merge.unreadable))
    problems.extend(_compare_columns(session, merge.columns))
    if digest is not None:
        if count < digest.events:
            problems.append(
                f"the log has {count} events but the digest covered {digest.events}: events were removed"
            )
        elif merge.marks.get(digest.events, (None, None))[1] != digest.head:
            problems.append(
                f"audit row number {digest.events} no longer has the digest's head hash: "
                "events the digest covered were changed or removed"
            )
    return problems


def _in_log_order(merge: Merge, checkpoints: dict) -> list[str]:
    """The problems found in the events, and each checkpoint held against
    the event at its position, in the order of the log."""
    keyed = list(merge.problems)
    for position, checkpoint in checkpoints.items():
        mark = merge.marks.get(position)
        if mark is not None:
            keyed.extend(((mark[0], CHECKPOINT), text) for text in _hold_checkpoint(checkpoint, mark))
    keyed.sort(key=lambda problem: problem[0])
    return [text for _, text in keyed]


def _worker_count(session, total: int, workers: int | None) -> int:
    if workers is None:
        workers = current_app.config.get("AUDIT_VERIFY_WORKERS") or os.cpu_count() or 1
    workers = min(int(workers), total // EVENTS_PER_WORKER)
    return workers if workers > 1 and can_fork(session) else 1


def _ranges(session, total: int, head_id: int, workers: int) -> list[tuple[int, int, int]]:
    """(after id, up to id, events before) of `workers` ranges of about as
    many events each, the last ending at the snapshot's head: events
    appended meanwhile are not read, whatever a worker's snapshot holds."""
    if workers == 1:
        return [(0, head_id, 0)]
    starts = [total * n // workers for n in range(1, workers)]
    bounds = [session.execute(select(_events.c.id).order_by(_events.c.id).limit(1).offset(start - 1)).scalar()
              for start in starts]
    after = [0, *bounds]
    return list(zip(after, [*bounds, head_id], [0, *starts]))


def _hold_checkpoint(checkpoint, mark) -> list[str]:
    """A checkpoint against (id, hash) of the event at its position in the chain."""
    if not is_signed(checkpoint):
        return [f"{describe(checkpoint)}: its signature does not match (forged, or AUDIT_CHECKPOINT_KEY changed)"]
    if tuple(mark) != (checkpoint.last_id, checkpoint.head):
        return [f"{describe(checkpoint)} no longer matches the log: events up to it were changed, removed or "
                "inserted"]
    return []


def _compare_with_stored(session, replayed) -> list[str]:
    problems = []
    for entity_type, (_, model) in sorted(REPLAYED.items()):
        table = model.__table__
        for entity_id, state in session.execute(select(table.c.id, table.c.state).order_by(table.c.id)):
            replay = replayed.pop((entity_type, entity_id), None)
            if replay != state:
                problems.append(
                    f"{entity_type} #{entity_id}: stored state {state!r} but replaying its events gives {replay!r}"
                )
    for (entity_type, entity_id), state in replayed.items():
        problems.append(f"{entity_type} #{entity_id}: has events (last state {state!r}) but no row")
    return problems


def _compare_columns(session, columns) -> list[str]:
    """One line per audited column whose stored value is not the one its
    events set. Values are not printed: some are personal data."""
    problems = []
    seen = set()  # child rows (an entity without its row is reported with its state)
    for entity_type in sorted(COLUMNS):
        for row_type, names, rows in COLUMNS[entity_type].stored(session):
            child = row_type not in COLUMNS
            for row in rows:
                key = (row_type, row[0])
                if child:
                    seen.add(key)
                known = columns.get(key)
                if known is None:
                    continue
                complete, values = known
                stored = tuple(row[1:])
                if complete and tuple(map(values.get, names)) == stored:
                    continue  # every column as its events set it: the common case, compared at once
                for column, value in zip(names, stored):
                    if column in values:
                        expected = values[column]
                    elif complete:
                        expected = None
                    else:
                        continue
                    if expected is ERASED:
                        continue  # shredded: the log no longer knows the value
                    if value != expected:
                        problems.append(
                            f"{row_type} #{row[0]}: column {column} differs from the value its events set"
                        )
    owned = {t for replay in COLUMNS.values() for t in replay.row_types()} - COLUMNS.keys()
    for key in sorted(k for k in columns.keys() - seen if k[0] in owned):
        problems.append(f"{key[0]} #{key[1]}: its events set columns but the row is gone")
    return problems
