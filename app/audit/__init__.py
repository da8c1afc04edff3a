"""The audit core: the append-only, hash-chained log of every step.

models (AuditEvent), chain (append with `record()`, digest), guard (the
database triggers that refuse UPDATE and DELETE), verify (hashes, links,
sequences, and replay of each workflow entity's states), digestcheck, and
the `flask audit` CLI.

Imports only workflows/ and the foundation (app.extensions, app.database,
app.clock, app.i18n): no engine, no accounts, no domain. What verify must
know of the workflow entities (which workflow, which model) it is told by
registration (`verify.replay_entity_type`, called by the engine's
`register()`). Pages that read the log live in app.supervision; the case
timeline in app.timeline.
"""
from .chain import record  # noqa: F401
