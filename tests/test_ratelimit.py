"""Per-client counters in the database: a window ends where it began, and attempts at the same moment all count."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from portal import ratelimit
from portal.models import Counter


@pytest.mark.django_db
def test_a_window_ends_where_it_began_however_many_attempts_follow():
    assert ratelimit.count("login:203.0.113.7", 900) == 1
    began = Counter.objects.get(key="login:203.0.113.7").expires_at

    counts = [ratelimit.count("login:203.0.113.7", 900) for _ in range(4)]

    assert counts == [2, 3, 4, 5]
    assert Counter.objects.get(key="login:203.0.113.7").expires_at == began
    assert ratelimit.current("login:203.0.113.7") == 5


@pytest.mark.django_db
def test_after_its_window_a_counter_starts_again_at_one():
    for _ in range(3):
        ratelimit.count("signup:203.0.113.7", 600)
    Counter.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert ratelimit.current("signup:203.0.113.7") == 0
    assert ratelimit.count("signup:203.0.113.7", 600) == 1


@pytest.mark.django_db
def test_each_client_and_each_purpose_counts_on_its_own():
    ratelimit.count("login:203.0.113.7", 900)
    ratelimit.count("login:203.0.113.7", 900)
    ratelimit.count("login:198.51.100.2", 900)
    ratelimit.reset("login:203.0.113.7")

    assert ratelimit.current("login:203.0.113.7") == 0
    assert ratelimit.current("login:198.51.100.2") == 1
    assert ratelimit.current("signup:198.51.100.2") == 0


@pytest.mark.django_db(transaction=True)
def test_attempts_at_the_same_moment_are_all_counted():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; PostgreSQL runs the attempts side by side")
    start = threading.Barrier(20, timeout=30)

    def attempt():
        start.wait()
        try:
            ratelimit.count("login:203.0.113.7", 900)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ratelimit.current("login:203.0.113.7") == 20
