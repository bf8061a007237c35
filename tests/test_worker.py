"""The worker (`manage.py db_worker`) as production runs it: a real process beside a real SMTP server, on a database
of its own (a SQLite file, or a PostgreSQL database in the PostgreSQL run), killed (SIGKILL) and stopped (SIGTERM)
in the middle of sends. No email is stranded, and none arrives twice with different Message-IDs."""

import collections
import email
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import get_commands
from django.db import connection

from tests.mailservers import MailServer, free_port
from tests.stack import BASE_DIR, INHERITED_NOT, drop_database, fresh_database

LEASE = 3  # seconds, so that a lost send is taken up again quickly; production's default is 300
LONG_LEASE = 600  # longer than any of these tests: what happens then is not the lease's doing

POST = """
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from portal import outbox
from portal.models import Email
Email.objects.all().delete()
DBTaskResult.objects.all().delete()
for n in range({count}):
    with transaction.atomic():
        outbox.post(EmailMessage(f"Doors open {{n}}", "At nine.", to=[f"person{{n}}@example.org"]))
"""

# Emails posted one by one, as signups make them, until the test stops it.
FLOW = """
import time
from django.core.mail import EmailMessage
from django.db import transaction
from portal import outbox
for n in range(1000):
    with transaction.atomic():
        outbox.post(EmailMessage(f"Flow {n}", "At nine.", to=[f"flow{n}@example.org"]))
    time.sleep(0.1)
"""

STATE = """
import json
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from portal.models import Email
emails = [
    {"to": e.to, "status": e.status, "message_id": e.message_id, "claimed": e.claimed_until is not None}
    for e in Email.objects.order_by("pk")
]
tasks = dict(DBTaskResult.objects.order_by().values_list("status").annotate(n=Count("pk")))
print(json.dumps({"emails": emails, "tasks": tasks}))
"""


class Portal:
    """manage.py on a database of its own: shell code, and workers sending to a local SMTP server."""

    def __init__(self, folder, database_url):
        self.folder = folder
        self.smtp_port = free_port()
        self.env = {
            **{key: value for key, value in os.environ.items() if key not in INHERITED_NOT},
            "DEBUG": "false",
            "SECRET_KEY": "worker-test",
            "DATABASE_URL": database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "EMAIL_TIMEOUT": "10",
            "WORKER_LEASE_SECONDS": str(LEASE),
        }
        self.logs = []
        self.processes = []

    def command(self, *args):
        return [sys.executable, str(BASE_DIR / "manage.py"), *args]

    def shell(self, code):
        result = subprocess.run(
            self.command("shell", "-v0", "-c", code),
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def post(self, count):
        self.shell(POST.format(count=count))

    def state(self):
        return json.loads(self.shell(STATE).strip().splitlines()[-1])

    def start(self, *args, lease=LEASE):
        """manage.py with `args` in a process of its own, its output in a file."""
        log = self.folder / f"process-{len(self.logs)}.log"
        self.logs.append(log)
        command = self.command(*args)
        with open(log, "w") as output:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, "WORKER_LEASE_SECONDS": str(lease)},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def worker(self, lease=LEASE):
        return self.start("db_worker", "--no-reload", "--no-startup-delay", "-v0", lease=lease)

    def output(self):
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in self.logs)

    def wait_until(self, condition, seconds, what):
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not after {seconds} s\n{self.output()}")
            time.sleep(0.02)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated database that the worker processes share with the test's manage.py commands."""
    folder = tmp_path_factory.mktemp("worker")
    name = f"{connection.settings_dict['NAME']}_worker" if connection.vendor == "postgresql" else "worker"
    url = fresh_database(folder, name)
    Portal(folder, url).start("migrate", "--noinput", "-v0").wait(timeout=300)
    yield folder, url
    drop_database(name)


@pytest.fixture
def portal(database, tmp_path):
    folder, url = database
    portal = Portal(tmp_path, url)
    yield portal
    for process in portal.processes:
        if process.poll() is None:  # a test that failed half-way left it running
            process.kill()
            process.wait()
    print(portal.output())


def received(server):
    """(recipient, Message-ID) of every message the server received, in order."""
    return [
        (envelope.rcpt_tos[0], email.message_from_bytes(envelope.content)["Message-ID"])
        for envelope in server.messages
    ]


def stop(process, timeout=60):
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def test_manage_py_db_worker_is_the_portals_worker():
    assert get_commands()["db_worker"] == "portal"


