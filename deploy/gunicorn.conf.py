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
# A request that takes longer has a bug or a database in trouble: its worker is restarted.
timeout = 30
graceful_timeout = 20
# nginx logs every request; gunicorn logs only its own troubles, to stderr (the journal under systemd).
accesslog = None
errorlog = "-"
# gunicorn 27's control socket sits at one path per user: several instances on one machine (make serve
# --app-servers 2) would take it from each other, and nothing here uses it.
control_socket_disable = True
