"""The production stack as `make serve` runs it: nginx in front of gunicorn with 2 workers, on the database the
tests run on, tried with real connections as browsers, slow clients and a careless uploader would."""

import importlib.util
import json
import re
import socket
import subprocess
import time

import lxml.html
import pytest

from bench import slow_clients
from tests.mailservers import HangingMailServer, MailServer
from tests.stack import (
    BASE_DIR,
    Browser,
    Stack,
    drop_database,
    free_port,
    fresh_database,
    nginx_path,
    skip_or_fail,
)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    running = Stack(
        folder,
        {"DATABASE_URL": fresh_database(folder, "portal_stack"), "EMBED_ORIGINS": "https://blog.example.org"},
    )
    yield running
    assert running.stop() == 0
    drop_database("portal_stack")


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


def test_while_gunicorn_is_down_nginx_answers_503_with_the_page_to_retry(tmp_path):
    """deploy/nginx.conf as make serve fills it in, with no app server behind it."""
    if not nginx_path():
        skip_or_fail("nginx is not installed (apt-get install nginx); .ci/run installs it.")
    spec = importlib.util.spec_from_file_location("serve", BASE_DIR / "deploy" / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    for folder in ("nginx/client_body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi", "nginx/scgi"):
        (tmp_path / folder).mkdir(parents=True)
    port, nobody = free_port(), free_port()
    config = serve.nginx_config(tmp_path, port, [nobody], tmp_path, tmp_path, "off")
    nginx = subprocess.Popen([nginx_path(), "-c", str(config)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        response = Browser().request(f"http://127.0.0.1:{port}/{SLUG}/office-hours/")
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)

    assert response.status == 503
    assert response.headers["Retry-After"] == "60"
    assert "Try again in a minute" in response.text
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


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
