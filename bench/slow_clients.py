"""Idle and slow clients against a server, and how long normal requests take meanwhile.

    .venv/bin/python bench/slow_clients.py http://127.0.0.1:8080/ [--idle 200] [--slow 50] [--seconds 30]

Opens IDLE connections that send nothing and SLOW connections that send a request header one byte per second
(as slowloris does), holds them for SECONDS, and meanwhile sends one normal request each half second on a
new connection. Prints how many normal requests were answered and the slowest time. bench/run.py runs it
through nginx (make serve) and directly against gunicorn.
"""

import argparse
import http.client
import socket
import threading
import time
from urllib.parse import urlsplit


def _closed(connection):
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def trial(url, idle=200, slow=50, seconds=30, timeout=5):
    """{"answered": n, "asked": n, "slowest_ms": ms, ...}: normal requests made while the clients are held. A
    connection the server closes is opened again at once, as an attacker would."""
    parts = urlsplit(url)
    address = (parts.hostname, parts.port or 80)
    header = b"GET / HTTP/1.1\r\nHost: " + parts.hostname.encode() + b"\r\nX-Slow: " + b"a" * 1000
    stop = threading.Event()
    reopened = 0

    def connect():
        # A server whose queue of connections is full drops new ones: give up on each after a second.
        try:
            return socket.create_connection(address, timeout=1)
        except OSError:
            return None

    held = [[connect(), 0] for _ in range(idle + slow)]

    def keep_up():
        nonlocal reopened
        while not stop.wait(1):
            for index, entry in enumerate(held):
                if stop.is_set():
                    return
                connection, sent = entry
                if connection is None or _closed(connection):
                    if connection is not None:
                        connection.close()
                    entry[:] = [connect(), 0]
                    reopened += 1
                    continue
                if index >= idle:  # a slow one: the next byte of its header
                    try:
                        connection.send(header[sent % len(header) : sent % len(header) + 1])
                        entry[1] = sent + 1
                    except OSError:
                        entry[:] = [connect(), 0]
                        reopened += 1

    trickler = threading.Thread(target=keep_up, daemon=True)
    trickler.start()
    asked = answered = 0
    slowest = 0.0
    ends = time.monotonic() + seconds
    try:
        while time.monotonic() < ends:
            asked += 1
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection(*address, timeout=timeout)
                connection.request("GET", parts.path or "/", headers={"Accept": "text/html"})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status < 400:
                    answered += 1
                slowest = max(slowest, time.monotonic() - started)
            except OSError:
                slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.5)
    finally:
        stop.set()
        trickler.join()
        for connection, _ in held:
            if connection is not None:
                connection.close()
    return {"answered": answered, "asked": asked, "slowest_ms": slowest * 1000, "reopened": reopened}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    result = trial(args.url, args.idle, args.slow, args.seconds)
    print(
        f"{args.idle} idle and {args.slow} slow connections held for {args.seconds} s (reopened "
        f"{result['reopened']} times): {result['answered']} of {result['asked']} normal requests answered, "
        f"slowest {result['slowest_ms']:.0f} ms (a request gives up after 5,000 ms)"
    )


if __name__ == "__main__":
    main()
