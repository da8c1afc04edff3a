"""Each domain's demo data, loaded after the city and its disputes.

Each entry is (name, load(seed) -> one line of summary); a domain's loader
lives in its own package (app/<domain>/demo.py) and is listed here.
"""
from ..elders.demo import load as elders_demo
from ..followups.demo import load as followups_demo
from ..opinions.demo import load as opinions_demo
from ..rota.demo import load as rota_demo
from ..supervision.demo import load as supervision_demo
from ..referrals.demo import load as referrals_demo
from .assistants import load as assistants_demo
from .judicial import load as judicial_demo

# The sweeps (followups) come after the liaisons (referrals) and the grid
# assistants: their participants are drawn from the people then known.
# The legal opinions come after the rota: they are asked of its lawyers.
# Judicial confirmation first: its cases are the year's, before any domain picks from them.
DOMAIN_DEMOS: list[tuple[str, object]] = [("judicial", judicial_demo), ("supervision", supervision_demo),
                                           ("elders", elders_demo), ("rota", rota_demo), ("opinions", opinions_demo),
                                           ("referrals", referrals_demo), ("assistants", assistants_demo),
                                           ("followups", followups_demo)]
