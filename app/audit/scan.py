"""One id range of the audit log checked on its own, and the ranges' results
put together in order: what `verify` runs in one process, or in several
worker processes over disjoint ranges (app/audit/verify.py).

Within a range everything is checked as it is read: each event's hash, its
link to the event before it, sequences, replayed states and what the events
say of the audited columns. What depends on events before the range is
left for `Merge`, which takes the ranges' results in id order:

- the link of the range's first event (its prev_hash against the previous
  range's last hash);
- per entity, the sequence numbers up to the first whole number (after it
  the expected number no longer depends on earlier events) and the first
  state change (checked against the state the earlier ranges ended in);
- per audited row, what the range says of its columns: a range that starts
  by replacing what is known stands alone; one that only updates is applied
  on top of what the earlier ranges said.

So one range, or many, give the same problems, in the same order: each is
kept with its event's id and its place among that event's checks, and
sorted by them at the end.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .chain import hash_checker
from .reader import Event, read_rows, row_name

CREATE = "create"
SEALED = '"enc":"v1"'  # personal values in an event's data (app/audit/personal.py)

# An event's checks, in the order the problems are listed.
LINK, HASH, CHECKPOINT, SEQ, STATE, DATA = range(6)

# Positions in a row read as EVENT_COLUMNS (app/audit/chain.py).
ID, ENTITY_TYPE, ENTITY_ID, SEQ_NO, TRIGGER, FROM, TO, DATA_TEXT, PREV, HASHED = 0, 1, 2, 3, 4, 5, 6, 11, 12, 13
NAMED = 5  # row[:NAMED] is enough to name an event in a problem (row_name)

_START = object()  # no event read yet
_scan_json = json.scanner.make_scanner(json.JSONDecoder())


def parse(text: str):
    """json.loads(text), without its wrapper's work for the canonical JSON
    the log holds (no surrounding white space); anything else is left to
    json.loads, which decides (and raises ValueError) as it always did."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def step_problems(row, current, workflow) -> list[str]:
    """A state change (`row` read as EVENT_COLUMNS, or its first NAMED
    values plus from and to state) against the entity's replayed state."""
    trigger, from_state, to_state = row[TRIGGER], row[FROM], row[TO]
    if trigger == CREATE:
        if current is not None or from_state is not None or to_state != workflow.initial:
            return [f"{row_name(row)}: creation event out of place"]
        return []
    problems = []
    if from_state != current:
        problems.append(f"{row_name(row)}: starts from {from_state!r} but the replayed state is {current!r}")
    transition = workflow.transition(trigger, from_state or "")
    if transition is None or transition.dest != to_state:
        problems.append(f"{row_name(row)}: {from_state!r} --{trigger}--> {to_state!r} is not a transition of "
                        f"{workflow.name!r}")
    return problems


def seq_problem(row, seq, expected) -> str:
    return f"{row_name(row)}: sequence number {seq}, expected {expected}"


@dataclass
class Part:
    """What one range found, and what it leaves to the ranges before it."""

    count: int = 0
    first: tuple | None = None  # its first event: row[:NAMED] + (prev_hash,)
    last_hash: str | None = None
    marks: dict = field(default_factory=dict)  # position in the log -> (id, hash), for the positions asked
    problems: list = field(default_factory=list)  # ((event id, check), text)
    # entity -> [(row[:NAMED], seq)]: its events up to the first whole-number seq
    seq_heads: dict = field(default_factory=dict)
    seq_last: dict = field(default_factory=dict)  # entity -> the seq its next event must follow
    # entity -> its first state change, row[:NAMED] + (from, to)
    state_heads: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)  # entity -> its replayed state after the range
    # (row type, row id) -> [starts by replacing, complete, {column: value}]
    columns: dict = field(default_factory=dict)
    unreadable: set = field(default_factory=set)  # subjects whose data key would not open

    def keys(self) -> tuple[dict, dict]:
        """({entity type: [id, ...]} of the entities with events in the
        range, {row type: [id, ...]} of the other rows its events set
        columns of): what a worker tells the others, so that each entity
        and row touched by one range only is compared with its stored row
        where it was read."""
        entities: dict = {}
        for entity_type, entity_id in self.seq_heads:  # every entity with an event here has its heads
            entities.setdefault(entity_type, []).append(entity_id)
        rows: dict = {}
        for key in self.columns:
            if key not in self.seq_heads:
                rows.setdefault(key[0], []).append(key[1])
        return entities, rows

    def split(self, shared) -> tuple[Part, Part]:
        """(local, rest): what the range says of the entities and rows not in
        `shared` (a set of (type, id); no other range touches them), and
        this part with only the shared ones left for the merge."""
        local, rest = Part(), Part(count=self.count, first=self.first, last_hash=self.last_hash, marks=self.marks,
                                   problems=self.problems, unreadable=self.unreadable)
        if not shared:  # one range, or none shared: everything is local, nothing to sort out
            local.seq_heads, local.seq_last, local.state_heads, local.states, local.columns = (
                self.seq_heads, self.seq_last, self.state_heads, self.states, self.columns)
            return local, rest
        for name in ("seq_heads", "seq_last", "state_heads", "states", "columns"):
            mine, theirs = getattr(local, name), getattr(rest, name)
            for key, value in getattr(self, name).items():
                if key in shared:
                    theirs[key] = value
                else:
                    mine[key] = value
        return local, rest


