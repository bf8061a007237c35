"""The render of a FOSDEM-sized day (tests/factories.py: 29 rooms, ~500 talks on Saturday), for `make bench`.

Run inside the benchmark's Django environment (bench/run.py calls it with the database it measures): prints one
line of JSON with the page's bytes and queries and the median milliseconds of its render
- after a change: one talk of the day edited, so the page's kept copy is stale while the other talks' cards are
  kept, as right after an organiser saves a talk;
- first: nothing cached at all, as the first visitor after a release finds it.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for tests/factories.py
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from events.models import Event  # noqa: E402
from tests.factories import make_fosdem_like_event  # noqa: E402

PATH = "/fosdem/schedule/?day=2025-02-01"


def timed(client):
    started = time.perf_counter()
    response = client.get(PATH)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, response


def main(rounds=7):
    event = Event.objects.filter(slug="fosdem").first() or make_fosdem_like_event()
    client = Client(HTTP_HOST="localhost")
    timed(client)  # compiles the templates, fills the cards' cache
    talks = list(event.talks.filter(starts_at__date="2025-02-01").order_by("pk")[:rounds])
    after_change = []
    for talk in talks:
        talk.title = talk.title + " (moved)"
        talk.save()  # bumps the schedule's version and the talk's change time
        after_change.append(timed(client)[0])
    first = []
    for _ in range(3):
        cache.clear()
        first.append(timed(client)[0])
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        _elapsed, response = timed(client)
    print(
        json.dumps(
            {
                "talks": event.talks.filter(starts_at__date="2025-02-01").count(),
                "rooms": event.rooms.filter(talks__starts_at__date="2025-02-01").distinct().count(),
                "bytes": len(response.content),
                "queries": len(queries),
                "after_change_ms": statistics.median(after_change),
                "first_ms": statistics.median(first),
            }
        )
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
