"""Every public page passes the Nu Html Checker (vnu-jar from npm, run with Java): no errors."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import skip_or_fail
from tests.factories import make_fosdem_like_event
from tests.test_accessibility import GRID_PAGES, PAGES, STATUS

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
BIG_PAGES = [
    "/fosdem/schedule/",
    "/fosdem/schedule/?day=2025-02-02",
    "/fosdem/schedule/?day=all",
    "/fosdem/schedule/?room=h1309-van-rijn&room=k3201&day=2025-02-01",
    "/fosdem/schedule/?room=h1309-van-rijn",
    "/fosdem/schedule/?tz=America/New_York&times=instead",
    "/fosdem/schedule/?tz=Asia/Tokyo",
    "/fosdem/time-zone/?next=/fosdem/schedule/%3Fday%3D2025-02-02",
    "/fosdem/speakers/",
    "/fosdem/talks/talk-0/",
]


def check(documents):
    """The checker's errors for {name: html}, as (name, line, message)."""
    java = shutil.which("java")
    if not java or not VNU.exists():
        skip_or_fail("the Nu Html Checker needs Java and vnu-jar (npm ci); .ci/run installs both.")
    folder = Path(documents.pop("__folder__"))
    paths = []
    for n, (name, html) in enumerate(documents.items()):
        path = folder / f"{n}.html"
        path.write_bytes(html)
        paths.append((path, name))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *(str(path) for path, _ in paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    names = {f"file:{path}": name for path, name in paths}
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [(names.get(m.get("url"), m.get("url")), m.get("lastLine"), m["message"]) for m in messages]


@pytest.mark.browser
def test_every_public_page_has_valid_markup(client, kubecon, gridcon, tmp_path):
    make_fosdem_like_event()
    documents = {"__folder__": tmp_path}
    for path in [*PAGES, *GRID_PAGES, *BIG_PAGES]:
        response = client.get(path)
        assert response.status_code == STATUS.get(path, 200), path
        documents[path] = response.content

    assert check(documents) == []
