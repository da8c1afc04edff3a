"""The organisation: street -> area -> community -> grid, the places every
case, user and sweep belongs to.

A shared service: it imports only the foundation (app.extensions)."""
