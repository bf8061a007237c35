"""On SQLite, an organiser's saves and imports wait for the email worker instead of failing.

The worker (`manage.py db_worker`) and the app server write to one database file, and SQLite lets one writer
in at a time. Here a real worker polls its queue without pause, so it holds the write lock as often as it can,
while an organiser saves talks and speakers with photos in a real server and imports a programme: every save
must succeed, keep what was typed, and reach the changelog.
"""

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import lxml.html
import pytest
import urllib3
from django.conf import settings
from PIL import Image

from tests.stack import BASE_DIR, Browser, free_port

pytestmark = pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="about SQLite's locking"
)

SLUG = "kubecon-eu-2022"
PASSWORD = "a-long-password-for-tests"


class Site:
    """A database file with the fixture, a busy worker and Django's server (`make run`'s pair) on it."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "DEBUG": "true",
            "SECRET_KEY": "sqlite-writes-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(folder / "media"),
            "EMAIL_URL": "dummymail://",
        }
        self.manage("migrate", "-v0")
        self.manage("loaddata", str(BASE_DIR / "fixtures" / f"{SLUG}.json"), "-v0")
        self.shell(
            "from django.contrib.auth.models import Group, User; "
            f"olga = User.objects.create_user('olga', 'olga@example.org', '{PASSWORD}', is_staff=True); "
            "olga.groups.add(Group.objects.get(name='Organisers'))"
        )
        self.log = open(folder / "log", "w")  # noqa: SIM115 (closed in stop())
        command = [sys.executable, str(BASE_DIR / "manage.py")]
        self.processes = [
            # No pause between polls: the worker takes the write lock as often as it possibly can.
            subprocess.Popen([*command, "db_worker", "--no-reload", "--interval", "0"], **self._output()),
            subprocess.Popen(
                [*command, "runserver", "--noreload", f"127.0.0.1:{self.port}"], **self._output()
            ),
        ]
        self._wait_until_it_answers()

    def _output(self):
        return {"cwd": BASE_DIR, "env": self.env, "stdout": self.log, "stderr": subprocess.STDOUT}

    def _wait_until_it_answers(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Browser().request(self.url("/healthz")).status == 200:
                    return
            except OSError:  # not listening yet
                pass
            time.sleep(0.2)
        raise AssertionError((self.folder / "log").read_text())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result

    def shell(self, code):
        result = self.manage("shell", "-v0", "-c", code)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("sqlite-writes"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def organiser(site):
    browser = Browser()
    response = browser.form(
        site.url("/admin/login/"), "//form[@id='login-form']", {"username": "olga", "password": PASSWORD}
    )
    assert response.status == 302, response.text
    return browser


def change_form(browser, url, form_id):
    page = browser.request(url)
    assert page.status == 200, page.status
    form = lxml.html.fromstring(page.text).xpath(f"//form[@id='{form_id}']")[0]
    return [(name, value) for name, value in form.form_values() if name not in ("_continue", "_addanother")]


def test_every_talk_save_succeeds_while_the_worker_holds_the_lock(site, organiser):
    talk_ids = [
        int(pk)
        for pk in site.shell(
            f"from events.models import Talk; print(*Talk.objects.filter(event__slug='{SLUG}').values_list('pk', flat=True))"
        ).split()
    ]
    statuses = []
    for number in range(40):
        url = site.url(f"/admin/events/talk/{talk_ids[number % len(talk_ids)]}/change/")
        fields = [
            (name, value) for name, value in change_form(organiser, url, "talk_form") if name != "title"
        ]
        title = f"Saved while the worker works, edit {number}"
        statuses.append(organiser.request(url, [*fields, ("title", title)], headers={"Referer": url}).status)

    assert statuses == [302] * 40
    saved = site.shell(
        "from events.models import Talk; print(Talk.objects.filter(title__startswith='Saved while').count())"
    )
    assert int(saved) == len(talk_ids)


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


def test_every_speaker_save_with_a_photo_succeeds_and_keeps_the_photo(site, organiser):
    speaker_id = int(
        site.shell("from events.models import Speaker; print(Speaker.objects.order_by('pk')[0].pk)")
    )
    url = site.url(f"/admin/events/speaker/{speaker_id}/change/")
    statuses = []
    for number in range(15):
        fields = [
            (name, value)
            for name, value in change_form(organiser, url, "speaker_form")
            if name not in ("affiliation", "photo-clear")
        ]
        fields += [
            ("affiliation", f"Isovalent, edit {number}"),
            ("photo", (f"photo-{number}.jpg", photo(), "image/jpeg")),
        ]
        body, content_type = urllib3.encode_multipart_formdata(fields)
        response = organiser.request(url, body, headers={"Referer": url, "Content-Type": content_type})
        statuses.append(response.status)

    assert statuses == [302] * 15
    stored = site.shell(
        f"from events.models import Speaker; s = Speaker.objects.get(pk={speaker_id}); "
        "print(s.affiliation, s.photo.storage.exists(s.photo.name))"
    )
    assert stored == "Isovalent, edit 14 True"


def test_imports_finish_and_their_changes_reach_the_changelog(site):
    programme = BASE_DIR / "tests" / "data" / "sample-frab.xml"
    for attempt in range(3):
        result = site.manage("import_frab", str(programme), "--event", f"imported-{attempt}", "--publish")
        assert (result.returncode, result.stderr) == (0, ""), result.stderr

    # The changelog compared every imported talk with what it had recorded: nothing left to catch up on.
    left = site.shell(
        "from django.db.models import F; from events.models import Talk; "
        "talks = Talk.objects.filter(event__slug__startswith='imported-'); "
        "print(talks.count(), talks.exclude(announced__seen_at=F('updated_at')).count())"
    )
    imported, unrecorded = (int(number) for number in left.split())
    assert imported > 0
    assert unrecorded == 0


def test_the_database_file_keeps_a_write_ahead_log(site):
    assert Path(f"{site.folder / 'db.sqlite3'}-wal").exists()
