"""Rendered parts of pages, kept by each worker process and keyed by
everything they show.

A template wraps a part in a call block whose arguments are the part's
whole input:

    {% call cached('navigation', locale, current_user.role, inbox, unread) %}...{% endcall %}

The block is rendered the first time a key is seen; after that the same
HTML is returned without running it. Nothing is ever invalidated: a key
that names all the part shows (never a row's id alone, whose values may
change) cannot go stale, and the next change makes a new key. So the parts
worth caching are those rendered over and over from few inputs: the
navigation (a role, a language and two counts, on every page) and the
entries of a case's history (which never change once written).

The cache is a bounded dict per process (the oldest key goes first), so it
holds at most MAX_ENTRIES parts of pages this worker rendered recently. It
is skipped while templates reload (development), so an edited template
shows at once.
"""
from threading import Lock

from flask import current_app
from markupsafe import Markup

MAX_ENTRIES = 4096


class FragmentCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._parts: dict[tuple, Markup] = {}
        self._lock = Lock()

    def __call__(self, *key, caller):
        html = self._parts.get(key)
        if html is not None:
            return html
        html = Markup(caller())
        if current_app.jinja_env.auto_reload:
            return html
        with self._lock:  # a worker's threads share it; eviction iterates the dict
            if len(self._parts) >= self.max_entries:
                del self._parts[next(iter(self._parts))]
            self._parts[key] = html
        return html

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()

    def __len__(self) -> int:
        return len(self._parts)


def init_app(app) -> None:
    app.extensions["fragments"] = cache = FragmentCache()
    app.jinja_env.globals["cached"] = cache