def scan(connection, key: bytes, *, after_id: int, upto_id: int | None, start_count: int, positions,
         replayed: dict, column_replays: dict, opener, tick=None) -> Part:
    """Check the events with after_id < id <= upto_id, the first being
    number start_count + 1 of the log. `replayed` maps an entity type to
    its workflow, `column_replays` to its ColumnReplay; `tick(n)` is told
    every 1,000 events."""
    check_hash = hash_checker(key)
    part = Part()
    problems, marks = part.problems, part.marks
    seq_heads, seq_last, state_heads, states, columns = (
        part.seq_heads, part.seq_last, part.state_heads, part.states, part.columns)
    dests: dict = {}  # (entity type, trigger, from state) -> the transition's state, _START for none
    count = start_count
    prev = _START
    for row in read_rows(connection, after_id, upto_id):
        count += 1
        row_id = row[ID]
        if prev is _START:
            part.first = (*row[:NAMED], row[PREV])
        elif row[PREV] != prev:
            problems.append(((row_id, LINK), f"{row_name(row)}: link to the previous row is broken (a row was "
                                             "deleted, inserted or moved before it)"))
        if not check_hash(row):
            problems.append(((row_id, HASH), f"{row_name(row)}: hash does not match its content (the row was "
                                             "edited or forged)"))
        prev = row[HASHED]
        if count in positions:
            marks[count] = (row_id, prev)
        if tick is not None and count % 1000 == 0:
            tick(1000)
        entity_id = row[ENTITY_ID]
        if entity_id is None:
            continue
        entity_type = row[ENTITY_TYPE]
        entity = (entity_type, entity_id)

        seq = row[SEQ_NO]
        last = seq_last.get(entity)
        if last is None:  # its first events here: checked against the ranges before
            heads = seq_heads.get(entity)
            if heads is None:
                heads = seq_heads[entity] = []
            heads.append((row[:NAMED], seq))
            if type(seq) is int:
                seq_last[entity] = seq
        else:
            if seq != last + 1:
                problems.append(((row_id, SEQ), seq_problem(row, seq, last + 1)))
            seq_last[entity] = seq if type(seq) is int else last + 1

        from_state, to_state = row[FROM], row[TO]
        if from_state is not None or to_state is not None:
            workflow = replayed.get(entity_type)
            if workflow is not None:
                current = states.get(entity, _START)
                if current is _START:  # its first state change here: checked against the ranges before
                    state_heads[entity] = (*row[:NAMED], from_state, to_state)
                else:
                    trigger = row[TRIGGER]
                    step = (entity_type, trigger, from_state)
                    dest = dests.get(step)
                    if dest is None:  # looked up once per step: every later one is a dict hit
                        found = workflow.transition(trigger, from_state or "")
                        dest = dests[step] = found.dest if found is not None and trigger != CREATE else _START
                    if dest != to_state or from_state != current:
                        for text in step_problems(row, current, workflow):
                            problems.append(((row_id, STATE), text))
                states[entity] = to_state

        replay = column_replays.get(entity_type)
        if replay is None:
            continue
        text = row[DATA_TEXT]
        try:
            if not text:
                data = {}
            elif SEALED in text:
                data = opener.open(Event._make(row))
            else:
                data = parse(text)
        except ValueError:
            problems.append(((row_id, DATA), f"{row_name(row)}: its data is not JSON"))
            continue
        if not isinstance(data, dict):
            continue
        for row_type, child_id, values, replace in replay.settings(row[TRIGGER], from_state, to_state, data,
                                                                   entity_id):
            known_key = (row_type, child_id)
            if replace:
                columns[known_key] = [True, values is not None, dict(values or ())]
            else:
                known = columns.get(known_key)
                if known is None:
                    columns[known_key] = [False, False, dict(values or ())]
                elif values:
                    known[2].update(values)
    if tick is not None and count % 1000:
        tick(count % 1000)
    part.count = count - start_count
    part.last_hash = prev
    part.unreadable = set(opener.unreadable)
    return part


class Merge:
    """The ranges' parts, taken in id order: what the whole log shows."""

    def __init__(self, replayed: dict, genesis: str):
        self.replayed = replayed
        self.count = 0
        self.prev = genesis  # the last hash so far
        self.marks: dict = {}
        self.problems: list = []
        self.last_seq: dict = {}
        self.states: dict = {}  # entity -> replayed state
        self.columns: dict = {}  # (row type, row id) -> [complete, {column: value}]
        self.unreadable: set = set()

    def add(self, part: Part) -> None:
        if not part.count:
            return
        problems = self.problems
        problems.extend(part.problems)
        first = part.first
        if first[-1] != self.prev:
            problems.append(((first[ID], LINK), f"{row_name(first)}: link to the previous row is broken (a row "
                                                "was deleted, inserted or moved before it)"))
        self.prev = part.last_hash
        self.count += part.count
        self.marks.update(part.marks)
        self.unreadable |= part.unreadable
        self.add_entities(part)

    def add_entities(self, part: Part) -> None:
        """What `part` says of entities and rows, on top of the parts before
        it: their sequences, states and audited columns."""
        problems = self.problems
        last_seq = self.last_seq
        for entity, heads in part.seq_heads.items():
            last = last_seq.get(entity, 0)
            for named, seq in heads:
                if seq != last + 1:
                    problems.append(((named[ID], SEQ), seq_problem(named, seq, last + 1)))
                last = seq if type(seq) is int else last + 1
            last_seq[entity] = last
        last_seq.update(part.seq_last)

        states = self.states
        for entity, head in part.state_heads.items():
            # head is row[:NAMED] + (from, to): the positions of a row's own
            for text in step_problems(head, states.get(entity), self.replayed[entity[0]]):
                problems.append(((head[ID], STATE), text))
        states.update(part.states)

        columns = self.columns
        for known_key, (replaced, complete, values) in part.columns.items():
            if replaced:
                columns[known_key] = [complete, values]
            else:
                known = columns.get(known_key)
                if known is None:
                    columns[known_key] = [False, values]
                else:
                    known[1].update(values)
