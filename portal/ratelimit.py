"""Per-client counters for braking repeated attempts (sign-ins, signups).

They are rows of the database (portal.models.Counter), which every process and every app server shares: a
brake that each of two workers counted on its own would let twice as many attempts through. Each attempt
is one UPDATE, so attempts made at the same moment are all counted, and the count it returns is that
attempt's own: the UPDATE holds the row until its transaction ends, so no other attempt is counted between
it and the read of its value.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import Counter


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
    """Add one to the counter `key`, whose window ends `window` seconds after its first attempt; return the
    new value, this attempt's place in the window. An ended window starts again at one."""
    # No savepoint inside a caller's transaction: the row stays held until that one ends, which is all this needs.
    with transaction.atomic(savepoint=False):
        return _count(key, window)


def _count(key, window):
    now = timezone.now()
    ends = now + dt.timedelta(seconds=window)
    running = Q(expires_at__gt=now)
    updated = Counter.objects.filter(key=key).update(
        count=Case(When(running, then=F("count") + 1), default=Value(1)),
        expires_at=Case(When(running, then=F("expires_at")), default=Value(ends)),
    )
    if not updated:
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, count=1, expires_at=ends)
        except IntegrityError:  # another attempt created it at the same moment: count on it
            return _count(key, window)
        # Rows of windows that ended long ago are of no use: a new row clears them out.
        Counter.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return current(key)


def current(key):
    """The count of `key` in its running window, 0 if none."""
    counter = Counter.objects.filter(key=key, expires_at__gt=timezone.now()).first()
    return counter.count if counter else 0


def seconds_left(key):
    """Seconds until the running window of `key` ends, 0 if none."""
    counter = Counter.objects.filter(key=key, expires_at__gt=timezone.now()).first()
    return int((counter.expires_at - timezone.now()).total_seconds()) + 1 if counter else 0


def uncount(key):
    """Take back one attempt of `key` (one that turned out not to be what the counter counts)."""
    Counter.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def reset(key):
    Counter.objects.filter(key=key).delete()


def hold(key, seconds):
    """Start a hold on `key` for `seconds` unless one is running: True if this call holds it now. Of calls at
    the same moment only one gets it."""
    now = timezone.now()
    ends = now + dt.timedelta(seconds=seconds)
    with transaction.atomic(savepoint=False):
        if Counter.objects.filter(key=key, expires_at__lte=now).update(count=1, expires_at=ends):
            return True
        if Counter.objects.filter(key=key).exists():
            return False
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, count=1, expires_at=ends)
        except IntegrityError:  # another call started it at the same moment
            return False
    return True
