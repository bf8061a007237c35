"""The visitor's language: chosen with the switcher on every page, kept in the language cookie.

English pages keep the addresses they always had; every other language has the same addresses under its
prefix (/es/kubecon-eu-2022/schedule/), so that each address is one page in one language, which caches,
links and search engines can keep apart. A visitor who chose Spanish and opens an English address (a link on
the community's website, a bookmark) is sent to its Spanish one; one who never chose gets English.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import add_never_cache_headers, cc_delim_re, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the language of the address; English without a prefix), which also sends a GET
    of an English address to the same page in the language the visitor chose, if they chose one."""

    def process_request(self, request):
        super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (
            request.method not in ("GET", "HEAD")
            or chosen == settings.LANGUAGE_CODE
            or chosen not in dict(settings.LANGUAGES)
            or translation.get_language_from_path(request.path_info) is not None
        ):
            return None
        there = address_in(request, chosen)
        if there is None or there == request.get_full_path():
            return None  # not a page of the site: its 404 is English
        response = HttpResponseRedirect(there)
        # For this visitor only: everybody else gets the English page at this address.
        add_never_cache_headers(response)
        patch_vary_headers(response, ["Cookie"])
        return response

    def process_response(self, request, response):
        response = super().process_response(request, response)
        # Django says that English addresses vary with Accept-Language, but they are English whatever the
        # browser asks for: the header would only make shared caches keep a copy per browser language.
        if response.has_header("Vary"):
            kept = [name for name in cc_delim_re.split(response["Vary"]) if name.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


def address_in(request, code):
    """The address of the page `request` asked for in language `code` (path and query string), or None where
    there is none to give: an address such as //elsewhere.example/, which browsers read as another site."""
    there = translate_url(request.get_full_path(), code)
    if urlsplit(there).netloc or not url_has_allowed_host_and_scheme(there, allowed_hosts=None):
        return None
    return there


@csrf_exempt
def choose_language(request):
    """Django's set_language (POST `language` and `next`: sets the cookie, goes to `next` in that language), for
    the switcher's form on every page.

    Without the CSRF check: the switcher sits on pages every visitor shares, which cannot carry a token, and
    all a forged request could do is change the language of the pages its victim reads. `next` is read in its
    own language, so that a Spanish address turns into its English or German one."""
    next_path = urlsplit(request.POST.get("next", "")).path
    translation.activate(translation.get_language_from_path(next_path) or settings.LANGUAGE_CODE)
    return set_language(request)
