"""The production stack of `make serve` (deploy/serve.py: nginx in front of gunicorn) started for a test, and a
small HTTP client for talking to it as a browser would: cookies, CSRF tokens, forms, fresh connections."""

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import lxml.html
import psycopg
import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


# The stack's own settings come from the test, not from the environment the tests run in.
INHERITED_NOT = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CACHE_URL", "ALLOWED_HOSTS", "NUM_PROXIES"}


def nginx_path():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def skip_or_fail(reason):
    """Skip a stack test with its reason, except in CI (REQUIRE_STACK=1), where it must run."""
    if os.environ.get("REQUIRE_STACK"):
        pytest.fail(f"REQUIRE_STACK is set, but: {reason}")
    pytest.skip(reason)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_server():
    """postgres://user@host:port of the server the tests run on, or None when they run on SQLite."""
    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        return None
    user, host, port = database["USER"], database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}"


def postgres_admin(sql):
    with psycopg.connect(postgres_server() + "/postgres", autocommit=True) as connection:
        connection.execute(sql)


def database_name(name):
    """The name on the PostgreSQL server of this run's database `name`: followed by the test database's name
    (test_<the name DATABASE_URL gives>), so that two runs sharing a server never drop each other's."""
    return f"{name}_{settings.DATABASES['default']['NAME']}"[:63]  # PostgreSQL's longest name


def fresh_database(folder, name):
    """A new empty database for a stack, of the kind the tests run on: a SQLite file in `folder`, or database
    `name` (database_name()) on the PostgreSQL server (dropped first if an earlier run left it)."""
    if postgres_server() is None:
        return f"sqlite:///{Path(folder) / name}.sqlite3"
    postgres_admin(f"DROP DATABASE IF EXISTS {database_name(name)} WITH (FORCE)")
    postgres_admin(f"CREATE DATABASE {database_name(name)}")
    return f"{postgres_server()}/{database_name(name)}"


def drop_database(name):
    if postgres_server() is not None:
        postgres_admin(f"DROP DATABASE IF EXISTS {database_name(name)} WITH (FORCE)")


class Stack:
    """deploy/serve.py running in its own state folder, with the environment given."""

    def __init__(self, folder, env, app_servers=1):
        if not nginx_path():
            skip_or_fail("nginx is not installed (apt-get install nginx); .ci/run installs it.")
        self.folder = Path(folder)
        self.port = free_port()
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in INHERITED_NOT},
            "STATIC_ROOT": str(self.folder / "static"),
            "MEDIA_ROOT": str(self.folder / "media"),
            **env,
        }
        # Everything the stack prints goes to a file: a pipe nobody reads would fill up and stop the workers
        # (the console email backend and the logs write to stdout).
        self.log_path = self.folder / "serve.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(BASE_DIR / "deploy" / "serve.py"),
                f"--port={self.port}",
                f"--app-servers={app_servers}",
                f"--state-dir={self.folder / 'state'}",
                "--access-log=off",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        line = self._wait_for("Serving on")  # "Serving on ... gunicorn on 127.0.0.1:A, 127.0.0.1:B; ..."
        self.app_ports = [
            int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", line.split("gunicorn on")[1])
        ]

    def _wait_for(self, start, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            for line in self.log_path.read_text().splitlines():
                if line.startswith(start):
                    return line
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"make serve did not start:\n{self.log_path.read_text()}")

    def url(self, path, port=None):
        return f"http://127.0.0.1:{port or self.port}{path}"

    def app_master(self, port):
        """The pid of the gunicorn master serving `port`, as it wrote it (deploy/serve.py passes --pid)."""
        return int((self.folder / "state" / f"gunicorn-{port}.pid").read_text())

    def wait_for_another_master(self, port, old, seconds=30):
        """Waits until a master other than `old` serves `port` and its app answers /healthz; returns when."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if (
                    self.app_master(port) != old
                    and Browser().request(self.url("/healthz", port)).status == 200
                ):
                    return time.monotonic()
            except (OSError, ValueError):  # no pid file yet, or half written; refused
                pass
            time.sleep(0.05)
        raise AssertionError(
            f"no gunicorn serves port {port} again after {seconds} s:\n{self.log_path.read_text()}"
        )

    def manage(self, *args, code=None):
        """manage.py with the stack's settings; `code` runs in its shell."""
        command = [sys.executable, str(BASE_DIR / "manage.py"), *args]
        if code is not None:
            command += ["shell", "-v0", "-c", code]
        result = subprocess.run(
            command,
            cwd=BASE_DIR,
            env={**self.env, "DEBUG": "false", "SECRET_KEY": "stack-test"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def add_office_hours(self, title, seats_per_slot):
        """One office-hours session of the fixture's event in a month, of one 15-minute slot: open for signup."""
        self.manage(
            code=f"""
import datetime as dt
from django.utils import timezone
from events.models import Event, OfficeHours
starts = (timezone.now() + dt.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
OfficeHours.objects.create(
    event=Event.objects.get(slug="kubecon-eu-2022"), title={title!r}, starts_at=starts,
    ends_at=starts + dt.timedelta(minutes=15), slot_minutes=15, seats_per_slot={seats_per_slot},
    join_url="https://meet.example.org/office-hours",
)
"""
        )

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return self.process.returncode


class Load:
    """`clients` threads asking for `paths` in turn, each request on a new connection, until the block ends: a
    crowd on the stack while something breaks. `answers` holds (path, status) for each request: the status, or
    the name of the error for a request that got no answer. `form(browser, n)`, if given, is sent by one more
    thread, with n counting up: it returns the status of one form sent."""

    def __init__(self, stack, paths, clients=4, form=None):
        self.stack, self.paths, self.clients, self.form = stack, paths, clients, form
        self.answers, self.forms = [], []
        self.stopping = threading.Event()

    def __enter__(self):
        self.threads = [threading.Thread(target=self._ask, args=(n,)) for n in range(self.clients)]
        if self.form is not None:
            self.threads.append(threading.Thread(target=self._send_forms))
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def _ask(self, n):
        browser = Browser()
        while not self.stopping.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            try:
                status = browser.request(self.stack.url(path)).status
            except OSError as error:
                status = type(error).__name__
            self.answers.append((path, status))

    def _send_forms(self):
        n = 0
        while not self.stopping.is_set():
            try:
                status = self.form(Browser(), n)
            except OSError as error:
                status = type(error).__name__
            self.forms.append((n, status))
            n += 1


@contextlib.contextmanager
def stack_on_a_fresh_database(folder, name, env=None, app_servers=1):
    """A Stack on the new database `name` (fresh_database()), with `env`; stopped afterwards, which must go
    cleanly, and its database dropped."""
    running = Stack(folder, {"DATABASE_URL": fresh_database(folder, name), **(env or {})}, app_servers)
    yield running
    assert running.stop() == 0
    drop_database(name)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept, redirects not followed, a new connection per request (so each may reach another worker)."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, url, data=None, headers=None, method=None):
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict | list) else data
        request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())

    def form(self, url, form_xpath, values):
        """GET `url`, fill in the form found by `form_xpath` (keeping its hidden fields and CSRF token) and
        POST it to its action with the same Referer a browser sends."""
        page = self.request(url)
        assert page.status == 200, page.status
        form = lxml.html.fromstring(page.text).xpath(form_xpath)[0]
        # A list of pairs: a field may repeat (a multiple choice), and a browser sends each of them.
        fields = [(name, value) for name, value in form.form_values() if name not in values]
        action = urllib.parse.urljoin(url, form.get("action") or url)
        return self.request(action, fields + list(values.items()), headers={"Referer": url})


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")
