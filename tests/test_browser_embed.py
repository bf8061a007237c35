"""The embedded schedule in headless Chromium, inside a page of another site: framed where the event allows that
site, sized to its content by the portal's script, refused elsewhere."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser

EMBED = "/kubecon-eu-2022/embed/"


class OtherSite:
    """Another site on this machine (its own origin, http://127.0.0.1:PORT, beside the portal's
    http://localhost:PORT): a blog page holding an iframe of the portal, and, when asked, its sizing script.
    A real server rather than a Playwright route, since Chromium checks where the framing page comes from."""

    def __init__(self):
        self.pages = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def blog(self, frame_url, *, script_url=None):
        """The address of a page of this site with an iframe of `frame_url` and, if given, the script."""
        script = f'<script src="{script_url}" async></script>' if script_url else ""
        self.pages["/blog/"] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our community blog</title></head>'
            f'<body><h1>Our talks</h1><iframe src="{frame_url}" title="Our talks" width="600" height="150">'
            f"</iframe>{script}</body></html>"
        )
        return self.origin + "/blog/"


@pytest.fixture
def other_site():
    site = OtherSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


def embedded(page):
    """The frame of the portal's embed page in `page`, once it has loaded."""
    page.wait_for_load_state("load")
    return next(frame for frame in page.frames if frame.url.startswith("http") and "/embed/" in frame.url)


def test_a_site_the_event_allows_shows_the_schedule_sized_to_it(page, live_server, kubecon, other_site):
    kubecon.embed_origins = other_site.origin
    kubecon.save()

    page.goto(
        other_site.blog(
            live_server.url + EMBED + "?q=cilium", script_url=live_server.url + "/static/js/embed.js"
        )
    )
    frame = embedded(page)

    links = frame.locator(".embed-talk-title")
    assert links.count() > 3
    assert frame.locator(".site-header, .filters, button.star").count() == 0
    # The script makes the frame as tall as the list, far taller than the 150 px it was given.
    page.wait_for_function("() => document.querySelector('iframe').getBoundingClientRect().height > 500")
    content_height = frame.evaluate("() => document.documentElement.getBoundingClientRect().height")
    inner_height = page.evaluate("() => document.querySelector('iframe').clientHeight")  # inside its border
    assert 0 <= inner_height - content_height < 1
    assert frame.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight")

    # A talk opens in the top window, on the portal.
    first = links.first.inner_text()
    links.first.click()
    page.wait_for_url(f"{live_server.url}/kubecon-eu-2022/talks/**")
    assert page.get_by_role("heading", level=1).inner_text() == first


def test_without_the_script_the_frame_keeps_its_size_and_scrolls(page, live_server, kubecon, other_site):
    kubecon.embed_origins = other_site.origin
    kubecon.save()

    page.goto(other_site.blog(live_server.url + EMBED + "?day=2022-05-19"))
    frame = embedded(page)

    assert frame.locator(".embed-talk-title").all_inner_texts() == [
        "Choosing Cloud Native Technologies for the Journey to Multi-cloud",
        "Cilium: Welcome, Vision and Updates",
        "Transparent Live Migration of Services Between Kubernetes Clusters",
    ]
    assert page.evaluate("() => document.querySelector('iframe').clientHeight") == 150
    assert frame.evaluate("() => document.documentElement.scrollHeight > window.innerHeight")


def refusals_of(page):
    """What Chromium logs on `page` when a frame's Content-Security-Policy refuses it."""
    found = []
    page.on(
        "console", lambda message: found.append(message.text) if "frame-ancestors" in message.text else None
    )
    return found


def portal_frames(page, live_server):
    return [frame for frame in page.frames if frame.url.startswith(live_server.url)]


THIS_SITE = object()  # stands for the origin of the framing page, which each test's other_site has


@pytest.mark.parametrize(
    ("allowed", "path", "directive"),
    [
        # The embed, framed by a site the event does not list.
        ("https://blog.example.org", EMBED, '"frame-ancestors https://blog.example.org"'),
        # Any other page, even framed by a site the event lists.
        (THIS_SITE, "/kubecon-eu-2022/schedule/", "\"frame-ancestors 'none'\""),
        (THIS_SITE, "/kubecon-eu-2022/talks/kubernetes-networking-101/", "\"frame-ancestors 'none'\""),
    ],
)
def test_chromium_refuses_the_frame_to_other_sites_and_of_other_pages(
    page, live_server, kubecon, other_site, allowed, path, directive
):
    kubecon.embed_origins = other_site.origin if allowed is THIS_SITE else allowed
    kubecon.save()
    refusals = refusals_of(page)

    page.goto(other_site.blog(live_server.url + path))
    page.wait_for_load_state("load")

    assert portal_frames(page, live_server) == []
    assert len(refusals) == 1
    assert refusals[0].startswith(f"Framing '{live_server.url}/' violates")
    assert directive in refusals[0]
