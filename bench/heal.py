"""A gunicorn master killed (kill -9) under load: how many requests fail, and how soon the stack is whole again.

Usage: .venv/bin/python bench/heal.py [--seconds 12] [--app-servers 2] [--connections 16]

Starts deploy/serve.py (make serve) with the app servers asked for, on a fresh SQLite database with the shipped
fixture, and runs wrk through nginx over four addresses in turn: the office-hours page (never kept, so always
the app's), /healthz (the app's too), the schedule and a talk page (kept by nginx for a second). A third of the
way in, the first gunicorn master is killed with SIGKILL. Prints wrk's counts of requests and failures (answers
other than 2xx or 3xx, and socket errors) and the seconds until a new master serves the port and its app
answers /healthz. Stops everything it started.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    "/kubecon-eu-2022/office-hours/",
    "/healthz",
    "/kubecon-eu-2022/schedule/",
    "/kubecon-eu-2022/talks/kubernetes-networking-101/",
]
ROTATE = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8190)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="heal-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"),
    }
    log = folder / "serve.log"
    with open(log, "w") as output:
        serve = subprocess.Popen(
            [sys.executable, "deploy/serve.py", f"--port={args.port}", f"--app-servers={args.app_servers}",
             f"--state-dir={folder / 'state'}", "--access-log=off"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        while "Serving on" not in log.read_text():
            if serve.poll() is not None:
                raise SystemExit(log.read_text())
            time.sleep(0.2)
        app_port = int(re.search(r"gunicorn on 127\.0\.0\.1:(\d+)", log.read_text())[1])
        pidfile = folder / "state" / f"gunicorn-{app_port}.pid"
        script = folder / "rotate.lua"
        script.write_text(ROTATE % ", ".join(f'"{path}"' for path in PATHS))
        result = {}

        def load():
            result["wrk"] = subprocess.run(
                ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s", "-s", str(script),
                 f"http://127.0.0.1:{args.port}/"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip

        thread = threading.Thread(target=load)
        thread.start()
        time.sleep(args.seconds / 3)
        master = int(pidfile.read_text())
        os.kill(master, signal.SIGKILL)
        killed = time.monotonic()
        while not (
            pidfile.exists()
            and pidfile.read_text().strip() not in ("", str(master))
            and answers(f"http://127.0.0.1:{app_port}/healthz")
        ):
            time.sleep(0.05)
        whole = time.monotonic() - killed
        thread.join()
        output = result["wrk"]
        requests = int(re.search(r"(\d+) requests in", output)[1])
        failed = int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1])
        socket_errors = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
        )
        errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
        print(output)
        print(
            f"app servers: {args.app_servers}; requests: {requests}; failed: {failed} answers, {errors} socket "
            f"errors ({100 * (failed + errors) / requests:.2f} %); whole again after {whole:.1f} s"
        )
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


if __name__ == "__main__":
    main()
