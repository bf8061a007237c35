"""Races as concurrent requests run them: calls started at the same moment, each in a thread with its own
database connection, on PostgreSQL, whose row locks are what the races test."""

import threading

import pytest
from django.db import connection, connections


def race(test):
    """Marks a race test: PostgreSQL only (SQLite serialises all writers, so a race proves nothing there), with
    real transactions that the threads' connections can see."""
    marks = [
        pytest.mark.postgres,
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason="the race needs PostgreSQL's row locks; SQLite serialises all writers, so it proves nothing there",
        ),
        pytest.mark.django_db(transaction=True),
    ]
    for mark in marks:
        test = mark(test)
    return test


def run_together(calls):
    """Run the callables `calls` in threads of their own, all starting at once; returns the exceptions they
    raised (a call catches those it expects)."""
    start_together = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            start_together.wait()
            call()
        except Exception as exc:  # noqa: BLE001  (the caller asserts there were none)
            errors.append(exc)
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
