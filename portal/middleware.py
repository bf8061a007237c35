"""Refuses uploads before their body is read, wherever no form takes files."""

from django.http import HttpResponse
from django.utils.translation import gettext as _


class RefuseUnexpectedUploadsMiddleware:
    """Answers a multipart body (the encoding of file uploads) with 415 before anything reads it, unless the
    address belongs to the admin, the only place with forms that may take files.

    Without this, the CSRF check reads the whole body, files included, to find its token: a 200 MB upload to
    the public signup form would be written to disk before being refused. nginx limits bodies too
    (deploy/nginx.conf); this covers the app wherever it runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.content_type != "multipart/form-data" or request.resolver_match.namespace == "admin":
            return None
        return HttpResponse(
            _("This address takes no file uploads: send the form as application/x-www-form-urlencoded.")
            + "\n",
            status=415,
            content_type="text/plain; charset=utf-8",
        )
