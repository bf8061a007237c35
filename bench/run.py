"""Benchmark: the 600-talk conference served by gunicorn, measured with wrk beside a static ceiling.

Usage: make bench  (or .venv/bin/python bench/run.py --help)

Imports the frab file into a fresh SQLite database (and a fresh PostgreSQL database beside the one
DATABASE_URL names, when it is set), starts gunicorn with 2 workers and DEBUG off, and measures each
page cold (cache disabled: every request renders) and warm (cache filled), then the same bytes as the
schedule page returned from memory by a trivial WSGI app under the same gunicorn settings. Prints one
Markdown table and stops every process it started.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "synthcon-600.xml"
EVENT = "synthcon"

# Measures queries and bytes of each page inside Django, cold (empty cache) and warm.
PROBE = r"""
import json, sys
import django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="localhost")
out = {}
for path in json.loads(sys.argv[1]):
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path, HTTP_ACCEPT="text/html")
    with CaptureQueriesContext(connection) as warm:
        client.get(path, HTTP_ACCEPT="text/html")
    body = response.content if not response.streaming else b"".join(response.streaming_content)
    out[path] = {"status": response.status_code, "bytes": len(body), "cold_queries": len(cold), "warm_queries": len(warm)}
print(json.dumps(out))
"""

# Picks the addresses to measure from the imported data, and adds office hours to have something to show.
SETUP = r"""
import json, datetime as dt
import django
django.setup()
from events.models import Event, OfficeHours
event = Event.objects.get(slug=%r)
talk = event.talks.published().order_by("starts_at", "pk").first()
if not event.office_hours.exists():
    start = dt.datetime.combine(event.start_date, dt.time(12, 30), tzinfo=event.tzinfo)
    OfficeHours.objects.create(event=event, title="Office hours", starts_at=start,
                               ends_at=start + dt.timedelta(minutes=45), slot_minutes=15, seats_per_slot=5)
