"""The worker that sends email and reminders (`manage.py db_worker`): django-tasks-db's, made safe to stop and to kill.

django-tasks-db's worker marks a task RUNNING when it takes it, and no worker ever takes a RUNNING task again: one
killed in the middle (kill -9, a crash, a lost database connection) stranded its task, and with it an email or a
reminder. A stop request did the same now and then: the worker exits at once when no task is running yet, and a
SIGTERM that arrives while the COMMIT of its claim on a task is under way is handled right after it, with the task
taken and not yet started. This worker
- finishes the task it has taken when asked to stop (SIGTERM, Ctrl-C), then exits; a second request stops it at
  once (an email being sent then goes back to the queue, portal.outbox.deliver);
- recovers when it starts, then every fifth of WORKER_LEASE_SECONDS: a task that has been running for longer than
  the lease is taken for lost and made ready to run again, and an email with no delivery task left gets one
  (portal.outbox.recover). Every task of the portal is short (a delivery waits at most EMAIL_TIMEOUT for each step
  of the mail server's), so only a dead worker holds one that long.
"""

import logging
import signal
import threading

from django.db import connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from . import outbox

logger = logging.getLogger(__name__)


def recover_tasks(now, *, backend_name):
    """Make the tasks that have been running for longer than the lease ready to run again: the worker that took
    them was killed or cut off. Returns how many."""
    lost = list(
        DBTaskResult.objects.running()
        .filter(backend_name=backend_name, started_at__lt=now - outbox.lease())
        .values_list("pk", "task_path", "started_at", "worker_ids")
    )
    for pk, task_path, started_at, worker_ids in lost:
        logger.warning(
            "Task %s (%s) was taken by worker %s at %s and never finished: it runs again.",
            pk,
            task_path,
            worker_ids[-1] if worker_ids else "?",
            started_at,
        )
    return (
        DBTaskResult.objects.running()
        .filter(pk__in=[pk for pk, *_rest in lost])
        .update(status=TaskResultStatus.READY, started_at=None)
    )


def recover(*, backend_name):
    """What workers that died left behind, queued to be done again: their tasks, then emails without a task."""
    now = timezone.now()
    recover_tasks(now, backend_name=backend_name)
    outbox.recover(now)


class Worker(db_worker.Worker):
    def shutdown(self, signum, frame):
        if not self.running:
            super().shutdown(signum, frame)  # asked twice: stop at once
        logger.warning(
            "Received %s: stopping after the current task (again: at once).", signal.strsignal(signum)
        )
        # The loop ends after the task it may have just taken, or after its pause of `interval` seconds.
        self.running = False

    def run(self):
        recover(backend_name=self.backend_name)
        if self.batch:
            super().run()
            return
        stop = threading.Event()
        recovery = threading.Thread(target=self.recover_until, args=[stop], name="recovery", daemon=True)
        recovery.start()
        try:
            super().run()
        finally:
            stop.set()
            recovery.join(timeout=10)

    def recover_until(self, stop):
        while not stop.wait(outbox.lease().total_seconds() / 5):
            try:
                recover(backend_name=self.backend_name)
            except Exception:
                logger.exception("Recovery failed; it tries again in a fifth of the lease.")
            finally:
                connections.close_all()  # this thread's own; the next round opens a fresh one
