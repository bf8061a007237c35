"""Per-client counters for braking repeated attempts (sign-ins, signups).

They live in the "counters" cache, which every process and server shares (settings.CACHES): a brake that
each of two workers counted on its own would let twice as many attempts through.
"""

from django.conf import settings
from django.core.cache import caches


def client_address(request):
    """The client's IP address; behind NUM_PROXIES trusted proxies, read from X-Forwarded-For."""
    hops = settings.NUM_PROXIES
    if hops:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "unknown")


def count(key, window):
    """Add one to the counter `key`, which expires `window` seconds after its first hit; return the new value."""
    cache = caches["counters"]
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)
        return 1


def current(key):
    return caches["counters"].get(key, 0)


def reset(key):
    caches["counters"].delete(key)