print(json.dumps({"talk": talk.slug}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, capture=False):
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return result.stdout


def python(env, code, *args):
    output = subprocess.run(
        [PYTHON, "-c", code, *args], cwd=ROOT, env=env, check=True, text=True, capture_output=True
    ).stdout
    return output.strip().splitlines()[-1]  # logs also go to stdout; the answer is the last line


@contextmanager
def gunicorn(env, app="portal.wsgi", workers=2):
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            app,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_rss_mb(master):
    rss = []
    for pid in subprocess.run(
        ["pgrep", "-P", str(master.pid)], capture_output=True, text=True
    ).stdout.split():
        status = Path(f"/proc/{pid}/status").read_text()
        rss.append(int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024)
    return rss


def to_ms(value):
    number, unit = (
        float(value[:-2] if value.endswith(("ms", "us")) else value[:-1]),
        value.lstrip("0123456789."),
    )
    return number * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url, args):
    # Let requests queued by the previous run drain first, so they don't eat into this one.
    time.sleep(1)
    output = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            "-H",
            "Accept: text/html",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = to_ms(re.search(r"\s50%\s+([\d.]+\w+)", output)[1])
    p99 = to_ms(re.search(r"\s99%\s+([\d.]+\w+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "p50": p50, "p99": p99, "non2xx": int(errors[1]) if errors else 0}


def single_request_ms(url, times=5):
    """Median time of one request alone (no queueing behind other connections)."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        urllib.request.urlopen(
            urllib.request.Request(url, headers={"Accept": "text/html"}), timeout=60
        ).read()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)[len(timings) // 2]


def prime(url, times=20):
    for _ in range(times):
        urllib.request.urlopen(
            urllib.request.Request(url, headers={"Accept": "text/html"}), timeout=30
        ).read()


def fresh_postgres(url):
    """A new empty database beside the one `url` names (that one is left alone)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), name


def measure(label, database_url, args, workdir):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("CACHE_URL", None)
    print(f"[{label}] migrating, importing {args.data.name} ...", file=sys.stderr)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    started = time.perf_counter()
    manage(env, "import_frab", str(args.data), "--event", EVENT)
    import_seconds = time.perf_counter() - started
    talk = json.loads(python(env, SETUP % EVENT))["talk"]
    pages = {
        "schedule page": f"/{EVENT}/schedule/",
        "schedule.json": f"/{EVENT}/schedule.json",
        "schedule.xml": f"/{EVENT}/schedule.xml",
        "schedule.ics": f"/{EVENT}/schedule.ics",
        "talk page": f"/{EVENT}/talks/{talk}/",
        "speakers list": f"/{EVENT}/speakers/",
        "office-hours page": f"/{EVENT}/office-hours/",
    }
    probe = json.loads(python(env, PROBE, json.dumps(list(pages.values()))))
    rows = []
    print(f"[{label}] cold runs (cache disabled) ...", file=sys.stderr)
    with gunicorn({**env, "CACHE_URL": "dummycache://"}) as (base, _):
        for name, path in pages.items():
            # Each worker's first render compiles templates and opens its connection: not the cache's
            # doing, so leave it out. With the cache disabled every request still renders.
            prime(base + path, times=4)
            alone = single_request_ms(base + path)
            rows.append((name, "cold", path, {**wrk(base + path, args), "alone": alone}))
    print(f"[{label}] warm runs ...", file=sys.stderr)
    with gunicorn(env) as (base, master):
        for name, path in pages.items():
            prime(base + path)
            alone = single_request_ms(base + path)
            rows.append((name, "warm", path, {**wrk(base + path, args), "alone": alone}))
        schedule_body = urllib.request.urlopen(
            urllib.request.Request(base + pages["schedule page"], headers={"Accept": "text/html"})
        ).read()
        rss = worker_rss_mb(master)
    body_file = workdir / "ceiling.html"
    body_file.write_bytes(schedule_body)
    print(f"[{label}] static ceiling ...", file=sys.stderr)
    with gunicorn({**env, "BENCH_BODY_FILE": str(body_file)}, app="bench.ceiling:application") as (base, _):
        ceiling = wrk(base + "/", args)
    return {
        "label": label,
        "rows": rows,
        "probe": probe,
        "ceiling": ceiling,
        "rss": rss,
        "ceiling_bytes": len(schedule_body),
        "import_seconds": import_seconds,
    }


def report(result, args):
    ceiling = result["ceiling"]["rate"]
    lines = [
        f"### {result['label']}: {args.data.name}, gunicorn 2 workers, wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s",
        "",
        "| page | cache | one request alone, ms | req/s | p50 ms | p99 ms | bytes | queries | % of ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, mode, path, run in result["rows"]:
        probe = result["probe"][path]
        queries = probe["cold_queries"] if mode == "cold" else probe["warm_queries"]
        flag = "" if run["non2xx"] == 0 and probe["status"] == 200 else f" ({run['non2xx']} non-2xx!)"
        lines.append(
            f"| {name} | {mode} | {run['alone']:.1f} | {run['rate']:,.1f}{flag} | {run['p50']:.1f} | {run['p99']:.1f} | "
            f"{probe['bytes']:,} | {queries} | {100 * run['rate'] / ceiling:.0f} % |"
        )
    run = result["ceiling"]
    lines.append(
        f"| static ceiling (same {result['ceiling_bytes']:,} bytes from memory) | – | – | {run['rate']:,.1f} | "
        f"{run['p50']:.1f} | {run['p99']:.1f} | {result['ceiling_bytes']:,} | 0 | 100 % |"
    )
    lines += [
        "",
        f"Import of {args.data.name}: {result['import_seconds']:.1f} s. "
        f"Worker resident memory after the runs: {', '.join(f'{mb:.0f} MB' for mb in result['rss'])}.",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BENCH_DATA", DEFAULT_DATA)))
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not args.data.exists():
        parser.error(f"{args.data} does not exist: pass --data or set BENCH_DATA to a frab schedule.xml")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk; `make bench` installs it)")

    results = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        results.append(measure("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir))
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            url, name = fresh_postgres(os.environ["DATABASE_URL"])
            try:
                results.append(measure("PostgreSQL", url, args, workdir))
            finally:
                import psycopg

                admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}"
    print(f"\nMeasured {time.strftime('%Y-%m-%d')} on {machine}.\n")
    for result in results:
        print(report(result, args))


if __name__ == "__main__":
    main()
