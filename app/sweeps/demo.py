"""Who took part in the demo's sweeps: drawn from the people the system
knows for the sweep's place (alliance.candidates), as someone recording a
sweep would tick them, so that the statistics' "sweeps by who took part"
has figures. The sweeps themselves are made by app/followups/demo.py."""
from __future__ import annotations

import random

from .alliance import candidates

# How often a kind of member joins a sweep: the grid worker and a cadre
# always do, the others now and then (the statistics then differ by kind).
CHANCE = {"gridworker": 1.0, "cadre": 1.0, "police": 0.7, "legal_adviser": 0.5, "volunteer": 0.6,
          "department": 0.25}


def participant_ids(rng: random.Random, street_id: int, community_id: int | None) -> list[int]:
    """One or two people of each kind that joins this time (ids, for the
    `record` step's `participant_ids`)."""
    by_kind: dict[str, list[int]] = {}
    for user, kind in candidates(street_id, community_id):
        by_kind.setdefault(kind, []).append(user.id)
    chosen: list[int] = []
    for kind, ids in sorted(by_kind.items()):
        if rng.random() < CHANCE.get(kind, 0.0):
            chosen.extend(rng.sample(ids, min(len(ids), rng.choice((1, 1, 2)))))
    return chosen
