"""`make serve`: the production stack on this machine, nginx in front of gunicorn, until Ctrl-C.

    .venv/bin/python deploy/serve.py --port 8080 [--app-servers 2]

DEBUG is off, static files are collected and served by nginx, as are uploads (MEDIA_ROOT, media/), migrations are applied and, on an empty
database, the shipped fixture is loaded. The database is SQLite unless DATABASE_URL names another. Without
SECRET_KEY in the environment, a key is generated once into .serve/secret_key (not tracked). nginx's
configuration is deploy/nginx.conf, filled in and wrapped in a main configuration under .serve/, where its
logs, temporary files and kept pages live too (and gunicorn-PORT.pid, each app server's master). Whatever of
it stops is started again (Service below): an app server or nginx at once, an email worker after 5 s; a part
that stops 5 times within a minute stops everything. Ctrl-C (or SIGTERM) stops everything this started.
"""

import argparse
import contextlib
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
        # A server that refused a connection is given a rest of 2 s, not nginx's default 10 s: one started again
        # after a crash takes its share of requests soon (deploy/nginx.conf, upstream).
        "UPSTREAM": "\n    ".join(f"server 127.0.0.1:{app_port} fail_timeout=2s;" for app_port in app_ports),
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


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a stranger took the number: ours are gone
        return False
    return True


def _port_free(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


class Service:
    """One process of the stack, started again whenever it stops, as systemd's Restart=always does
    (deploy/portal.service): after `delay` seconds, in a session of its own (signals reach it from here only,
    never half of them from the terminal: gunicorn and nginx read a hang-up as "reload").

    A master that dies may leave its children running (gunicorn's workers, nginx's): they are told to finish
    what they are doing (`remnant_signal`) and, once they have let go of the port, the service starts again on
    it. A service started START_LIMIT_BURST times within START_LIMIT_SECONDS is in a crash loop: the stack
    stops and says so, rather than hiding it behind endless restarts (systemd's StartLimitBurst). With
    `limited=False` it is started again forever (the email workers, which stop whenever the database does).
    """

    START_LIMIT_BURST = 5
    START_LIMIT_SECONDS = 60

    def __init__(
        self, name, command, *, env, port=None, delay=0.0, remnant_signal=signal.SIGTERM, limited=True
    ):
        self.name, self.command, self.env, self.port = name, command, env, port
        self.delay, self.remnant_signal, self.limited = delay, remnant_signal, limited
        self.process, self.starts, self.due = None, [], None

    def start(self):
        self.starts = [*self.starts, time.monotonic()][-self.START_LIMIT_BURST :]
        self.process = subprocess.Popen(self.command, cwd=BASE_DIR, env=self.env, start_new_session=True)
        return self.process

    def keep_running(self):
        """Starts the process again if it has stopped, once what it left is gone and its delay has passed."""
        if self.process.poll() is None:
            return
        if self.due is None:
            code = self.process.returncode
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            recent = [at for at in self.starts if time.monotonic() - at < self.START_LIMIT_SECONDS]
            if self.limited and len(recent) >= self.START_LIMIT_BURST:
                raise SystemExit(
                    f"serve: {self.name} {how}, its {len(recent)}th stop within {self.START_LIMIT_SECONDS} s: "
                    "stopping everything (its errors are above)."
                )
            print(f"serve: {self.name} (pid {self.process.pid}) {how}; starting it again.", file=sys.stderr)
            sys.stderr.flush()
            self.end_remnants()
            self.due = time.monotonic() + self.delay
        if time.monotonic() >= self.due:
            self.due = None
            self.start()

    def end_remnants(self, grace=25):
        """Asks what is left of the process's group (it leads one) to finish, and waits until it has let go of
        the port; SIGKILL after `grace` seconds."""
        pgid = self.process.pid
        if not _group_alive(pgid):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, self.remnant_signal)
        deadline = time.monotonic() + grace
        while _group_alive(pgid) and time.monotonic() < deadline:
            # Orphans are reaped by whoever adopted them, maybe late: a port let go of is enough.
            if self.port is not None and _port_free(self.port):
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)

    def stop(self, timeout=25):
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.end_remnants(grace=timeout)


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

    services = []

    def stop():
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C must not cut the stopping short
        for service in services:
            if service.process is not None and service.process.poll() is None:
                service.process.terminate()
        for service in services:
            service.stop()

    try:
        app_ports = []
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py")]
        for _ in range(args.app_servers):
            port = free_port()
            app = Service(
                f"gunicorn on 127.0.0.1:{port}",
                # The pid file names the master (of this start) for whoever wants to signal it.
                [*gunicorn, "--pid", str(state / f"gunicorn-{port}.pid"), "portal.wsgi"],
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                port=port,
            )
            services.append(app)
            wait_for_port(port, app.start())
            app_ports.append(port)
        # One email worker per app server, as each server of a larger setup runs its own: they share the queue
        # in the database, and each task goes to one of them. A worker stops when the database goes away: it
        # is started again after 5 s, for as long as that lasts.
        worker = [sys.executable, str(BASE_DIR / "manage.py"), "db_worker", "--no-reload", "-v0"]
        for number in range(args.app_servers):
            service = Service(f"email worker {number + 1}", worker, env=env, delay=5, limited=False)
            services.append(service)
            service.start()
        config = nginx_config(
            state, args.port, app_ports, env["STATIC_ROOT"], env["MEDIA_ROOT"], args.access_log
        )
        subprocess.run([nginx, "-t", "-q", "-c", str(config)], check=True)
        # nginx's workers finish their requests on SIGQUIT.
        web = Service(
            "nginx", [nginx, "-c", str(config)], env=None, port=args.port, remnant_signal=signal.SIGQUIT
        )
        services.append(web)
        wait_for_port(args.port, web.start())
        servers = ", ".join(f"127.0.0.1:{port}" for port in app_ports)
        print(
            f"Serving on http://127.0.0.1:{args.port}/ (nginx, then gunicorn on {servers}; "
            f"{args.app_servers} email worker(s)); Ctrl-C stops."
        )
        sys.stdout.flush()
        while True:
            for service in services:
                service.keep_running()
            time.sleep(0.1)
    except StopRequested:
        pass
    finally:
        stop()


if __name__ == "__main__":
    try:
        main()
    except StopRequested:  # while preparing: nothing was started yet
        sys.exit(130)
