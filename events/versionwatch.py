"""Schedule versions each process remembers on PostgreSQL until PostgreSQL notifies that an event changed."""

import logging
import os
import select
import threading
import time

import psycopg
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

CHANNEL = "events_event_changed"  # the trigger of migration 0006 notifies it on every change to events

# A bound on trusting a remembered version, should a notification be late or lost without its connection
# failing. A second costs one query per second per process.
MAX_AGE = 1.0
# After a failed attempt to listen, read the version on each request for this long before trying again.
RETRY_AFTER = 30.0
# How long the listening connection may take to hear its own probe notification.
PROBE_TIMEOUT = 0.5
# The listening connection gives up on an unreachable server, and notices a dead peer, within seconds.
LISTENER_OPTIONS = {
    "autocommit": True,
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class VersionWatch:
    """(pk, schedule_version) by event address for one database alias, remembered while nothing changes.

    A warm hit of a cached page needs only these two integers, and on PostgreSQL the round trip to read
    them cost half of the hit. Each process listens on a connection of its own; any notification makes
    it forget everything it remembers. PostgreSQL signals the listeners as a change commits, before the
    writer hears back, so a request made after a save normally finds it forgotten; at worst a version is
    trusted for MAX_AGE seconds. Changes made in this process are forgotten as their transaction commits.
    What is remembered is used only outside transactions (a version read inside one may be rolled back)
    and only while the listening connection works; otherwise the version is read on every request.
    """

    def __init__(self, alias):
        self.alias = alias
        self._lock = threading.Lock()  # threaded servers (runserver, gthread) share one instance
        self._listener = None
        self._retry_at = 0.0
        self._known = {}  # slug -> ((pk, version), monotonic time of the read)
        self._generation = 0  # moves on with every forget, so a read older than it is not kept

    def state(self, slug, read):
        """The state of the event with address `slug`: remembered, or `read(slug)` (None: no event)."""
        connection = connections[self.alias]
        if (
            connection.vendor != "postgresql"
            or connection.in_atomic_block
            or not settings.SCHEDULE_VERSION_LISTEN
        ):
            return read(slug)
        with self._lock:
            listening = self._listening()
            started = time.monotonic()
            if listening:
                known = self._known.get(slug)
                if known is not None and started - known[1] < MAX_AGE:
                    return known[0]
            generation = self._generation
        state = read(slug)
        if listening and state is not None:
            with self._lock:
                # Kept only if nothing was forgotten while it was read: it might predate that change.
                if generation == self._generation:
                    self._known[slug] = (state, started)
        return state

    def forget(self):
        """Forget every remembered version: the next request of each event reads it."""
        with self._lock:
            self._forget()

    def forget_after_commit(self):
        """Forget once the current transaction of this alias commits (at once outside one)."""
        transaction.on_commit(self.forget, using=self.alias)

    def reset(self):
        """Forget everything and stop listening; the next request starts afresh (tests)."""
        with self._lock:
            if self._listener is not None:
                self._close()
            self._forget()
            self._retry_at = 0.0

    def _after_fork_in_child(self):
        # The listening connection belongs to the parent (psycopg does not close a connection in a
        # process that forked it), and a lock held at the fork would never be released.
        self._lock = threading.Lock()
        self._listener = None
        self._retry_at = 0.0
        self._forget()

    def _forget(self):
        self._known.clear()
        self._generation += 1

    def _listening(self):
        """Whether this process listens, after taking in the notifications that have arrived."""
        if self._listener is None:
            return self._listen()
        try:
            heard = self._take_in()
        except (psycopg.Error, OSError):
            logger.warning("Lost the connection that listens for schedule changes.", exc_info=True)
            self._close()
            return self._listen()
        if heard:
            self._forget()
        return True

    def _take_in(self):
        """Read what has arrived on the listening connection, without waiting: whether it held a
        notification. Raises psycopg.OperationalError if the connection has ended."""
        pgconn = self._listener.pgconn
        readable = select.poll()  # not select(): it cannot watch descriptors numbered 1024 and above
        readable.register(pgconn.socket, select.POLLIN)
        heard = False
        # Until nothing is left to read: a connection's end shows only on the read after its last message.
        while readable.poll(0):
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                heard = True
        return heard

    def _listen(self):
        """Open the listening connection, and check that a notification reaches it (a pooler in
        transaction mode accepts LISTEN but passes nothing on)."""
        if time.monotonic() < self._retry_at:
            return False
        listener = None
        try:
            params = connections[self.alias].get_connection_params()
            listener = psycopg.connect(**{**params, **LISTENER_OPTIONS})
            listener.execute(f"LISTEN {CHANNEL}")
            listener.execute("SELECT pg_notify(%s, 'probe')", [CHANNEL])
            heard = list(listener.notifies(timeout=PROBE_TIMEOUT, stop_after=1))
            if not heard:
                raise psycopg.OperationalError("the connection did not hear its own notification")
        except psycopg.Error:
            logger.warning(
                "Cannot listen for schedule changes; reading the version on every request for now. "
                "Behind a pooler in transaction mode, set SCHEDULE_VERSION_LISTEN=false.",
                exc_info=True,
            )
            if listener is not None:
                listener.close()
            self._retry_at = time.monotonic() + RETRY_AFTER
            return False
        # Versions read before listening might have changed unannounced: start afresh.
        self._forget()
        self._listener = listener
        return True

    def _close(self):
        listener, self._listener = self._listener, None
        self._forget()
        try:
            listener.close()
        except (psycopg.Error, OSError):
            pass  # it is being thrown away


_watches = {}
_watches_lock = threading.Lock()


def watch(alias="default"):
    """The VersionWatch of database `alias`, one per process."""
    with _watches_lock:
        if alias not in _watches:
            _watches[alias] = VersionWatch(alias)
        return _watches[alias]


def reset():
    """Forget every remembered version and stop listening, for every alias (tests, between tests)."""
    for each in list(_watches.values()):
        each.reset()


def _after_fork_in_child():
    # A forked process (gunicorn --preload) inherits its parent's watches: start each afresh.
    global _watches_lock
    _watches_lock = threading.Lock()
    for each in _watches.values():
        each._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
