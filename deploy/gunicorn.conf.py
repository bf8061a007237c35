"""gunicorn's settings, for production (deploy/portal.service) and for `make serve`.

Sync workers answer one request at a time and are meant to sit behind a buffering proxy (gunicorn's own
advice): nginx (deploy/nginx.conf) reads each request whole before passing it on and takes each response
at once, so a slow or idle client never holds a worker.
"""

import os

# Where nginx finds this server: an address or unix:/path (deploy/portal.service uses a socket).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Two per core is a good start; every worker keeps its own connections and, without Redis, its own cache.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request that takes longer has a bug or a database in trouble: its worker is restarted (worker_abort below).
# Organisers' work (imports, copies of an event, the admin) may take this long; anonymous requests are cut off
# far sooner by the portal itself (ANONYMOUS_REQUEST_TIMEOUT, portal/deadline.py). nginx waits 60 s.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# nginx logs every request; gunicorn logs only its own troubles, to stderr (the journal under systemd).
accesslog = None
errorlog = "-"
# gunicorn 27's control socket sits at one path per user: several instances on one machine (make serve
# --app-servers 2) would take it from each other, and nothing here uses it.
control_socket_disable = True


def worker_abort(worker):
    """gunicorn's timeout, in the worker whose request ran past it: gunicorn would answer its bare "Internal Server
    Error" and stop the worker. Raised here instead, RequestTimeout stops the request where it is and reaches
    Django's error handler as the portal's own deadline does (portal/errors.py): the visitor gets the portal's
    page to try again, with status 503, and the worker still stops once it is sent (gunicorn has marked it so),
    or is killed a second later by gunicorn if it is stuck where no exception reaches."""
    if not worker.booted:
        # Still loading the portal, in no request: gunicorn's own exit, and a new worker. (An exception here
        # would read as a worker that cannot boot, on which gunicorn stops altogether.)
        return
    from portal.deadline import RequestTimeout

    raise RequestTimeout(f"gunicorn's timeout of {timeout} s")
