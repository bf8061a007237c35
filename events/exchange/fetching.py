"""Fetching a programme by its http(s) address, within a time and size limit, never from a private or local
address (the check is made on the address actually connected to, also after a redirect)."""

import ipaddress
import time
import urllib.error
import urllib.request
from http.client import HTTPConnection, HTTPSConnection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .programme import ProgrammeError


class _PublicOnly:
    """Connects, then refuses a peer that is not a public address: the check sees the address actually
    connected to, so a name that resolves to a private address (or changes to one) cannot reach inside."""

    def connect(self):
        super().connect()
        address = ipaddress.ip_address(self.sock.getpeername()[0])
        if not settings.IMPORT_ALLOW_PRIVATE_ADDRESSES and not address.is_global:
            self.sock.close()
            raise ProgrammeError(
                _("%(host)s is a private or local address (%(address)s); give a public one.")
                % {"host": self.host, "address": address}
            )


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def _opener():
    # Only http and https, also after a redirect: no file:, ftp: or data: handlers.
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PublicHTTPHandler(),
        _PublicHTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch_programme(address):
    """The bytes at an http(s) address, within IMPORT_TIMEOUT seconds and IMPORT_MAX_MB megabytes."""
    try:
        URLValidator(schemes=["http", "https"])(address)
    except ValidationError:
        raise ProgrammeError(
            _("“%(address)s” is not an http:// or https:// address.") % {"address": address}
        ) from None
    limit, seconds = settings.IMPORT_MAX_MB * 1024 * 1024, settings.IMPORT_TIMEOUT
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(
        address, headers={"User-Agent": "community-event-portal (talk import)", "Accept-Encoding": "identity"}
    )
    try:
        with _opener().open(request, timeout=seconds) as response:
            chunks, size = [], 0
            # read1: at most one read from the socket, so a server trickling bytes meets the deadline too.
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ProgrammeError(
                        _("%(address)s sends more than %(limit)d MB.")
                        % {"address": address, "limit": settings.IMPORT_MAX_MB}
                    )
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        status = f"{exc.code} {exc.reason}"
        # Translators: %(status)s is the HTTP status the server answered, such as “404 Not Found”.
        message = _("%(address)s answered %(status)s.") % {"address": address, "status": status}
        raise ProgrammeError(message) from None
    except TimeoutError:
        raise ProgrammeError(_no_answer(address, seconds)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ProgrammeError(_no_answer(address, seconds)) from None
        raise ProgrammeError(_unreachable(address, reason)) from None
    except OSError as exc:
        raise ProgrammeError(_unreachable(address, exc)) from None
    return b"".join(chunks)


def _no_answer(address, seconds):
    return ngettext(
        # Translators: the English text is the same for any count; give each plural form its own wording.
        "%(address)s did not answer within %(seconds)d seconds.",
        "%(address)s did not answer within %(seconds)d seconds.",
        seconds,
    ) % {"address": address, "seconds": seconds}


def _unreachable(address, reason):
    # Translators: %(reason)s is the system's own explanation, in English, such as “Connection refused”.
    return _("%(address)s cannot be reached: %(reason)s.") % {"address": address, "reason": reason}
