"""The production stack as `make serve` runs it: nginx in front of gunicorn with 2 workers, on the database the
tests run on, tried with real connections as browsers, slow clients and a careless uploader would."""

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import lxml.html
import pytest

from bench import slow_clients
from tests.mailservers import HangingMailServer, MailServer
from tests.stack import (
    BASE_DIR,
    Browser,
    Load,
    Stack,
    drop_database,
    free_port,
    fresh_database,
    nginx_path,
    skip_or_fail,
    stack_on_a_fresh_database,
)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    with stack_on_a_fresh_database(
        folder, "portal_stack", {"EMBED_ORIGINS": "https://blog.example.org"}
    ) as running:
        yield running


SLUG = "kubecon-eu-2022"


def test_make_serve_generates_a_secret_key_of_its_own_and_keeps_it_private(stack):
    key = stack.folder / "state" / "secret_key"

    assert len(key.read_text().strip()) >= 50
    assert key.stat().st_mode & 0o077 == 0


def test_pages_come_through_nginx_from_the_app_with_debug_off(stack):
    browser = Browser()

    home = browser.request(stack.url("/"))
    missing = browser.request(stack.url("/no-such-event/"))

    assert home.status == 200
    assert "KubeCon + CloudNativeCon Europe 2022" in home.text
    assert missing.status == 404
    assert "Traceback" not in missing.text and "DEBUG" not in missing.text


