"""`make serve`: the production stack on this machine, nginx in front of gunicorn, until Ctrl-C.

    .venv/bin/python deploy/serve.py --port 8080 [--app-servers 2]

DEBUG is off, static files are collected and served by nginx, as are uploads (MEDIA_ROOT, media/), migrations are applied and, on an empty
database, the shipped fixture is loaded. The database is SQLite unless DATABASE_URL names another. Without
SECRET_KEY in the environment, a key is generated once into .serve/secret_key (not tracked). nginx's
configuration is deploy/nginx.conf, filled in and wrapped in a main configuration under .serve/, where its
logs, temporary files and kept pages live too. Ctrl-C (or SIGTERM) stops everything this started.
"""

import argparse
import getpass
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEPLOY = BASE_DIR / "deploy"
FIXTURE = BASE_DIR / "fixtures" / "kubecon-eu-2022.json"

MAIN_CONFIG = """\
# Written by deploy/serve.py for `make serve`; the portal's part is {portal_conf}.
daemon off;
{user}worker_processes auto;
pid {state}/nginx.pid;
error_log stderr warn;

events {{
    # Every idle or slow client holds one connection here, not a gunicorn worker.
    worker_connections 4096;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {access_log};
    client_body_temp_path {state}/nginx/client_body;
    proxy_temp_path {state}/nginx/proxy;
    fastcgi_temp_path {state}/nginx/fastcgi;
    uwsgi_temp_path {state}/nginx/uwsgi;
    scgi_temp_path {state}/nginx/scgi;

    include {portal_conf};
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"serve: a process stopped while starting (exit code {process.returncode}).")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"serve: nothing answers on port {port} after {seconds} s.")


def secret_key(state):
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = state / "secret_key"
    if not path.exists():
        # Readable by this user only from the moment it exists.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def app_environment(state, port):
    env = dict(os.environ)
    env.update(DEBUG="false", SECRET_KEY=secret_key(state))
    # nginx is the one proxy in front: the client's address is the last one it adds to X-Forwarded-For.
    env.setdefault("NUM_PROXIES", "1")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env.setdefault("STATIC_ROOT", str(BASE_DIR / "staticfiles"))
    env.setdefault("MEDIA_ROOT", str(BASE_DIR / "media"))
    # Links in email point at this stack; the worker sends them after the request is gone.
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    return env


def prepare(env):
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    has_events = subprocess.run(
        [*manage, "shell", "-v0", "-c", "from events.models import Event; print(Event.objects.exists())"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if has_events == "False":
        subprocess.run([*manage, "loaddata", str(FIXTURE), "-v0"], env=env, check=True)


def nginx_config(state, port, app_ports, static_root, media_root, access_log):
    portal = (DEPLOY / "nginx.conf").read_text()
    values = {
        "LISTEN": f"127.0.0.1:{port}",
        "UPSTREAM": "\n    ".join(f"server 127.0.0.1:{app_port};" for app_port in app_ports),
        "CACHE_DIR": str(state / "nginx" / "pages"),
        "STATIC_ROOT": str(Path(static_root).resolve()),
        "MEDIA_ROOT": str(Path(media_root).resolve()),
        "TEMPLATES": str(BASE_DIR / "templates"),
    }
    for name, value in values.items():
        portal = portal.replace(f"@{name}@", value)
    (state / "portal.conf").write_text(portal)
    # Run as root, nginx would hand its workers to "nobody", who may not read this checkout: keep this user.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    main = MAIN_CONFIG.format(
        state=state, user=user, portal_conf=state / "portal.conf", access_log=access_log
    )
    (state / "nginx.conf").write_text(main)
    return state / "nginx.conf"


class StopRequested(Exception):
    pass


def _stop_requested(number, frame):
    raise StopRequested


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    parser.add_argument("--app-servers", type=int, default=1, help="gunicorn instances behind nginx")
    parser.add_argument("--state-dir", default=str(BASE_DIR / ".serve"), help="keys, logs and kept pages")
    parser.add_argument("--access-log", default="/dev/stdout", help="nginx's access log (off: none)")
    args = parser.parse_args()

    # Ctrl-C, a closed terminal and a stop request all end the same way: everything started is stopped.
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _stop_requested)

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("serve: nginx is not installed (Debian: apt-get install nginx).")
    state = Path(args.state_dir).resolve()
    for folder in ("nginx/client_body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi", "nginx/scgi"):
        (state / folder).mkdir(parents=True, exist_ok=True)

    env = app_environment(state, args.port)
    prepare(env)

    processes = []

    def stop():
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C must not cut the stopping short
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    try:
        app_ports = []
        for _ in range(args.app_servers):
            port = free_port()
            gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py")]
            # Each child in a session of its own: signals reach it from here only, never half of them from the
            # terminal (gunicorn and nginx read a hang-up as "reload").
            process = subprocess.Popen(
                [*gunicorn, "portal.wsgi"],
                cwd=BASE_DIR,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                start_new_session=True,
            )
            processes.append(process)
            wait_for_port(port, process)
            app_ports.append(port)
        # One email worker per app server, as each server of a larger setup runs its own: they share the queue
        # in the database, and each task goes to one of them.
        worker = [sys.executable, str(BASE_DIR / "manage.py"), "db_worker", "--no-reload", "-v0"]

        def start_worker():
            return subprocess.Popen(worker, cwd=BASE_DIR, env=env, start_new_session=True)

        workers = [start_worker() for _ in range(args.app_servers)]
        processes.extend(workers)
        config = nginx_config(
            state, args.port, app_ports, env["STATIC_ROOT"], env["MEDIA_ROOT"], args.access_log
        )
        subprocess.run([nginx, "-t", "-q", "-c", str(config)], check=True)
        processes.append(subprocess.Popen([nginx, "-c", str(config)], start_new_session=True))
        wait_for_port(args.port, processes[-1])
        servers = ", ".join(f"127.0.0.1:{port}" for port in app_ports)
        print(
            f"Serving on http://127.0.0.1:{args.port}/ (nginx, then gunicorn on {servers}; "
            f"{args.app_servers} email worker(s)); Ctrl-C stops."
        )
        sys.stdout.flush()
        while all(process.poll() is None for process in processes if process not in workers):
            # A worker stops when the database goes away; like systemd's Restart=always, start it again.
            for index, process in enumerate(workers):
                if process.poll() is not None:
                    print("serve: an email worker stopped; starting it again in 5 s.", file=sys.stderr)
                    time.sleep(5)
                    processes.remove(process)
                    workers[index] = start_worker()
                    processes.append(workers[index])
            time.sleep(0.5)
        print("serve: a process stopped; stopping the others.", file=sys.stderr)
        sys.exit(1)
    except StopRequested:
        pass
    finally:
        stop()


if __name__ == "__main__":
    try:
        main()
    except StopRequested:  # while preparing: nothing was started yet
        sys.exit(130)
