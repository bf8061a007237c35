"""An axe-core audit of every public page of the fixture in headless Chromium: no serious or critical violations,
with the system set to light and to dark colours (the stylesheet follows prefers-color-scheme), in English and,
for the main pages, in Spanish and German; and of a draft's pages as an organiser sees them, with their banner."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from events.models import Event
from tests.browser import skip_or_fail
from tests.conftest import sign_in_with_second_factor

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
EVENT = "/kubecon-eu-2022"
PAGES = [
    "/",
    f"{EVENT}/",
    f"{EVENT}/schedule/",
    f"{EVENT}/schedule/?day=2022-05-19",
    f"{EVENT}/talks/leveraging-cilium-and-srv6-for-telco-networking/",
    f"{EVENT}/speakers/",
    f"{EVENT}/speakers/daniel-bernier/",
    f"{EVENT}/booth/",
    f"{EVENT}/office-hours/",
    f"{EVENT}/no-such-page/",
    f"{EVENT}/schedule/?q=cilium+mesh",
    f"{EVENT}/schedule/changes/",
    f"{EVENT}/my-schedule/",
    f"{EVENT}/my-schedule/?talks=kubernetes-networking-101,better-bandwidth-management-with-ebpf",
    f"{EVENT}/speakers/?q=daniel",
    f"{EVENT}/embed/",
    f"{EVENT}/embed/?q=cilium",
    f"{EVENT}/schedule/?track=no-such-track",
    "/offline",
    # The pages in the other languages the portal ships: longer words, and each language named in itself.
    f"/es{EVENT}/schedule/",
    f"/de{EVENT}/schedule/",
    f"/es{EVENT}/office-hours/",
    f"/de{EVENT}/office-hours/",
    f"/de{EVENT}/talks/leveraging-cilium-and-srv6-for-telco-networking/",
]
STATUS = {f"{EVENT}/no-such-page/": 404, f"{EVENT}/schedule/?track=no-such-track": 400}
# A big schedule: the room grid, one day at a time, a room's page.
GRID_PAGES = [
    "/gridcon/schedule/",
    "/gridcon/schedule/?day=2022-05-18&room=hall-b",
    "/gridcon/speakers/",
    "/gridcon/embed/?day=2022-05-18",
]


@pytest.fixture(params=["light", "dark"])
def audited_page(request, chromium):
    if not AXE.exists():
        skip_or_fail("axe-core is not installed (npm ci); .ci/run installs it.")
    # The portal's CSP refuses injected scripts, as it should; the audit context lifts it to add axe.
    context = chromium.new_context(
        bypass_csp=True, viewport={"width": 1280, "height": 900}, color_scheme=request.param
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("width", [375, 1440])
def test_public_pages_have_no_serious_accessibility_violations(
    audited_page, live_server, kubecon, path, width
):
    audit(audited_page, live_server, path, width)


@pytest.mark.parametrize("path", GRID_PAGES)
@pytest.mark.parametrize("width", [375, 1440])
def test_the_pages_of_a_big_schedule_have_no_serious_accessibility_violations(
    audited_page, live_server, gridcon, path, width
):
    audit(audited_page, live_server, path, width)


@pytest.mark.parametrize("path", [f"{EVENT}/", f"{EVENT}/schedule/", f"{EVENT}/embed/"])
@pytest.mark.parametrize("width", [375, 1440])
def test_a_draft_shown_to_an_organiser_has_no_serious_accessibility_violations(
    audited_page, live_server, kubecon, path, width
):
    Event.objects.filter(pk=kubecon.pk).update(status=Event.Status.DRAFT)
    signed_in = Client()
    sign_in_with_second_factor(signed_in, User.objects.create_superuser("root", "root@example.org", None))
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    audited_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )

    audit(audited_page, live_server, path, width)

    assert audited_page.locator(".draft-banner").is_visible()


# A FOSDEM-sized day: the grid of 29 rooms, buildings, a double booking, a chosen zone, the zone's form.
BIG_PAGES = [
    "/fosdem/schedule/",
    "/fosdem/schedule/?day=2025-02-02&tz=Asia/Tokyo",
    "/fosdem/schedule/?room=h1309-van-rijn&room=k3201&day=2025-02-01",
    "/fosdem/time-zone/",
]


@pytest.mark.parametrize("path", BIG_PAGES)
@pytest.mark.parametrize("width", [375, 1440])
def test_the_pages_of_a_fosdem_sized_day_have_no_serious_accessibility_violations(
    audited_page, live_server, fosdem, path, width
):
    audited_page.set_default_timeout(60_000)
    audit(audited_page, live_server, path, width)


def audit(audited_page, live_server, path, width):
    audited_page.set_viewport_size({"width": width, "height": 900})
    response = audited_page.goto(live_server.url + path)
    assert response.status == STATUS.get(path, 200)
    audited_page.add_script_tag(path=str(AXE))

    result = audited_page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")

    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


DARK_PAPER = "rgb(20, 23, 28)"  # --paper of the dark colours in static/css/portal.css
LIGHT_INK = "rgb(227, 231, 237)"  # --ink


@pytest.mark.parametrize(
    "path",
    [
        f"{EVENT}/",
        f"{EVENT}/schedule/",
        f"{EVENT}/talks/kubernetes-networking-101/",
        f"{EVENT}/office-hours/",
    ],
)
def test_with_the_system_set_to_dark_the_pages_are_dark(chromium, live_server, kubecon, path):
    context = chromium.new_context(color_scheme="dark", viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(live_server.url + path)

    colours = page.evaluate(
        """() => [document.documentElement, document.querySelector(".talk, .card, main") || document.body]
            .map((node) => getComputedStyle(node))
            .map((style) => [style.backgroundColor, style.color])"""
    )
    context.close()

    assert colours[0] == [DARK_PAPER, LIGHT_INK]
    # Nothing on the page brings back a white box: cards and the main column sit on the dark paper too.
    assert colours[1][0] in (DARK_PAPER, "rgba(0, 0, 0, 0)")
