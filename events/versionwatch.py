"""Events each process remembers until the database says that something changed.

Every event page starts by reading its event (events/middleware.py), and a page kept in the cache needs
nothing else: that read (on PostgreSQL with the check of the connection before it) was most of a warm hit.
On PostgreSQL a connection of the process's own LISTENs for the notification a trigger sends on every
change to events (migration 0006); on SQLite, PRAGMA data_version tells whether another connection has
committed anything to the database file since the last look. `make bench` measured kept pages at 1.7 to
2.2 times the requests per second on PostgreSQL and 1.2 to 1.5 times on SQLite (bench/README.md).
"""

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

# A bound on trusting a remembered event, should a notification be late or lost without its connection
# failing. A second costs one query per second per process.
MAX_AGE = 1.0
# After a failed attempt to listen, read the event on each request for this long before trying again.
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
    """Events by address for one database alias, remembered while nothing changes.

    On PostgreSQL each process listens on a connection of its own; any notification makes it forget
    everything it remembers. PostgreSQL signals the listeners as a change commits, before the writer hears
    back, so a request made after a save normally finds it forgotten. On SQLite each request first asks its
    connection for the file's data_version, which moves whenever another connection commits, and forgets
    everything when it moved (or when the connection is a new one). Either way an event is trusted for at
    most MAX_AGE seconds, changes made in this process are forgotten as their transaction commits, and what
    is remembered is used only outside transactions (a row read inside one may be rolled back) and only
    while the watch works; otherwise the event is read on every request.
    """

    def __init__(self, alias):
        self.alias = alias
        self._lock = threading.Lock()  # threaded servers (runserver, gthread) share one instance
        self._listener = None
        self._retry_at = 0.0
        self._known = {}  # slug -> (what read(slug) gave, monotonic time of the read)
        self._generation = 0  # moves on with every forget, so a read older than it is not kept
        self._file_version = None  # SQLite: (connection, PRAGMA data_version) at the last look

    def state(self, slug, read):
        """What `read(slug)` gives for the event with address `slug` (None: no event), remembered while it holds."""
        connection = connections[self.alias]
        if connection.in_atomic_block or connection.vendor not in ("postgresql", "sqlite"):
            return read(slug)
        if connection.vendor == "postgresql" and not settings.SCHEDULE_VERSION_LISTEN:
            return read(slug)
        file_version = _data_version(connection) if connection.vendor == "sqlite" else None
        with self._lock:
            if file_version is None:
                listening = self._listening()
            else:
                listening = True
                last, self._file_version = self._file_version, file_version
                # `is` on the connection: a new one starts a count of its own.
                if last is None or last[0] is not file_version[0] or last[1] != file_version[1]:
                    self._forget()
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
        """Forget every remembered event: the next request of each reads it."""
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
            self._file_version = None

    def _after_fork_in_child(self):
        # The listening connection belongs to the parent (psycopg does not close a connection in a
        # process that forked it), and a lock held at the fork would never be released.
        self._lock = threading.Lock()
        self._listener = None
        self._retry_at = 0.0
        self._file_version = None
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
                "Cannot listen for schedule changes; reading the event on every request for now. "
                "Behind a pooler in transaction mode, set SCHEDULE_VERSION_LISTEN=false.",
                exc_info=True,
            )
            if listener is not None:
                listener.close()
            self._retry_at = time.monotonic() + RETRY_AFTER
            return False
        # Events read before listening might have changed unannounced: start afresh.
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


def _data_version(connection):
    """(the SQLite connection, its PRAGMA data_version): the number moves when another connection commits."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        return connection.connection, cursor.fetchone()[0]


_watches = {}
_watches_lock = threading.Lock()


def watch(alias="default"):
    """The VersionWatch of database `alias`, one per process."""
    with _watches_lock:
        if alias not in _watches:
            _watches[alias] = VersionWatch(alias)
        return _watches[alias]


def reset():
    """Forget every remembered event and stop listening, for every alias (tests, between tests)."""
    for each in list(_watches.values()):
        each.reset()


def _after_fork_in_child():
    # A forked process (gunicorn --preload) inherits its parent's watches: start each afresh.
    global _watches_lock
    _watches_lock = threading.Lock()
    for each in _watches.values():
        each._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