def test_a_worker_killed_in_the_middle_of_twenty_sends_leaves_none_unsent_once_one_runs_again(portal):
    portal.post(20)

    with MailServer(portal.smtp_port, delay=0.5) as server:
        first = portal.worker()
        # The sixth message is with the server, its answer not yet given: the worker dies in the middle of it.
        portal.wait_until(lambda: len(server.messages) >= 6, 120, "six messages sent")
        first.kill()
        first.wait()
        killed_at = time.monotonic()
        (cut_short,) = [e for e in portal.state()["emails"] if e["status"] == "queued" and e["claimed"]]

        second = portal.worker()
        portal.wait_until(lambda: len(server.messages) == 21, 120, "the other fourteen and the one cut short")
        delivered_in = time.monotonic() - killed_at
        assert stop(second) == 0
        state = portal.state()

    print(f"\nkill -9 after 6 of 20: all 20 delivered {delivered_in:.1f} s after the kill (lease {LEASE} s)")
    assert [e["status"] for e in state["emails"]] == ["sent"] * 20
    assert "RUNNING" not in state["tasks"]
    ids = {e["to"]: e["message_id"] for e in state["emails"]}
    # Each recipient got its email with the Message-ID it has in the outbox: a second copy is recognisable.
    assert {(to, message_id) for to, message_id in received(server)} == set(ids.items())
    counts = collections.Counter(message_id for _to, message_id in received(server))
    assert counts[cut_short["message_id"]] == 2  # with the server when the worker died, and once more
    assert sorted(counts.values()) == [1] * 19 + [2]


def test_a_stopped_worker_finishes_the_email_it_is_sending_and_the_next_sends_the_rest(portal):
    portal.post(3)

    with MailServer(portal.smtp_port, delay=2) as server:
        first = portal.worker(lease=LONG_LEASE)
        portal.wait_until(lambda: len(server.messages) == 1, 120, "the first message with the server")
        code = stop(first)
        after_the_stop = portal.state()
        assert len(server.messages) == 1

        second = portal.worker(lease=LONG_LEASE)
        portal.wait_until(lambda: len(server.messages) == 3, 120, "the other two delivered")
        assert stop(second) == 0
        state = portal.state()

    assert code == 0
    assert [(e["status"], e["claimed"]) for e in after_the_stop["emails"]] == [
        ("sent", False),
        ("queued", False),
        ("queued", False),
    ]
    assert "RUNNING" not in after_the_stop["tasks"]
    assert [e["status"] for e in state["emails"]] == ["sent"] * 3
    assert sorted(received(server)) == sorted((e["to"], e["message_id"]) for e in state["emails"])


def test_a_worker_stopped_twice_gives_the_email_back_and_the_next_sends_it_at_once(portal):
    portal.post(1)

    with MailServer(portal.smtp_port, delay=3) as server:
        first = portal.worker(lease=LONG_LEASE)
        portal.wait_until(lambda: len(server.messages) == 1, 120, "the message with the server")
        first.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        stop(first)  # asked again: at once
        (released,) = portal.state()["emails"]

        second = portal.worker(lease=LONG_LEASE)
        portal.wait_until(lambda: len(server.messages) == 2, 60, "sent by the next worker")
        assert stop(second) == 0
        (sent,) = portal.state()["emails"]

    assert (released["status"], released["claimed"]) == ("queued", False)
    assert sent["status"] == "sent"
    assert received(server) == [(sent["to"], sent["message_id"])] * 2


def test_no_stop_strands_an_email_while_signups_flow(portal):
    portal.post(0)
    with MailServer(portal.smtp_port) as server:
        flow = portal.start("shell", "-v0", "-c", FLOW)
        try:
            for _ in range(6):
                worker = portal.worker(lease=LONG_LEASE)
                sending = len(server.messages) + 3
                portal.wait_until(lambda n=sending: len(server.messages) >= n, 120, "the worker sending")
                time.sleep(random.uniform(0, 0.3))
                assert stop(worker) == 0
        finally:
            stop(flow)
        # What a stop stranded would still be running, or held, until the long lease ran out.
        stopped = portal.state()
        last = portal.start("db_worker", "--batch", "--no-startup-delay", "-v0", lease=LONG_LEASE)
        assert last.wait(timeout=120) == 0
        state = portal.state()

    assert "RUNNING" not in stopped["tasks"]
    assert [e for e in stopped["emails"] if e["claimed"]] == []
    assert len(state["emails"]) > 20
    assert [e for e in state["emails"] if e["status"] != "sent"] == []
    assert sorted(received(server)) == sorted((e["to"], e["message_id"]) for e in state["emails"])
