"""The browser harness itself: Chromium opens the portal served by the live server."""

import pytest

pytestmark = pytest.mark.browser


def test_the_home_page_opens_in_chromium(page, live_server, kubecon):
    page.goto(live_server.url + "/")

    assert page.locator("h1").inner_text() == "Where to meet us"
    assert page.get_by_role("link", name="KubeCon + CloudNativeCon Europe 2022").is_visible()
