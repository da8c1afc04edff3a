"""Supervisors: closure history with replay, sign-off, the audit browser,
statistics and exports."""
