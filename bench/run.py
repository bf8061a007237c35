"""Benchmark: the 600-talk conference served by gunicorn, measured with wrk beside a static ceiling.

Usage: make bench  (or .venv/bin/python bench/run.py --help)

Imports the frab file into a fresh SQLite database (and a fresh PostgreSQL database beside the one
DATABASE_URL names, when it is set), starts gunicorn with 2 workers, DEBUG off and otherwise the default
settings (variables set in the environment, such as CONN_MAX_AGE, are passed on), and measures each page
- first: nothing cached (CACHE_URL=dummycache://), as the first visitor after a release finds it;
- cold: right after a change to the schedule: the page's kept copy misses, but the pieces kept per talk
  are there, as they are for every talk the change did not touch (bench/after_a_change.py);
- warm: the page served from the cache;
- edge: through nginx in front of gunicorn as `make serve` runs them (deploy/serve.py), which keeps shared
  pages for a second;
then each page's own bytes returned from memory by a trivial WSGI app under the same gunicorn settings (its
ceiling on gunicorn) and served by the same nginx from a static file (its ceiling through nginx). Last, idle
and slow clients are held against nginx and against gunicorn alone while normal requests are timed
(bench/slow_clients.py). Prints one Markdown table per database and stops every process it started.
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

import slow_clients  # bench/slow_clients.py, beside this script

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
for name, path, headers in json.loads(sys.argv[1]):
    meta = {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path, **meta)
    with CaptureQueriesContext(connection) as warm:
        client.get(path, **meta)
    out[name] = {"status": response.status_code, "bytes": len(response.content), "cold_queries": len(cold), "warm_queries": len(warm)}
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
speaker = talk.speakers.order_by("pk").first()
if not event.office_hours.exists():
    start = dt.datetime.combine(event.start_date, dt.time(12, 30), tzinfo=event.tzinfo)
    OfficeHours.objects.create(event=event, title="Office hours", starts_at=start,
                               ends_at=start + dt.timedelta(minutes=45), slot_minutes=15, seats_per_slot=5)
print(json.dumps({"talk": talk.slug, "speaker": speaker.slug}))
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


@contextmanager
def serve(env, workdir):
    """deploy/serve.py (make serve): nginx on a free port in front of gunicorn with 2 workers."""
    port = free_port()
    state = workdir / "serve"
    state.mkdir(exist_ok=True)
    log = state / "serve.log"
    # A file, not a pipe: a pipe nobody reads fills up and stops the workers that write to stdout.
    with open(log, "w") as output:
        process = subprocess.Popen(
            [PYTHON, "deploy/serve.py", f"--port={port}", f"--state-dir={state}", "--access-log=off"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        for _ in range(600):
            serving = [line for line in log.read_text().splitlines() if line.startswith("Serving on")]
            if serving or process.poll() is not None:
                break
            time.sleep(0.2)
        if not serving:
            raise RuntimeError(f"make serve did not start:\n{log.read_text()}")
        gunicorn_port = int(re.search(r"gunicorn on 127\.0\.0\.1:(\d+)", serving[0])[1])
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{gunicorn_port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
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


def wrk(url, args, headers):
    # Let requests queued by the previous run drain first, so they don't eat into this one.
    time.sleep(1)
    header_args = [part for key, value in headers.items() for part in ("-H", f"{key}: {value}")]
    output = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--latency",
            *header_args,
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


def fetch(url, headers):
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60).read()


def single_request_ms(url, headers, times=5):
    """Median time of one request alone (no queueing behind other connections)."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        fetch(url, headers)
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)[len(timings) // 2]


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


HTML = {"Accept": "text/html"}


def pages_of(talk, speaker):
    """(name, path, request headers) of each page measured."""
    return [
        ("schedule page", f"/{EVENT}/schedule/", HTML),
        ("schedule page, gzip", f"/{EVENT}/schedule/", {**HTML, "Accept-Encoding": "gzip"}),
        ("schedule.json", f"/{EVENT}/schedule.json", HTML),
        ("schedule.xml", f"/{EVENT}/schedule.xml", HTML),
        ("schedule.ics", f"/{EVENT}/schedule.ics", HTML),
        ("talk page", f"/{EVENT}/talks/{talk}/", HTML),
        ("speakers list", f"/{EVENT}/speakers/", HTML),
        ("speaker page", f"/{EVENT}/speakers/{speaker}/", HTML),
        ("office-hours page", f"/{EVENT}/office-hours/", HTML),
    ]


def measure(label, database_url, args, workdir):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("CACHE_URL", None)
    print(f"[{label}] migrating, importing {args.data.name} ...", file=sys.stderr)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    started = time.perf_counter()
    manage(env, "import_frab", str(args.data), "--event", EVENT, "--publish")
    import_seconds = time.perf_counter() - started
    pages = pages_of(**json.loads(python(env, SETUP % EVENT)))
    if args.pages:
        pages = [page for page in pages if page[0] in args.pages]
    probe = json.loads(python(env, PROBE, json.dumps(pages)))
    grid_day = None
    if "grid" in args.modes:
        print(f"[{label}] a FOSDEM-sized day (bench/grid_day.py) ...", file=sys.stderr)
        grid_day = json.loads(
            subprocess.run(
                [PYTHON, "bench/grid_day.py"], cwd=ROOT, env=env, check=True, text=True, capture_output=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    rows = []
    for mode, app, extra in [
        ("first", "portal.wsgi", {"CACHE_URL": "dummycache://"}),
        ("cold", "bench.after_a_change:application", {}),
    ]:
        if mode not in args.modes:
            continue
        print(f"[{label}] {mode} runs ...", file=sys.stderr)
        with gunicorn({**env, **extra}, app=app) as (base, _):
            for name, path, headers in pages:
                if "gzip" in name:
                    continue  # compressing is the cache's part: measured warm
                # Each worker's first render compiles templates, opens its connection and (cold) fills the
                # pieces kept per talk: leave those out.
                for _ in range(4):
                    fetch(base + path, headers)
                alone = single_request_ms(base + path, headers)
                rows.append((name, mode, {**wrk(base + path, args, headers), "alone": alone}))
    print(f"[{label}] warm runs ...", file=sys.stderr)
    bodies = workdir / "bodies"
    bodies.mkdir(exist_ok=True)
    with gunicorn(env) as (base, master):
        for index, (name, path, headers) in enumerate(pages):
            for _ in range(20):
                body = fetch(base + path, headers)
            (bodies / str(index)).write_bytes(body)
            if "warm" in args.modes:
                alone = single_request_ms(base + path, headers)
                rows.append((name, "warm", {**wrk(base + path, args, headers), "alone": alone}))
        rss = worker_rss_mb(master)
    print(f"[{label}] static ceilings ...", file=sys.stderr)
    ceilings = {}
    with gunicorn({**env, "BENCH_BODY_DIR": str(bodies)}, app="bench.ceiling:application") as (base, _):
        for index, (name, _path, headers) in enumerate(pages):
            ceilings[name] = {
                **wrk(f"{base}/{index}", args, headers),
                "bytes": (bodies / str(index)).stat().st_size,
            }
    nginx_ceilings, slow = {}, None
    if "edge" in args.modes:
        print(f"[{label}] edge runs (nginx in front, as make serve runs it) ...", file=sys.stderr)
        # The same bytes as static files, for nginx's own ceiling.
        shutil.copytree(bodies, Path(env["STATIC_ROOT"]) / "bench", dirs_exist_ok=True)
        with serve(env, workdir) as (base, app):
            for index, (name, path, headers) in enumerate(pages):
                for _ in range(5):
                    fetch(base + path, headers)
                alone = single_request_ms(base + path, headers)
                rows.append((name, "edge", {**wrk(base + path, args, headers), "alone": alone}))
                nginx_ceilings[name] = wrk(f"{base}/static/bench/{index}", args, headers)
            if args.slow_clients:
                print(f"[{label}] idle and slow clients ...", file=sys.stderr)
                page = f"/{EVENT}/schedule/"
                slow = {
                    "nginx": slow_clients.trial(base + page, seconds=args.slow_clients),
                    "gunicorn alone": slow_clients.trial(app + page, seconds=args.slow_clients),
                }
    return {
        "label": label,
        "grid_day": grid_day,
        "rows": rows,
        "probe": probe,
        "ceilings": ceilings,
        "nginx_ceilings": nginx_ceilings,
        "slow": slow,
        "slow_seconds": args.slow_clients,
        "rss": rss,
        "import_seconds": import_seconds,
    }


def report(result, args):
    lines = [
        f"### {result['label']}: {args.data.name}, gunicorn 2 workers, wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s",
        "",
        "| page | cache | one request alone, ms | req/s | p50 ms | p99 ms | bytes | queries | ceiling req/s "
        "| % of ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, mode, run in result["rows"]:
        probe = result["probe"][name]
        ceiling = (
            {**result["ceilings"][name], **result["nginx_ceilings"].get(name, {})}
            if mode == "edge"
            else (result["ceilings"][name])
        )
        queries = probe["warm_queries"] if mode in ("warm", "edge") else probe["cold_queries"]
        flag = "" if run["non2xx"] == 0 and probe["status"] == 200 else f" ({run['non2xx']} non-2xx!)"
        lines.append(
            f"| {name} | {mode} | {run['alone']:.1f} | {run['rate']:,.1f}{flag} | {run['p50']:.1f} | "
            f"{run['p99']:.1f} | {ceiling['bytes']:,} | {queries} | {ceiling['rate']:,.0f} | "
            f"{100 * run['rate'] / ceiling['rate']:.0f} % |"
        )
    lines += [
        "",
        "The ceiling of a page is the same bytes returned from memory by a trivial WSGI app (bench/ceiling.py) under "
        "the same gunicorn; for the edge rows, the same bytes served by the same nginx from a static file. "
        f"Import of {args.data.name}: {result['import_seconds']:.1f} s. "
        f"Worker resident memory after the runs: {', '.join(f'{mb:.0f} MB' for mb in result['rss'])}.",
        "",
    ]
    if result["grid_day"]:
        day = result["grid_day"]
        lines += [
            f"A FOSDEM-sized day (bench/grid_day.py: {day['rooms']} rooms, {day['talks']} talks, "
            f"`/fosdem/schedule/?day=2025-02-01`): {day['bytes']:,} bytes of HTML, {day['queries']} queries; "
            f"render after a change to one talk {day['after_change_ms']:.0f} ms (median), "
            f"with nothing cached {day['first_ms']:.0f} ms.",
            "",
        ]
    if result["slow"]:
        lines += [
            f"Normal requests for the schedule page, one each half second for {result['slow_seconds']} s, while 200 idle "
            "and 50 slow connections (one header byte per second, opened again whenever the server closes them) "
            "are held:",
            "",
            "| in front | answered | slowest ms | connections reopened |",
            "|---|---:|---:|---:|",
        ]
        for where, trial in result["slow"].items():
            lines.append(
                f"| {where} | {trial['answered']} of {trial['asked']} | {trial['slowest_ms']:,.0f} | {trial['reopened']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BENCH_DATA", DEFAULT_DATA)))
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--pages",
        type=lambda value: value.split(","),
        help="only these pages, comma-separated (names as printed)",
    )
    parser.add_argument(
        "--modes",
        type=lambda value: value.split(","),
        default=["first", "cold", "warm", "edge", "grid"],
        help="first, cold, warm, edge, grid (a FOSDEM-sized day's render) or several, comma-separated "
        "(default: all five)",
    )
    parser.add_argument(
        "--slow-clients",
        type=int,
        default=30,
        metavar="SECONDS",
        help="hold idle and slow clients this long against nginx and gunicorn (0: skip; default 30)",
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="measure PostgreSQL only (with DATABASE_URL set to it)"
    )
    args = parser.parse_args()
    if not args.data.exists():
        parser.error(f"{args.data} does not exist: pass --data or set BENCH_DATA to a frab schedule.xml")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk; `make bench` installs it)")

    results = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        if not args.no_sqlite:
            results.append(measure("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir))
            args.slow_clients = 0  # held clients try nginx and gunicorn, not the database: once is enough
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
