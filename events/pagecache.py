"""Pages and exports that are the same for every visitor, kept in the cache and served with an ETag.

A page is kept with the schedule version of its event (Event.schedule_version, bumped whenever anything
the schedule shows changes) and served from the cache while that version is current; after a change it is
rendered again on the next request. A hit needs nothing but the event, which the event middleware has read
(remembered by the process, see events/versionwatch.py). Each copy is kept plain and, once a
client asks for it, gzip-compressed, so a hit neither renders nor compresses; each has its own strong ETag,
and a match gets a 304.

Rendering after a change stays quick because each talk's share of a page is kept on its own, under the
talk's change time (Talk.updated_at, which moves whenever anything shown of the talk changes) and the language: the schedule's
blocks of talks with Django's {% cache %} tag (for KEEP_SECONDS, under RENDER_REVISION), the exports' talks
with `per_talk()`.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, QueryDict
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.text import compress_string

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers of a view's response that its cached copy keeps. Headers that depend on more than the schedule (the
# embed pages' frame-ancestors, events/views.py) are set by a decorator outside this cache, on every response.
_KEPT_HEADERS = ("Content-Type", "Content-Disposition")
# A copy nobody asks for leaves a shared cache after a day rather than filling it.
KEEP_SECONDS = 24 * 60 * 60


# Every query parameter a kept page reads. nginx's cache key names each of them and nothing else of the query
# string (deploy/nginx.conf, proxy_cache_key): a parameter a page reads must be here and there, or nginx would
# answer it with the copy of another value. tests/test_pagecache.py compares the two.
QUERY_PARAMETERS = ("day", "track", "kind", "room", "q", "page", "talks", "tz", "times")


def read_query(query_string, names):
    """The parameters `names` of `query_string` as nginx reads them for its cache key ($arg_<name>): the first
    pair `name=value` of each, the name in any case of its ASCII letters, undecoded; absent ones left out.
    Returned as a QueryDict (values decoded as Django decodes them, stripped of surrounding spaces), in the
    order of `names`. Read any other way, a query string that nginx's key files under one value (`?DAY=1`,
    `?day=1&day=2`) could be rendered here with another and kept for everybody under the wrong key."""
    first = {}
    for pair in query_string.split("&"):
        name, equals, value = pair.partition("=")
        name = name.lower() if name.isascii() else name
        if equals and name in names and name not in first:
            first[name] = value
    decoded = [(name, QueryDict(f"v={first[name]}")["v"].strip()) for name in names if name in first]
    return QueryDict(urlencode(decoded))


def as_kept(request, reads):
    """Narrows `request` to what a page for every visitor may show of it: the parameters `reads` of its query
    string (read_query()), and nothing else. The view reads `request.GET`, and the page shows its own address
    (the language switcher, its versions in other languages, its filter links) from `request.get_full_path()`:
    both now say the same for `?day=2022-05-16&utm_source=x` as for `?day=2022-05-16`, so that one copy, here
    and at nginx, answers both, and no visitor's made-up parameter is kept for everybody."""
    for name in reads:
        if name not in QUERY_PARAMETERS:
            raise ValueError(f"“{name}” is missing from pagecache.QUERY_PARAMETERS and nginx's cache key.")
    query = read_query(request.META.get("QUERY_STRING", ""), reads)
    request.GET = query
    request.META["QUERY_STRING"] = query.urlencode()
    return request


def cache_per_schedule_version(reads=(), variant=lambda request: "", several=()):
    """View decorator: a GET of the view is answered from the cache once it has rendered with status 200 for the
    current version of the event's schedule (the event middleware gives `request.event`).

    The page is told apart by the query parameters it `reads` (a tuple of QUERY_PARAMETERS) and sees no other
    (as_kept()), so made-up parameters never make it render again; `variant(request)` names what else it shows
    (the day it opens on while the event runs), or returns None to have the view render for this request and
    keep nothing (a search: as many as visitors can type). A request that repeats one of the parameters `several`
    (which the page reads as a list) is rendered for its visitor, with all of them, and nothing kept: nginx
    passes such requests by its cache too (deploy/nginx.conf). Nothing of a draft event is kept
    (events/middleware.py). Only for pages that are the same for every visitor: no form, no CSRF token, no
    message, nothing that depends on the time of the request.
    """

    def decorator(view):
        @wraps(view)
        def cached_view(request, *args, **kwargs):
            # A draft, shown to an organiser, is neither kept nor served from what was kept.
            if request.method not in ("GET", "HEAD") or getattr(request, "previewing_draft", False):
                return view(request, *args, **kwargs)
            if any(len(request.GET.getlist(name)) > 1 for name in several):
                return view(request, *args, **kwargs)
            as_kept(request, reads)
            name = variant(request)
            if name is None:
                return view(request, *args, **kwargs)
            return _serve(
                request, f"{request.GET.urlencode()}|{name}", lambda: view(request, *args, **kwargs)
            )

        return cached_view

    return decorator


