"""Two app servers behind one nginx, sharing PostgreSQL and Redis, as the README's "Growing past one machine"
describes: what one server changes the other serves, signups spread over both never overbook a slot, and a
database outage is answered with kept pages and 503s, never a 500.

Runs where the tests run on PostgreSQL (DATABASE_URL); the stack gets a database of its own on that server
and a Redis database of its own (REDIS_URL, default redis://127.0.0.1:6379/15)."""

import os
import socket
import threading
import time
import urllib.parse

import lxml.html
import pytest
import redis

from tests.stack import (
    Browser,
    database_name,
    postgres_admin,
    postgres_server,
    skip_or_fail,
    stack_on_a_fresh_database,
)

pytestmark = pytest.mark.stack

SLUG = "kubecon-eu-2022"
DATABASE = "portal_scaleout"


def redis_url():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=2).close()
    except OSError:
        skip_or_fail(f"Redis does not answer at {url} (apt-get install redis-server); .ci/run starts it.")
    return url


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if postgres_server() is None:
        pytest.skip("needs PostgreSQL: runs with DATABASE_URL=postgres://..., as .ci/run's second run does")
    cache = redis_url()

    redis.Redis.from_url(cache).flushdb()
    folder = tmp_path_factory.mktemp("scaleout")
    env = {"CACHE_URL": cache, "SIGNUP_RATE_LIMIT": "1000"}
    with stack_on_a_fresh_database(folder, DATABASE, env, app_servers=2) as running:
        running.manage(
            code="""
from django.contrib.auth.models import Group, User
olga = User.objects.create_user("olga", "olga@example.org", "a-long-organiser-password", is_staff=True)
olga.groups.add(Group.objects.get(name="Organisers"))
"""
        )
        running.add_office_hours("Scale-out office hours", seats_per_slot=5)
        yield running


def signed_in(stack, port):
    browser = Browser()
    response = browser.form(
        stack.url("/admin/login/", port),
        "//form[@id='login-form']",
        {"username": "olga", "password": "a-long-organiser-password"},
    )
    assert response.status == 302, response.text
    return browser


def test_a_change_saved_in_the_admin_of_one_server_is_served_by_the_other_at_once(stack):
    first, second = stack.app_ports
    talk = "kubernetes-networking-101"
    before = Browser().request(stack.url(f"/{SLUG}/talks/{talk}/", second))  # kept by the second server
    assert "Kubernetes Networking 101" in before.text
    organiser = signed_in(stack, first)
    change = stack.manage(code=f"from events.models import Talk; print(Talk.objects.get(slug='{talk}').pk)")

    saved = organiser.form(
        stack.url(f"/admin/events/talk/{change}/change/", first),
        "//form[@id='talk_form']",
        {"title": "Kubernetes Networking 101, revised"},
    )
    after = Browser().request(stack.url(f"/{SLUG}/talks/{talk}/", second))

    assert saved.status == 302, saved.text
    assert after.status == 200
    assert "Kubernetes Networking 101, revised" in after.text

    changed_at = time.monotonic()
    while "revised" not in Browser().request(stack.url(f"/{SLUG}/talks/{talk}/")).text:
        assert time.monotonic() - changed_at < 3, "the change did not show through nginx"
        time.sleep(0.1)


def test_thirty_signups_at_once_over_both_servers_never_overbook_a_five_seat_slot(stack):
    page = Browser().request(stack.url(f"/{SLUG}/office-hours/"))
    form = lxml.html.fromstring(page.text).xpath("//form[@class='signup-form']")[-1]
    slot = form.xpath(".//input[@name='slot']/@value")[0]
    results, start = [], threading.Barrier(30, timeout=60)

    def sign_up(n):
        browser = Browser()
        url = stack.url(f"/{SLUG}/office-hours/")
        page = browser.request(url)
        form = lxml.html.fromstring(page.text).xpath("//form[@class='signup-form']")[-1]
        fields = dict(form.form_values())
        fields.update(
            slot=slot,
            name=f"Attendee {n}",
            email=f"attendee{n}@example.org",
            question="Routing?",
            consent="on",
        )
        start.wait()
        action = urllib.parse.urljoin(url, form.get("action"))
        results.append(browser.request(action, fields, headers={"Referer": url}).status)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = stack.manage(
        code=(
            "from events.models import Signup;"
            "print(Signup.objects.filter(status='confirmed').count(), Signup.objects.filter(status='waitlisted').count())"
        )
    )

    assert len(results) == 30
    assert sorted(set(results)) == [302]  # everyone got a seat or a place on the waiting list
    assert counts == "5 25"


def test_while_the_database_refuses_connections_kept_pages_are_served_and_the_rest_is_a_503(stack):
    kept, live = f"/{SLUG}/schedule/", f"/{SLUG}/office-hours/"
    Browser().request(stack.url(kept))  # nginx keeps it
    name = database_name(DATABASE)
    postgres_admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
    postgres_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        time.sleep(2.2)  # the kept copy has expired (s-maxage=1; nginx counts whole seconds)
        during = {path: Browser().request(stack.url(path)) for path in [kept, live, "/healthz"]}
    finally:
        postgres_admin(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    after = [Browser().request(stack.url(path)).status for path in [live, live, live, live, "/healthz"]]

    assert during[kept].status == 200
    assert during[kept].headers["X-Cache-Status"] == "STALE"
    assert during[live].status == 503
    assert during[live].headers["Retry-After"] == "60"
    assert "Try again in a minute" in during[live].text
    assert during["/healthz"].status == 503
    # Each worker's connection was closed by the server: the next request replaces it instead of failing.
    assert after == [200] * 5
