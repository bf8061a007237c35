"""Headless Chromium for browser tests, driven by Playwright; tests skip with a reason when it is missing."""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def skip_or_fail(reason):
    """Skip a browser test with its reason, except in CI (REQUIRE_BROWSER=1), where it must run."""
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set, but: {reason}")
    pytest.skip(reason)


def chromium_path():
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    """A running headless Chromium (Debian's package), shared by the browser tests of one run."""
    path = chromium_path()
    if not path:
        skip_or_fail("Chromium is not installed (apt-get install chromium); .ci/run installs it.")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (not by the live server thread) are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        # Playwright gives each launch a new empty profile of its own.
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (empty storage) with a desktop-sized page."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium):
    """A fresh browser context the size of a phone screen (375 px wide)."""
    context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def wider_than_the_screen(page, base_url, paths, widths=(375, 768, 1024, 1440)):
    """(path, width) of each page of `paths` that scrolls sideways at a common screen width."""
    wide = []
    for path in paths:
        page.goto(base_url + path)
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            if page.evaluate("document.documentElement.scrollWidth") > width:
                wide.append((path, width))
    return wide


# The service worker, for the offline tests.


def kept_pages(page):
    """The addresses the service worker keeps on this device."""
    return page.evaluate(
        "async () => (await (await caches.open('portal-pages')).keys()).map((request) => request.url)"
    )


def wait_until_kept(page, url):
    """Waits until the service worker has saved `url` on the device (it does so after the page loaded)."""
    for _ in range(100):
        if url in kept_pages(page):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{url} was not kept; kept are {kept_pages(page)}")


def first_visit(page, url):
    """Opens `url` and waits until the service worker runs it."""
    page.goto(url)
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