def shared_at_the_edge(view):
    """View decorator for pages that are the same for every visitor but show the time's state (what is on now,
    which events are past): they are not kept here, but nginx or a CDN in front may keep them for
    EDGE_CACHE_SECONDS, so a crowd opening the home page costs a render a second."""

    @wraps(view)
    def shared_view(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            # Kept by nginx whatever the query string (its key names only QUERY_PARAMETERS): they read none of it.
            as_kept(request, ())
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            patch_cache_control(response, public=True, max_age=0, s_maxage=settings.EDGE_CACHE_SECONDS)
        return response

    return shared_view


def same_for_a_release(view):
    """View decorator for responses that change only with a release (and the address, which names the language):
    the JavaScript catalogue. An ETag from RENDER_REVISION answers a browser's check with a 304, and shared
    caches keep them as they keep pages."""

    @wraps(view)
    def released_view(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            as_kept(request, ())
        digest = hashlib.sha256(f"{settings.RENDER_REVISION}|{request.path}".encode()).hexdigest()[:32]
        etag = f'"{digest}"'
        response = get_conditional_response(request, etag=etag) or view(request, *args, **kwargs)
        return _validated(response, etag)

    return released_view


def _serve(request, variant, render):
    event = request.event
    gzip = bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
    # Scheme and host are part of the page since pages and exports carry absolute links; RENDER_REVISION
    # changes with every release, so a shared cache (Redis) never serves another release's markup.
    # The address names the language (/es/…), but the language is in the key anyway: a page is kept per
    # language whatever its address.
    language = translation.get_language()
    page = f"{settings.RENDER_REVISION}|{language}|{request.scheme}://{request.get_host()}|{request.path}|{variant}"
    key = "page:" + hashlib.sha256(page.encode()).hexdigest()
    # Each version and encoding is its own representation, with its own strong validator.
    digest = hashlib.sha256(f"{key}|{event.pk}|{event.schedule_version}".encode()).hexdigest()[:32]
    etag = f'"{digest}-gzip"' if gzip else f'"{digest}"'
    # The ETag alone: a time could not tell this release's markup from the last one's.
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _validated(not_modified, etag)
    version = (event.pk, event.schedule_version)
    stored = _current(f"{key}:gzip" if gzip else key, version)
    if stored is None:
        plain = _current(key, version) if gzip else None
        if plain is None:
            response = render()
            if hasattr(response, "render"):
                response.render()
            if response.status_code != 200 or response.streaming:
                return response  # an error page or a 400 is for its visitor only
            plain = (response.content, {name: response[name] for name in _KEPT_HEADERS if name in response})
            cache.set(key, (version, *plain), KEEP_SECONDS)
        stored = (compress_string(plain[0]), plain[1]) if gzip else plain
        if gzip:
            cache.set(f"{key}:gzip", (version, *stored), KEEP_SECONDS)
    body, headers = stored
    response = HttpResponse(body, headers=headers)
    if gzip:
        response["Content-Encoding"] = "gzip"
    return _validated(response, etag)


def _current(key, version):
    """(body, headers) kept under `key` if it was rendered from `version` of the schedule, else None."""
    stored = cache.get(key)
    if stored is None or stored[0] != version:
        return None
    return stored[1:]


def _validated(response, etag):
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    # Browsers may keep a copy but ask again each time (max-age=0), which the ETag makes cheap. Shared caches
    # (nginx in front, a CDN) may answer for EDGE_CACHE_SECONDS without asking, so a crowd costs one render
    # per change, and may serve their last copy for a day while the portal answers with errors.
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.EDGE_CACHE_SECONDS,
        stale_if_error=KEEP_SECONDS,
    )
    return response


def per_talk(talks, render, *, name, vary=()):
    """[render(talk) for talk in talks], each kept in the cache under the talk's id and change time, so that a
    page rendered after one talk changed renders only that talk again. `name` names the piece; `vary` lists
    everything besides the talk that the piece shows (the event's address and zone, the host of its links)."""
    context = "|".join(map(str, [settings.RENDER_REVISION, translation.get_language(), name, *vary]))
    prefix = "talk:" + hashlib.sha256(context.encode()).hexdigest()[:32]
    keys = [f"{prefix}:{talk.pk}:{talk.updated_at.timestamp()}" for talk in talks]
    kept = cache.get_many(keys)
    missing = {key: render(talk) for key, talk in zip(keys, talks, strict=True) if key not in kept}
    cache.set_many(missing, KEEP_SECONDS)
    return [kept[key] if key in kept else missing[key] for key in keys]
