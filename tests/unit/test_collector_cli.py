"""``python -m collector``: prints one URL line once listening, serves, stops on SIGTERM."""

import queue
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.unit.collector_helpers import hit_url, site_root

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30
URL_PREFIX = "Collector serving http://127.0.0.1:"


def start_collector(*args: str) -> tuple:
    """Start the CLI; return (process, first stdout line), reading that line with a deadline."""
    process = subprocess.Popen(
        [sys.executable, "-m", "collector", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=STARTUP_TIMEOUT_S)
    except queue.Empty:
        line = ""
    if not line.startswith(URL_PREFIX):
        process.kill()
        raise AssertionError(
            f"no URL line within {STARTUP_TIMEOUT_S}s: {line!r}; stderr: {process.communicate()[1]}"
        )
    return process, line


@pytest.mark.parametrize(
    ("use_default_db", "db_location"),
    [(False, "hits.sqlite3"), (True, "root/data/collector.sqlite3")],
    ids=["explicit --db", "default db under the root's data folder"],
)
def test_the_cli_prints_its_url_serves_and_stops(tmp_path, use_default_db, db_location):
    root = site_root(tmp_path)
    args = ["--root", str(root)] + ([] if use_default_db else ["--db", str(tmp_path / "hits.sqlite3")])
    process, line = start_collector(*args)
    try:
        assert line.endswith("/\n"), line
        url = line.split(" ", 2)[2].strip()
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert port > 0
        assert httpx.get(url + "api/health", timeout=10).json() == {"ok": True}
        assert httpx.get(url + hit_url().lstrip("/"), timeout=10).status_code == 200
        assert httpx.get(url, timeout=10).text.startswith("<!doctype html>")
    finally:
        process.terminate()
        stdout, _stderr = process.communicate(timeout=20)
    assert stdout == ""  # the URL line was the only one
    assert process.returncode in (0, -15)  # uvicorn re-raises SIGTERM after its graceful shutdown
    assert (tmp_path / db_location).is_file()


@pytest.mark.parametrize(
    ("root", "db", "message"),
    [("missing", "hits.sqlite3", "is not a folder"), ("root", "not-sqlite.txt", "not a database")],
    ids=["root not a folder", "db not sqlite"],
)
def test_the_cli_refuses_bad_arguments_with_a_usage_error(tmp_path, root, db, message):
    site_root(tmp_path)
    (tmp_path / "not-sqlite.txt").write_text("this is not SQLite at all\n" * 10)
    result = subprocess.run(
        [sys.executable, "-m", "collector", "--root", str(tmp_path / root), "--db", str(tmp_path / db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr
