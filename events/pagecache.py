"""Rendered pages and exports kept per schedule version, and served with validators (ETag, 304).

A key names one version of an event's schedule (models.schedule_cache_key), so what is stored under it
never changes. That makes two levels safe: Django's cache, shared by the processes when it is Redis,
and a small copy of the most recent bodies inside each process, which spares a warm hit unpickling
(local memory) or fetching (Redis) up to a megabyte. The process keeps only what the cache has given
back, so it keeps nothing when the cache is disabled (CACHE_URL=dummycache://).
"""

import hashlib
import re
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class RecentBodies:
    """The most recently used (bytes, Last-Modified) values, up to `max_bytes` of bytes in all."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._entries = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # threaded servers (runserver, gthread) share one instance

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key, value):
        size = len(value[0])
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._entries[key] = value
            self._size += size
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted[0])

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._size = 0


# A 600-talk conference's schedule page, its compressed copy and three exports take about 3 MB.
recent = RecentBodies(max_bytes=16 * 1024 * 1024)


def _stored(key):
    value = recent.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            recent.set(key, value)
    return value


def _store(key, value):
    # Kept in the process only once the cache gives it back (above): a disabled cache keeps nothing.
    cache.set(key, value, timeout=None)


def clear():
    """Forget every stored body of the shared cache and of this process (other processes keep their copies
    until they restart: a copy is only ever replaced by a new schedule version, see above)."""
    cache.clear()
    recent.clear()


def serve_cached(request, *, key, content_type, render):
    """A response for the body cached under `key`, rendered by `render()` when missing, with an ETag and
    Last-Modified (304 on a match) and kept gzip-compressed beside the plain bytes, so a warm hit
    neither renders nor compresses. `render()` returns (bytes, Last-Modified timestamp), or a response
    to send as it is, uncached (an error page)."""
    gzip = bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    # Each encoding is its own representation, with its own strong validator.
    etag = f'"{digest}-gzip"' if gzip else f'"{digest}"'
    if "HTTP_IF_NONE_MATCH" in request.META:
        # The ETag alone decides (it takes precedence over If-Modified-Since): no need to fetch the body.
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return _revalidate_only(not_modified, etag)
    stored_key = f"{key}:gzip" if gzip else key
    stored = _stored(stored_key)
    if stored is None:
        plain = _stored(key) if gzip else None
        if plain is None:
            plain = render()
            if isinstance(plain, HttpResponse):
                return plain
            _store(key, plain)
        stored = (compress_string(plain[0]), plain[1]) if gzip else plain
        if gzip:
            _store(stored_key, stored)
    body, last_modified = stored
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
        if gzip:
            response["Content-Encoding"] = "gzip"
    response["Last-Modified"] = http_date(last_modified)
    return _revalidate_only(response, etag)


def _revalidate_only(response, etag):
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    # Clients may keep a copy but must ask again each time; the ETag makes asking cheap.
    patch_cache_control(response, no_cache=True)
    return response
