"""django-csp's middleware, with the site's policy built once per process instead of once per response."""

from functools import cached_property

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What the csp decorators set on a response to change its policy.
_PER_RESPONSE = [
    f"_csp_{name}{suffix}" for name in ("exempt", "config", "update", "replace") for suffix in ("", "_ro")
]


class CSPMiddleware(LibraryCSPMiddleware):
    """Sets the policies of CONTENT_SECURITY_POLICY(_REPORT_ONLY) as django-csp does.

    django-csp builds the header strings anew for every response, which costs about a tenth of a
    millisecond: as much as the rest of a cached schedule page. Here, a response that no decorator
    changed, for a page that used no nonce, gets the strings built when the first one was sent; any
    other response goes through django-csp itself.
    """

    @cached_property
    def _site_headers(self):
        headers = [(HEADER, build_policy()), (HEADER_REPORT_ONLY, build_policy(report_only=True))]
        return [(header, policy) for header, policy in headers if policy]

    @cached_property
    def _excludes_prefixes(self):
        policies = [
            getattr(settings, name, None) or {}
            for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        ]
        return any(policy.get("EXCLUDE_URL_PREFIXES") for policy in policies)

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
            or self._excludes_prefixes
            or settings.DEBUG  # django-csp leaves debug error pages alone
        ):
            return super().process_response(request, response)
        for header, policy in self._site_headers:
            if header not in response:
                response[header] = policy
        # As django-csp does: a nonce asked for after the header was written is an error, not a no-op.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
