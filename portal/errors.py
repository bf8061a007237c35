"""The error page: a database that cannot be reached, or a request that ran out of time, is a 503 to retry, not a
server error."""

import logging
import sys

from django.db import InterfaceError, OperationalError, connections
from django.views import defaults
from psycopg.pq import TransactionStatus

from .deadline import RequestTimeout

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 60


def server_error(request):
    """handler500. Django calls it while handling the exception, so sys.exception() is what went wrong.

    OperationalError and InterfaceError are the database being down, restarting or refusing connections:
    the request may succeed in a minute, so the answer is 503 with Retry-After (nginx then serves its last
    good copy of pages it keeps, see deploy/nginx.conf). RequestTimeout is a request stopped by its deadline
    or gunicorn's timeout (portal/deadline.py): a 503 too, with the page that says it took too long. Neither
    page touches the database.
    """
    exception = sys.exception()
    if isinstance(exception, RequestTimeout):
        abandon_queries()
        return _retry_later(request, "timeout.html")
    if isinstance(exception, OperationalError | InterfaceError):
        return _retry_later(request, "503.html")
    return defaults.server_error(request)


def _retry_later(request, template_name):
    response = defaults.server_error(request, template_name=template_name)
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def abandon_queries():
    """A query the deadline cut short still runs in the database, and its connection waits for the results: the
    query is cancelled and the connection closed (the next request opens a new one)."""
    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if connection.vendor != "postgresql" or raw is None:
            continue
        if raw.info.transaction_status != TransactionStatus.ACTIVE:
            continue
        try:
            raw.cancel()
        except Exception:  # the connection is closed below whatever happens
            logger.exception("Could not cancel the query of a request that ran out of time")
        connection.close()
