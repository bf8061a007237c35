"""The ceiling for a Python server here: a trivial WSGI app returning fixed bytes from memory.

BENCH_BODY_DIR holds one file per page measured; /<name> returns the bytes of the file <name>.
"""

import os
from pathlib import Path

BODIES = {f"/{path.name}": path.read_bytes() for path in Path(os.environ["BENCH_BODY_DIR"]).iterdir()}


def application(environ, start_response):
    body = BODIES.get(environ.get("PATH_INFO"), b"ok")
    start_response(
        "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
