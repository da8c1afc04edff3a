"""Rendered parts of pages, kept by each worker process and keyed by
everything they show.

A template wraps a part in a call block whose arguments are the part's
whole input:

    {% call cached('navigation', locale, current_user.role, inbox, unread) %}...{% endcall %}

The block is rendered the first time a key is seen (in that template); after
that the same HTML is returned without running it. Nothing is invalidated:
a key that names all the part shows (never a row's id alone, whose values may
change) cannot go stale, and the next change makes a new key. So the parts
worth caching are those rendered over and over from few inputs: the
navigation (a role, a language and two counts, on every page), the entries
of a case's history (which never change once written), a list's rows. A
cached block must not have effects (a CSRF token, a one-time form token):
on a hit it does not run.

Bounds, per worker: at most MAX_CHARS characters of HTML (the parts used
least recently go first, so that the navigation, read on every page,
stays), no part over MAX_PART_CHARS, and none older than MAX_AGE_SECONDS.
The age limit matters for personal data: a history entry shows masked
personal data, and once a case's data is erased (shredded) its entries read
differently, so the old ones are never shown again, but they stay in memory
until they are dropped: at most this long. Long key values (a history
entry's text) are kept as a digest. The cache is skipped while templates
reload (development), so an edited template shows at once.
"""
import hashlib
import time
from collections import OrderedDict
from threading import Lock

from flask import current_app
from jinja2 import pass_context
from markupsafe import Markup

MAX_CHARS = 8_000_000
MAX_PART_CHARS = 32_000
MAX_AGE_SECONDS = 3600
_LONG = 256


def _compact(value):
    if isinstance(value, str) and len(value) > _LONG:
        return hashlib.blake2b(value.encode(), digest_size=16).digest()
    return value


class FragmentCache:
    def __init__(self, max_chars: int = MAX_CHARS, max_age: float = MAX_AGE_SECONDS):
        self.max_chars, self.max_age = max_chars, max_age
        self._parts: OrderedDict[tuple, tuple[Markup, float]] = OrderedDict()
        self._chars = 0
        self._lock = Lock()

    @pass_context
    def __call__(self, context, *key, caller):
        # The template's name is part of the key: two templates may use one name for different parts.
        key = (context.name, *(_compact(value) for value in key))
        found = self._parts.get(key)
        now = time.monotonic()
        if found is not None and found[1] > now:
            with self._lock:  # a key's hash may run Python code (a dataclass): not atomic under the GIL
                if key in self._parts:  # not dropped by another thread since
                    self._parts.move_to_end(key)
            return found[0]
        html = Markup(caller())
        if current_app.jinja_env.auto_reload or len(html) > MAX_PART_CHARS:
            return html
        with self._lock:  # a worker's threads share it; eviction iterates the dict
            old = self._parts.pop(key, None)
            if old is not None:
                self._chars -= len(old[0])
            while self._parts and self._chars + len(html) > self.max_chars:
                self._chars -= len(self._parts.popitem(last=False)[1][0])
            self._parts[key] = (html, now + self.max_age)
            self._chars += len(html)
        return html

    def __len__(self) -> int:
        return len(self._parts)


def init_app(app) -> None:
    app.extensions["fragments"] = cache = FragmentCache()
    app.jinja_env.globals["cached"] = cache
