"""Schedule versions remembered by each process on PostgreSQL, forgotten when PostgreSQL says an event changed.

A warm hit of a cached page needs only its event's id and schedule version (EventQuerySet.schedule_state),
and on PostgreSQL the round trip to read them costs more than the rest of the hit. So each process reads
a version once and keeps it, and listens on its own connection to the channel that a trigger on the
events table speaks on whenever a row changes (migration 0006): any notification makes the process
forget every version it holds, and the next request reads them again.

PostgreSQL signals the listening connections as the change commits, before the writer is told that it
committed, and each passes the notification on to its process straight away: in the time a saved
change takes to be answered and a page to be asked for, every process has heard of it. Changes made by
this process are also forgotten here directly, as their transaction commits.

What is remembered is used only outside transactions (a version read inside one may yet be rolled back:
tests run inside one and always ask), for at most MAX_AGE seconds in any case, and only while the
listening connection is up: a process that cannot listen (a pooler in transaction mode, a database
restart) asks the database on every request, as SQLite always does, and tries to listen again later.
SCHEDULE_VERSION_LISTEN=false turns it off.
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

CHANNEL = "events_event_changed"  # the trigger of migration 0006 notifies it

# A bound on trusting a remembered version, should a notification ever go missing without its
# connection failing. A second costs one query per second per process.
MAX_AGE = 1.0
# After a failed attempt to listen, ask the database on each request for this long before retrying.
RETRY_AFTER = 30.0


class VersionWatch:
    """(pk, schedule_version) by event address for one database alias, kept while nothing changes."""

    def __init__(self, alias):
        self.alias = alias
        self._lock = threading.Lock()  # threaded servers (runserver, gthread) share one instance
        self._listener = None
        self._listener_pid = None
        self._retry_at = 0.0
        self._known = {}  # slug -> ((pk, version), monotonic time of the read)
        self._generation = 0  # moves on with every forget(), so a read older than it is not kept

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
        with self._lock:
            self._forget()

    def forget_after_commit(self):
        """Forget once the current transaction of this alias commits (at once outside one)."""
        transaction.on_commit(self.forget, using=self.alias)

    def _forget(self):
        self._known.clear()
        self._generation += 1

    def _listening(self):
        """Whether this process listens, after taking in the notifications that have arrived."""
        if self._listener is not None and self._listener_pid != os.getpid():
            # Inherited through a fork: that connection belongs to the parent process; leave it alone.
            self._listener = None
            self._forget()
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
        if time.monotonic() < self._retry_at:
            return False
        try:
            params = connections[self.alias].get_connection_params()
            listener = psycopg.connect(**{**params, "autocommit": True})
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            logger.warning(
                "Cannot listen for schedule changes; reading the version on every request for now.",
                exc_info=True,
            )
            self._retry_at = time.monotonic() + RETRY_AFTER
            return False
        # Versions read before listening might have changed unannounced: start afresh.
        self._forget()
        self._listener, self._listener_pid = listener, os.getpid()
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
    with _watches_lock:
        if alias not in _watches:
            _watches[alias] = VersionWatch(alias)
        return _watches[alias]


def reset():
    """Forget every remembered version and stop listening, for every alias (tests, between tests)."""
    for each in list(_watches.values()):
        with each._lock:
            if each._listener is not None:
                each._close()
            each._forget()
            each._retry_at = 0.0
