"""Check the whole audit log: hashes, links, sequences, and that replaying
each workflow entity's events gives its stored state and audited columns."""
from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Table, func, select

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
    is known. tables() gives, per table, (row type, the Table, the audited
    column names), whose stored values are of the same Python types."""

    row_types: Callable[[], tuple[str, ...]]  # the entity's and its children's
    settings: Callable[..., Iterable[tuple[str, int, dict | None, bool]]]
    tables: Callable[[], tuple[tuple[str, Table, tuple[str, ...]], ...]]


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
    # Apart: SQLite counts a table's rows from its smallest index only for a bare count(*) (twenty times
    # faster here than count(id) or a count beside the max); PostgreSQL takes as long either way.
    total = session.execute(select(func.count()).select_from(_events)).scalar()
    head_id = session.execute(select(func.max(_events.c.id))).scalar()
    head = (head_id, session.execute(select(_events.c.hash).where(_events.c.id == head_id)).scalar())
    replayed = {entity_type: workflow for entity_type, (workflow, _) in REPLAYED.items()}
    merge = Merge(replayed, GENESIS)
    key = chain_key()
    found = []  # ((section, ...), text): what the stored rows show, sorted at the end
    touched: dict = {}  # entity type -> the ids of the entities with events

    def check_range(session, after_id, upto_id, start_count, tick):
        """A range's check, in two steps (a generator): it scans the range
        and yields (whether it reads the command's snapshot, the keys its
        events touch); sent the keys some other range touches too, it
        compares what it alone knows with the stored rows and yields (its
        part with only the shared keys left, problems in the log's order,
        problems of the stored rows)."""
        same = _same_snapshot(session, head)
        part = scan(session.connection(), key, after_id=after_id, upto_id=upto_id, start_count=start_count,
                    positions=positions, replayed=replayed, column_replays=COLUMNS, opener=Opener(session),
                    tick=tick)
        shared = yield same, part.keys()
        local, rest = part.split(shared)
        del part
        settled = Merge(replayed, GENESIS)
        settled.add_entities(local)
        entities = local.seq_heads.keys()
        yield rest, settled.problems, _compare_rows(session, entities, settled.states, settled.columns)

    def share(told: list) -> list:
        """From each range's (same snapshot, keys): the keys of each range
        that another range touches too, or all its keys when it could not
        compare them with the rows of the command's snapshot."""
        seen, shared, mine = set(), set(), []
        for same, (entities, rows) in told:
            keys = {(t, i) for t, ids in entities.items() for i in ids}
            keys.update((t, i) for t, ids in rows.items() for i in ids)
            shared |= seen & keys
            if not same:
                shared |= keys
            seen |= keys
            mine.append(keys)
            for entity_type, ids in entities.items():
                touched.setdefault(entity_type, set()).update(ids)
        return [keys & shared for keys in mine]

    with without_cycle_collection():
        if total:
            ranges = _ranges(session, total, head_id, _worker_count(session, total, workers))
            if len(ranges) == 1:  # every key is the range's own
                steps = check_range(session, *ranges[0], progress)
                _, (entities, _) = next(steps)
                touched.update((entity_type, set(ids)) for entity_type, ids in entities.items())
                parts = [steps.send(frozenset())]
            else:
                parts = run_in_workers(session, ranges, (check_range, share), progress)
            for rest, in_log, of_rows in parts:
                merge.add(rest)
                merge.problems.extend(in_log)
                found.extend(of_rows)
            del parts
            shared = merge.last_seq.keys()  # the entities left to the merge: touched by several ranges
            found.extend(_compare_rows(session, shared, merge.states, merge.columns))
        found.extend(_without_events(session, touched))
        problems = _problems(merge, checkpoints, digest, found)
    return problems


def _same_snapshot(session, head) -> bool:
    """Whether `session` reads the rows of the command's snapshot, whose last
    event is `head` (id, hash). PostgreSQL's workers take that snapshot; a
    SQLite worker reads what was committed when it began. Every change of an
    audited row appends an event in its transaction, so the same last event
    means the same rows (this read begins the worker's snapshot)."""
    if session.get_bind().dialect.name == "postgresql":
        return True
    last = session.execute(select(_events.c.id, _events.c.hash).order_by(_events.c.id.desc()).limit(1)).first()
    return (tuple(last) if last is not None else (None, None)) == head


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