def test_static_files_are_served_by_nginx_with_the_security_headers(stack):
    page = Browser().request(stack.url(f"/{SLUG}/"))
    stylesheet = lxml.html.fromstring(page.text).xpath("//link[@rel='stylesheet']/@href")[0]

    response = Browser().request(stack.url(stylesheet), headers={"Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.headers["Server"] == "nginx"  # not gunicorn, which names itself
    assert response.headers["Content-Encoding"] == "gzip"  # the .gz collectstatic wrote
    assert response.headers["Cache-Control"] == "max-age=315360000"  # its name has its content's hash
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_service_worker_and_manifest_come_through_nginx_naming_files_it_serves(stack):
    worker = Browser().request(stack.url("/sw.js"))
    manifest = json.loads(Browser().request(stack.url("/manifest.webmanifest")).body)

    assert worker.status == 200
    assert worker.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert "worker-src 'self'" in worker.headers["Content-Security-Policy"]
    # The worker keeps this release's files under their hashed names, which nginx serves.
    files = json.loads(re.search(r"const CONFIG = (\{.*?\n\});", worker.text, re.S).group(1))["static_files"]
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", name) for name in files)
    for name in files + [icon["src"] for icon in manifest["icons"]]:
        response = Browser().request(stack.url(name))
        assert (name, response.status, response.headers["Server"]) == (name, 200, "nginx")


def test_speaker_photos_are_stored_in_media_root_and_served_by_nginx(stack):
    # Saved through the stack's own storage (STORAGES, MEDIA_ROOT), as the admin's upload saves it.
    name = stack.manage(
        code=(
            "import io; from PIL import Image; from django.core.files.base import ContentFile;"
            "from django.core.files.storage import default_storage; b = io.BytesIO();"
            "Image.new('RGB', (96, 96), 'red').save(b, 'JPEG');"
            "print(default_storage.save('speakers/ana-0001-96.jpg', ContentFile(b.getvalue())))"
        )
    )
    (stack.folder / "media" / "speakers" / "notes.html").write_text("<script>alert(1)</script>")

    photo = Browser().request(stack.url(f"/media/{name}"))
    other = Browser().request(stack.url("/media/speakers/notes.html"))

    assert (photo.status, photo.headers["Server"], photo.headers["Content-Type"]) == (
        200,
        "nginx",
        "image/jpeg",
    )
    assert photo.body[:3] == b"\xff\xd8\xff"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["Cache-Control"] == "max-age=2592000"
    assert other.status == 404  # only the JPEGs the portal writes are served


def test_health_check_answers_through_nginx_with_the_security_headers(stack):
    response = Browser().request(stack.url("/healthz"))

    assert response.status == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_page_for_every_visitor_is_kept_at_the_edge_and_a_change_shows_within_a_second(stack):
    path = f"/{SLUG}/schedule/"
    Browser().request(stack.url(path))
    kept = Browser().request(stack.url(path))
    assert kept.headers["X-Cache-Status"] == "HIT"

    stack.manage(
        code=(
            "from events.models import Talk; talk = Talk.objects.get(slug='cilium-welcome-vision-and-updates');"
            "talk.title = 'Cilium: what is new this year'; talk.save()"
        )
    )
    changed_at = time.monotonic()
    while "Cilium: what is new this year" not in Browser().request(stack.url(path)).text:
        assert time.monotonic() - changed_at < 3, "the change did not show through nginx"
        time.sleep(0.1)

    # s-maxage=1, which nginx counts in whole seconds: a kept copy lives one to two seconds.
    assert time.monotonic() - changed_at < 2.5


@pytest.mark.parametrize(
    "path", ["/", f"/{SLUG}/", f"/{SLUG}/schedule/", f"/{SLUG}/office-hours/", "/healthz", "/admin/login/"]
)
def test_pages_through_nginx_carry_each_security_header_once(stack, path):
    response = Browser().request(stack.url(path))

    assert response.status == 200
    assert response.headers.get_all("X-Frame-Options") == ["DENY"]
    (policy,) = response.headers.get_all("Content-Security-Policy")
    assert "frame-ancestors 'none'" in policy


def test_the_embed_page_may_be_framed_by_the_allowed_sites_through_nginx_and_from_its_copy(stack):
    path = f"/{SLUG}/embed/?day=2022-05-19"  # a filter, which is kept (a search is not)
    first = Browser().request(stack.url(path))
    kept = Browser().request(stack.url(path))

    for response in (first, kept):
        assert response.status == 200
        assert response.headers.get_all("X-Frame-Options") is None
        (policy,) = response.headers.get_all("Content-Security-Policy")
        assert "frame-ancestors https://blog.example.org;" in policy + ";"
    assert kept.headers["X-Cache-Status"] == "HIT"


def test_the_script_that_sizes_the_frame_is_served_at_an_address_without_a_hash(stack):
    response = Browser().request(stack.url("/static/js/embed.js"))

    assert response.status == 200
    assert "portal-embed-height" in response.text
    assert response.headers["Content-Type"] in ("application/javascript", "text/javascript")


def test_the_home_and_event_pages_are_kept_at_the_edge_for_a_moment(stack):
    for path in ["/", f"/{SLUG}/", f"/{SLUG}/booth/"]:
        Browser().request(stack.url(path))
        again = Browser().request(stack.url(path))
        assert again.headers["X-Cache-Status"] == "HIT", path


def test_each_language_is_kept_at_the_edge_and_a_chosen_language_is_never_answered_in_english(stack):
    english, spanish = f"/{SLUG}/schedule/", f"/es/{SLUG}/schedule/"
    for path in (english, spanish):
        Browser().request(stack.url(path))
    kept = {path: Browser().request(stack.url(path)) for path in (english, spanish)}
    assert [kept[path].headers["X-Cache-Status"] for path in (english, spanish)] == ["HIT", "HIT"]
    assert '<html lang="en"' in kept[english].text and '<html lang="es"' in kept[spanish].text

    # The switcher through nginx: the cookie is set, and the English address now sends this visitor on,
    # every time, while everybody else still gets the kept English copy.
    visitor = Browser()
    chosen = visitor.request(stack.url("/language/"), {"language": "es", "next": english})
    assert (chosen.status, chosen.headers["Location"]) == (302, spanish)
    for _ in range(2):
        again = visitor.request(stack.url(english))
        assert (again.status, again.headers["Location"]) == (302, spanish)
        assert again.headers.get("X-Cache-Status") != "HIT"
    assert Browser().request(stack.url(english)).headers["X-Cache-Status"] == "HIT"


def test_forms_the_admin_and_cookies_are_never_kept_at_the_edge(stack):
    for path in [
        f"/{SLUG}/office-hours/",
        f"/es/{SLUG}/office-hours/",
        "/admin/login/",
        "/admin/",
        "/de/admin/login/",
    ]:
        Browser().request(stack.url(path))
        second = Browser().request(stack.url(path))
        assert second.headers.get("X-Cache-Status") != "HIT", path


def test_a_draft_reaches_its_organisers_only_and_never_from_nginx_s_copy(stack):
    stack.manage(
        code=(
            "import datetime as dt; from django.contrib.auth.models import Group, User; from events import copying;"
            "from events.models import Event; event = Event.objects.get(slug='kubecon-eu-2022');"
            "copying.copy_event(event, name='KubeCon EU 2023', slug='kubecon-eu-2023', start_date=dt.date(2023, 4, 18));"
            "user = User.objects.create_user('olga', 'olga@example.org', 'a-long-organiser-password', is_staff=True);"
            "user.groups.add(Group.objects.get(name='Organisers'))"
        )
    )
    organiser = Browser()
    signed_in = organiser.form(
        stack.url("/admin/login/"),
        "//form[@id='login-form']",
        {"username": "olga", "password": "a-long-organiser-password"},
    )
    assert signed_in.status == 302
    path = "/kubecon-eu-2023/schedule/"

    for _ in range(2):  # nginx keeps what it may after the first
        seen = organiser.request(stack.url(path))
        assert (seen.status, seen.headers.get("X-Cache-Status")) == (200, "MISS")
        assert "public" not in seen.headers["Cache-Control"]
        assert "Draft:" in seen.text
    for _ in range(2):
        refused = Browser().request(stack.url(path))
        assert (refused.status, refused.headers.get("X-Cache-Status")) == (404, "MISS")
        assert "KubeCon EU 2023" not in refused.text

    stack.manage(
        code=(
            "from events import publishing; from events.models import Event;"
            "publishing.publish_event(Event.objects.get(slug='kubecon-eu-2023'))"
        )
    )
    published = Browser().request(stack.url(path))

    assert (published.status, "Draft:" in published.text) == (200, False)
    assert "KubeCon EU 2023" in published.text


def test_the_admin_sign_in_brake_counts_for_every_worker(stack):
    browser = Browser()
    statuses = []
    for _ in range(8):
        response = browser.form(
            stack.url("/admin/login/"),
            "//form[@id='login-form']",
            {"username": "mallory", "password": "guess"},
        )
        statuses.append(response.status)

    # Each try is a new connection, which either of the two workers may take: the count is shared.
    assert statuses == [200] * 5 + [429] * 3


def test_a_body_too_large_is_refused_by_nginx_before_the_app_sees_it(stack):
    started = time.monotonic()
    response = Browser().request(
        stack.url(f"/{SLUG}/office-hours/1/signup/"),
        b"x" * (5 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 413
    assert "too large" in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    assert time.monotonic() - started < 5


def test_a_file_upload_to_a_public_form_is_refused_unread(stack):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
        + b"x" * 1000
        + b"\r\n--b--\r\n"
    )
    response = Browser().request(
        stack.url(f"/{SLUG}/office-hours/1/signup/"),
        body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )

    assert response.status == 415
    assert "takes no file uploads" in response.text


def test_idle_and_slow_clients_do_not_hold_up_anyone_else(stack):
    # 200 idle connections and 50 sending a header byte per second (slowloris), reopened whenever nginx closes
    # them, while a normal request is made each half second: bench/slow_clients.py, for a few seconds.
    trial = slow_clients.trial(stack.url(f"/{SLUG}/schedule/"), idle=200, slow=50, seconds=5)

    assert trial["asked"] >= 6
    assert trial["answered"] == trial["asked"]
    assert trial["slowest_ms"] < 1000


@contextlib.contextmanager
def nginx_alone(folder, upstream_port, edit=lambda config: config):
    """deploy/nginx.conf as make serve fills it in (`edit` may change it), in front of `upstream_port`; yields
    nginx's port."""
    if not nginx_path():
        skip_or_fail("nginx is not installed (apt-get install nginx); .ci/run installs it.")
    spec = importlib.util.spec_from_file_location("serve", BASE_DIR / "deploy" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    for name in ("nginx/client_body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi", "nginx/scgi"):
        (folder / name).mkdir(parents=True)
    port = free_port()
    config = serve.nginx_config(folder, port, [upstream_port], folder, folder, "off")
    portal = folder / "portal.conf"
    portal.write_text(edit(portal.read_text()))
    nginx = subprocess.Popen([nginx_path(), "-c", str(config)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


SIGNUP_FORM = {"name": "Ada", "email": "ada@example.org", "slot": "20300515T1030Z", "consent": "on"}


def test_while_gunicorn_is_down_nginx_answers_503_with_the_page_to_retry_a_form_too(tmp_path):
    with nginx_alone(tmp_path, free_port()) as port:  # nobody listens there
        page = Browser().request(f"http://127.0.0.1:{port}/{SLUG}/office-hours/")
        form = Browser().request(f"http://127.0.0.1:{port}/{SLUG}/office-hours/1/signup/", SIGNUP_FORM)

    for response in (page, form):
        assert response.status == 503  # for the form too: not the static files' "405 Not Allowed"
        assert response.headers["Retry-After"] == "60"
        assert "Try again in a minute" in response.text
        assert "it has not been saved" in response.text
        assert '<section lang="es">' in response.text and '<section lang="de">' in response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_an_app_that_does_not_answer_in_time_gets_nginx_s_page_that_it_took_too_long(tmp_path):
    # A server that takes connections and never answers; nginx waits 1 s for it here, not 60.
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        shorter = lambda config: config.replace("proxy_read_timeout 60s;", "proxy_read_timeout 1s;")  # noqa: E731
        with nginx_alone(tmp_path, silent.getsockname()[1], shorter) as port:
            page = Browser().request(f"http://127.0.0.1:{port}/{SLUG}/schedule/")
            form = Browser().request(f"http://127.0.0.1:{port}/{SLUG}/office-hours/1/signup/", SIGNUP_FORM)

    for response in (page, form):
        assert response.status == 504
        assert "This took too long" in response.text
        assert "it may\n      have arrived" in response.text  # a form: look before sending it again
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_nginx_s_own_pages_are_not_addresses_anyone_can_open(stack):
    assert Browser().request(stack.url("/.portal/503.html")).status == 404


def test_nginx_keeps_one_copy_of_a_page_whatever_parameters_it_does_not_read(stack):
    path = f"/{SLUG}/speakers/"
    plain = Browser().request(stack.url(path))

    others = [
        Browser().request(stack.url(path + query)) for query in ("?x=1", "?x=2", "?utm_source=a&fbclid=b")
    ]

    for response in others:
        assert (response.status, response.headers["X-Cache-Status"]) == (200, "HIT")
        assert response.body == plain.body


def test_nginx_keeps_a_copy_per_value_of_a_parameter_the_page_reads_named_in_any_case(stack):
    path = f"/{SLUG}/schedule/?day=2022-05-18"
    first = Browser().request(stack.url(path))
    other_day = Browser().request(stack.url(f"/{SLUG}/schedule/?day=2022-05-19"))
    same_day = Browser().request(stack.url(f"/{SLUG}/schedule/?DAY=2022-05-18&x=1"))

    assert (first.status, other_day.status) == (200, 200)
    assert other_day.body != first.body
    assert (same_day.headers["X-Cache-Status"], same_day.body) == ("HIT", first.body)


def test_make_serve_s_worker_sends_signup_email_and_a_stuck_mail_server_delays_only_the_email(tmp_path):
    smtp_port = free_port()
    env = {
        "DATABASE_URL": fresh_database(tmp_path, "portal_stack_mail"),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        # Far longer than a page may take: a signup that waited for the mail server would show it.
        "EMAIL_TIMEOUT": "8",
        "EMAIL_RETRY_SECONDS": "1",
    }
    with HangingMailServer(smtp_port) as hanging:
        stack = Stack(tmp_path, env)
        try:
            pk = stack.manage(
                code=(
                    "import datetime as dt; from events.models import Event, OfficeHours; "
                    "start = dt.datetime(2030, 5, 15, 10, 30, tzinfo=dt.UTC); "
                    "print(OfficeHours.objects.create(event=Event.objects.get(slug='kubecon-eu-2022'), "
                    "title='Office hours', starts_at=start, ends_at=start + dt.timedelta(minutes=45), "
                    "slot_minutes=15, join_url='https://meet.example.org/secret').pk)"
                )
            ).strip()
            began = time.monotonic()
            response = Browser().form(
                stack.url(f"/{SLUG}/office-hours/"),
                f"//form[starts-with(@action, '/{SLUG}/office-hours/{pk}/signup/')]",
                {
                    "slot": "20300515T1030Z",
                    "name": "Ada Lovelace",
                    "email": "ada@example.org",
                    "question": "How does Cluster Mesh route?",
                    "consent": "on",
                },
            )
            answered_in = time.monotonic() - began
            page = Browser().request(stack.url(response.headers["Location"]))
            deadline = time.monotonic() + 20
            while not hanging.connections and time.monotonic() < deadline:
                time.sleep(0.2)  # the worker meets the stuck server
            assert hanging.connections
        except BaseException:
            stack.stop()
            raise

    try:
        with MailServer(smtp_port) as server:
            deadline = time.monotonic() + 30
            while not server.messages and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        assert stack.stop() == 0
        drop_database("portal_stack_mail")

    assert response.status == 302
    assert answered_in < 5  # not the 8 seconds the stuck mail server holds the worker
    assert "You are signed up" in page.text
    (envelope,) = server.messages
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert f"http://127.0.0.1:{stack.port}/{SLUG}/office-hours/signups/" in envelope.content.decode()


# A stack that heals itself ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("healing")
    env = {"SIGNUP_RATE_LIMIT": "100000"}
    with stack_on_a_fresh_database(folder, "portal_stack_healing", env, app_servers=2) as running:
        running.add_office_hours("Healing office hours", seats_per_slot=1000)
        yield running


def sign_up(stack, browser, n):
    """One visitor opens the office hours and signs up as attendee n: the status of the form's answer (or of
    the page, when even that did not come)."""
    url = stack.url(f"/{SLUG}/office-hours/")
    page = browser.request(url)
    if page.status != 200:
        return f"page {page.status}"
    form = lxml.html.fromstring(page.text).xpath("//form[@class='signup-form']")[-1]
    fields = dict(form.form_values())
    fields.update(name=f"Attendee {n}", email=f"healing{n}@example.org", question="Routing?", consent="on")
    fields["slot"] = form.xpath(".//input[@name='slot']/@value")[0]
    action = urllib.parse.urljoin(url, form.get("action"))
    return browser.request(action, fields, headers={"Referer": url}).status


def test_a_killed_app_server_is_started_again_while_the_other_answers_and_no_form_is_saved_twice(two_servers):
    port = two_servers.app_ports[0]
    master = two_servers.app_master(port)
    paths = [
        f"/{SLUG}/office-hours/",
        "/healthz",
        f"/{SLUG}/schedule/",
        f"/{SLUG}/talks/kubernetes-networking-101/",
    ]

    with Load(
        two_servers, paths, clients=4, form=lambda browser, n: sign_up(two_servers, browser, n)
    ) as load:
        time.sleep(1.5)
        os.kill(master, signal.SIGKILL)
        killed = time.monotonic()
        back = two_servers.wait_for_another_master(port, old=master)
        time.sleep(1.5)  # the load goes on over both again
    saved = two_servers.manage(
        code="from events.models import Signup; print(Signup.objects.filter(email__startswith='healing').count())"
    )

    failed = [answer for answer in load.answers if answer[1] != 200]
    assert back - killed < 10
    assert len(load.answers) >= 100
    assert len(failed) <= len(load.answers) / 100, failed
    # Every signup saved was answered as saved (a 302 to its page), and none was saved twice: a form in flight
    # when its server died is answered with the 503 page ("not saved"), never sent to the other server.
    assert int(saved) == sum(1 for _n, status in load.forms if status == 302)
    assert {status for _n, status in load.forms} <= {302, 503}
    # The stack is whole: both servers answer, and nginx passes to both.
    assert [
        Browser().request(two_servers.url("/healthz", port)).status for port in two_servers.app_ports
    ] == [
        200,
        200,
    ]
    assert two_servers.process.poll() is None


# Bounded work: a huge event ------------------------------------------------------------------------------------

HUGE_EVENT = """
import datetime as dt
from events.models import Event, Room, Talk
event = Event.objects.create(name="Huge", slug="huge", status="published", time_zone="UTC",
                             start_date=dt.date(2030, 5, 13),
                             end_date=dt.date(2030, 5, 17))
rooms = Room.objects.bulk_create(Room(event=event, name=f"Room {n}") for n in range(20))
start = dt.datetime(2030, 5, 13, 8, tzinfo=dt.UTC)
Talk.objects.bulk_create(
    (Talk(event=event, title=f"Talk {n}", slug=f"talk-{n}", abstract="An abstract.", status="published",
          starts_at=start + dt.timedelta(days=n % 5, minutes=n // 100), room=rooms[n % 20],
          ends_at=start + dt.timedelta(days=n % 5, minutes=n // 100 + 30)) for n in range(20000)),
    batch_size=2000,
)
"""


@pytest.fixture(scope="module")
def hurried(tmp_path_factory):
    """A stack whose anonymous requests get 1 s and whose gunicorn gives up after 6 s (a worker must boot within
    it too), with an event of 20,000 talks, whose calendar takes far longer than that to write."""
    folder = tmp_path_factory.mktemp("hurried")
    env = {"ANONYMOUS_REQUEST_TIMEOUT": "1", "GUNICORN_TIMEOUT": "6"}
    with stack_on_a_fresh_database(folder, "portal_stack_hurried", env) as running:
        running.manage(code=HUGE_EVENT)
        running.organiser_session = organiser_session(running)
        yield running


def organiser_session(stack):
    """The session cookie's value of an organiser signed in to `stack`, as the admin's form would sign her in,
    with the stack's key (make serve generated it)."""
    key = (stack.folder / "state" / "secret_key").read_text().strip()
    return stack.manage(
        code=f"""
from django.conf import settings
settings.SECRET_KEY = "{key}"
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
olga = User.objects.create_user("olga", "olga@example.org", "a-long-organiser-password", is_staff=True)
olga.groups.add(Group.objects.get(name="Organisers"))
session = SessionStore()
session.update({{SESSION_KEY: str(olga.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: olga.get_session_auth_hash()}})
session.create()
print(session.session_key)
"""
    )


def test_anonymous_requests_for_a_huge_event_hold_a_worker_a_second_and_get_the_page_to_retry(hurried):
    answers, small = {}, []

    def ask(query):
        started = time.monotonic()
        response = Browser().request(hurried.url(f"/huge/schedule.ics{query}"))
        answers[query] = (response, time.monotonic() - started)

    # More of them at once than there are workers (2), each with a query string of its own.
    threads = [threading.Thread(target=ask, args=(f"?x={n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    small.append(Browser().request(hurried.url(f"/{SLUG}/office-hours/")))
    small_took = time.monotonic() - started
    for thread in threads:
        thread.join()

    for response, took in answers.values():
        assert response.status == 503
        assert response.headers["Retry-After"] == "60"
        assert "This took too long" in response.text
        assert took < 6  # four requests of 1 s on two workers, and the machine's load
    assert small[0].status == 200
    assert small_took < 4  # it waited for a worker a second or two at most, not for the calendar


def test_an_organiser_s_request_past_gunicorn_s_timeout_gets_the_portal_s_page_not_gunicorn_s_500(hurried):
    organiser = Browser()
    organiser.opener.addheaders = [("Cookie", f"sessionid={hurried.organiser_session}")]
    assert organiser.request(hurried.url("/admin/")).status == 200  # signed in: no deadline of 1 s

    started = time.monotonic()
    response = organiser.request(hurried.url("/huge/schedule.ics"))
    took = time.monotonic() - started

    assert response.status == 503
    assert "This took too long" in response.text
    assert "Internal Server Error" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"  # the portal's answer, not gunicorn's
    assert 6 <= took < 15
    assert Browser().request(hurried.url("/healthz")).status == 200  # gunicorn started a new worker
