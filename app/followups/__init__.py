"""Follow-up visits (回访) after an agreement, and screening sweeps (排查)."""