def _problems(merge: Merge, checkpoints: dict, digest: Digest | None, found: list) -> list[str]:
    count = merge.count
    problems = _in_log_order(merge, checkpoints)
    problems.extend(f"{describe(cp)}: the log has only {count} events: events were removed"
                    for position, cp in sorted(checkpoints.items()) if position > count)
    found.extend(((UNREADABLE, kind, subject_id),
                  f"{kind} #{subject_id}: its data key does not open with this installation's AUDIT_DATA_KEY "
                  "(was the key changed?); its personal values could not be checked")
                 for kind, subject_id in merge.unreadable)
    found.sort(key=lambda problem: problem[0])
    problems.extend(text for _, text in found)
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


# The problems of the stored rows are listed in this order, each section by
# type and id: whichever range compared a row, one process or several list
# the same lines in the same order.
ROW_STATE, NO_ROW, UNREADABLE, COLUMN, GONE = range(5)
CHUNK = 1000  # ids read at a time


def _rows_by_id(session, table, columns, ids):
    """(id, *columns) of the rows of `table` whose id is in `ids` (sorted),
    a chunk at a time: a range of ids when the chunk fills most of it, else
    the ids themselves."""
    wanted = None
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        query = select(table.c.id, *columns)
        if chunk[-1] - chunk[0] < 2 * len(chunk):
            if wanted is None:
                wanted = set(ids)
            for row in session.execute(query.where(table.c.id.between(chunk[0], chunk[-1]))):
                if row[0] in wanted:
                    yield row
        else:
            yield from session.execute(query.where(table.c.id.in_(chunk)))


def _by_type(keys) -> dict:
    ids: dict = {}
    for kind, row_id in keys:
        ids.setdefault(kind, []).append(row_id)
    return {kind: sorted(found) for kind, found in ids.items()}


def _compare_rows(session, entities, states, columns) -> list:
    """Keyed problems of the stored rows of `entities` ((type, id) whose
    whole history is in `states` and `columns`) and of the rows `columns`
    knows: the replayed state against the stored one, and each audited
    column against the value its events set. Values are not printed: some
    are personal data."""
    problems = []
    wanted = _by_type(entities)
    for entity_type, (_, model) in sorted(REPLAYED.items()):
        table = model.__table__
        stored = set()
        for entity_id, state in _rows_by_id(session, table, (table.c.state,), wanted.get(entity_type, ())):
            stored.add(entity_id)
            replay = states.get((entity_type, entity_id))
            if replay != state:
                problems.append(((ROW_STATE, entity_type, entity_id),
                                 f"{entity_type} #{entity_id}: stored state {state!r} but replaying its events "
                                 f"gives {replay!r}"))
        for entity_id in wanted.get(entity_type, ()):
            state = states.get((entity_type, entity_id))
            if entity_id not in stored and (entity_type, entity_id) in states:
                problems.append(((NO_ROW, entity_type, entity_id),
                                 f"{entity_type} #{entity_id}: has events (last state {state!r}) but no row"))
    known_rows = _by_type(columns)
    owned = {t for replay in COLUMNS.values() for t in replay.row_types()} - COLUMNS.keys()
    for entity_type in sorted(COLUMNS):
        for table_index, (row_type, table, names) in enumerate(COLUMNS[entity_type].tables()):
            ids = known_rows.get(row_type, ())
            seen = set()
            for row in _rows_by_id(session, table, [table.c[name] for name in names], ids):
                seen.add(row[0])
                complete, values = columns[(row_type, row[0])]
                stored = tuple(row[1:])
                if complete and tuple(map(values.get, names)) == stored:
                    continue  # every column as its events set it: the common case, compared at once
                for index, (column, value) in enumerate(zip(names, stored)):
                    if column in values:
                        expected = values[column]
                    elif complete:
                        expected = None
                    else:
                        continue
                    if expected is ERASED:
                        continue  # shredded: the log no longer knows the value
                    if value != expected:
                        problems.append(((COLUMN, entity_type, table_index, row[0], index),
                                         f"{row_type} #{row[0]}: column {column} differs from the value its "
                                         "events set"))
            if row_type in owned:  # a child row (an entity without its row is reported with its state)
                problems.extend(((GONE, row_type, row_id), f"{row_type} #{row_id}: its events set columns but "
                                                           "the row is gone")
                                for row_id in ids if row_id not in seen)
    return problems


def _without_events(session, touched: dict) -> list:
    """Keyed problems of the stored rows of entities no event is about."""
    problems = []
    for entity_type, (_, model) in sorted(REPLAYED.items()):
        table = model.__table__
        ids = touched.get(entity_type, ())
        for entity_id, state in session.execute(select(table.c.id, table.c.state)):
            if entity_id not in ids:
                problems.append(((ROW_STATE, entity_type, entity_id),
                                 f"{entity_type} #{entity_id}: stored state {state!r} but replaying its events "
                                 "gives None"))
    return problems
