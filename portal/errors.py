"""The error page: a database that cannot be reached is a 503 to retry, not a server error."""

import sys

from django.db import InterfaceError, OperationalError
from django.views import defaults

# Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 60


def server_error(request):
    """handler500. Django calls it while handling the exception, so sys.exception() is what went wrong.

    OperationalError and InterfaceError are the database being down, restarting or refusing connections:
    the request may succeed in a minute, so the answer is 503 with Retry-After (nginx then serves its last
    good copy of pages it keeps, see deploy/nginx.conf). Neither page touches the database.
    """
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        response = defaults.server_error(request, template_name="503.html")
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
