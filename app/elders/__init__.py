"""五老和事会: the council of elders' roster, suggestions with conflict-of-interest
checks, the elder-assignment workflow and the elders' own pages."""
