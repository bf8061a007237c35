"""deploy/'s systemd units and make serve (deploy/serve.py): each process is started again whatever stopped it, and
a crash loop ends in the failed state, where `systemctl --failed` shows it, or stops make serve with a message,
instead of restarting for ever."""

import configparser
import importlib.util
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = ["portal.service", "portal-worker.service"]


def unit(name):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def seconds(value):
    return int(value.removesuffix("s"))


@pytest.mark.parametrize("name", UNITS)
def test_a_unit_is_started_again_whatever_stopped_it(name):
    service = unit(name)["Service"]

    assert service["Restart"] == "always"  # a kill -9 and an exit 0 nobody asked for alike
    assert 0 < seconds(service["RestartSec"]) <= 10


@pytest.mark.parametrize("name", UNITS)
def test_a_crash_loop_reaches_the_start_limit_and_the_unit_fails(name):
    config = unit(name)
    limits = config["Unit"]  # systemd reads the start limit in [Unit] only
    burst, interval = int(limits["StartLimitBurst"]), seconds(limits["StartLimitIntervalSec"])
    restart = seconds(config["Service"]["RestartSec"])

    # A process that dies at once is started every RestartSec: the burst must fit in the interval, else the
    # loop never reaches the limit (systemd's default, 5 in 10 s, never trips with RestartSec=5).
    assert burst * restart < interval
    assert burst >= 3  # and a single hiccup is not a failure


@pytest.mark.parametrize("name", UNITS)
def test_systemd_reads_every_line_of_the_unit(name, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    # The programs live in /srv/portal on a server; a stand-in that exists lets systemd check the rest.
    text = re.sub(r"/srv/portal/\.venv/bin/\S+", "/bin/true", (DEPLOY / name).read_text())
    (tmp_path / name).write_text(text)

    result = subprocess.run([analyze, "verify", str(tmp_path / name)], capture_output=True, text=True)

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def serve_module():
    spec = importlib.util.spec_from_file_location("serve", DEPLOY / "serve.py")
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    return serve


def test_make_serve_starts_a_part_that_stops_again(capsys):
    service = serve_module().Service("a part", [sys.executable, "-c", "pass"], env=None)
    first = service.start()
    first.wait()

    service.keep_running()

    assert service.process is not first
    assert "serve: a part (pid" in capsys.readouterr().err
    service.process.wait()


def test_make_serve_stops_on_a_crash_loop_and_says_which_part(capsys):
    serve = serve_module()
    service = serve.Service(
        "gunicorn on 127.0.0.1:1", [sys.executable, "-c", "raise SystemExit(3)"], env=None
    )
    service.start()
    started = time.monotonic()

    with pytest.raises(
        SystemExit, match=r"gunicorn on 127\.0\.0\.1:1 exited with code 3, its 5th stop within 60 s"
    ):
        while time.monotonic() - started < 30:
            service.keep_running()
            time.sleep(0.05)

    assert capsys.readouterr().err.count("starting it again") == serve.Service.START_LIMIT_BURST - 1


def test_make_serve_starts_an_email_worker_again_however_often_it_stops():
    service = serve_module().Service(
        "email worker 1", [sys.executable, "-c", "pass"], env=None, limited=False
    )
    processes = [service.start()]

    while len(processes) < 2 * service.START_LIMIT_BURST:  # twice the limit, within seconds: never stops
        processes[-1].wait()
        service.keep_running()
        processes.append(service.process)

    assert len({process.pid for process in processes}) == 2 * service.START_LIMIT_BURST
    processes[-1].wait()
