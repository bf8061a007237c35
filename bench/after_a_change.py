"""The portal as it is right after a change to the schedule, for `make bench`'s cold runs.

Every page and export misses its kept copy, as when a new schedule version has just been saved, while the
pieces kept per talk (the schedule's blocks, the exports' talks) stay, as they do for the talks the change
did not touch.
"""

from django.core.cache import cache

from events import pagecache
from portal.wsgi import application  # noqa: F401  (gunicorn serves it; importing it sets Django up)


class PagesMiss:
    """Django's cache, but for the kept pages, which it never finds."""

    def get(self, key, default=None):
        return default if key.startswith("page:") else cache.get(key, default)

    def __getattr__(self, name):
        return getattr(cache, name)


pagecache.cache = PagesMiss()
