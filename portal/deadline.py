"""Time limits of requests: an anonymous request that runs past ANONYMOUS_REQUEST_TIMEOUT is stopped where it is and
answered with the page to try again (portal/errors.py), so that no visitor holds a worker for long.

A gunicorn sync worker answers one request at a time: a page that takes 30 s to render (a huge event, a stuck
database) would hold the worker that long, and a few such requests every worker. Requests of signed-in staff
(organisers' admin work, imports, copies of an event) are limited by gunicorn's timeout only
(deploy/gunicorn.conf.py), which ends the same way (its worker_abort hook raises RequestTimeout too).

The deadline is an interval timer (SIGALRM): it interrupts Python code and waits on the database alike, as
gunicorn's own timeout does (with SIGABRT), where a thread could only watch. It runs where requests run in the
main thread, one at a time: gunicorn's sync workers, the test client; elsewhere (runserver's threads) there is
none.
"""

import signal
import threading

from django.conf import settings

from . import accounts


class RequestTimeout(Exception):
    """The request ran out of time; portal/errors.py answers it."""


def _interrupt(signum, frame):
    raise RequestTimeout(f"the request took longer than {settings.ANONYMOUS_REQUEST_TIMEOUT} s")


def _is_staff(request):
    """Whether a member of staff is signed in. Without the session cookie nobody is: the session is not asked,
    which would cost a query and mark the response as varying by cookie (Vary: Cookie), pages for everyone
    included."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and accounts.is_signed_in_staff(request)


class DeadlineMiddleware:
    """Gives every request but those of signed-in staff ANONYMOUS_REQUEST_TIMEOUT seconds (0: no limit).
    After AuthenticationMiddleware, which tells who is asking."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.ANONYMOUS_REQUEST_TIMEOUT
        if not seconds or _is_staff(request) or threading.current_thread() is not threading.main_thread():
            return self.get_response(request)
        previous = signal.signal(signal.SIGALRM, _interrupt)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return self.get_response(request)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
