"""``collector.launcher``: starts a real collector process, serves, stops; clear errors when it cannot start."""

import os

import pytest

from collector.launcher import CollectorStartError, launch
from tests.unit.collector_helpers import hit_url, site_root


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(
    "own_db", [True, False], ids=["database given by the caller", "throw-away database (db=None)"]
)
def test_launch_starts_a_collector_that_answers_and_stops_on_exit(tmp_path, own_db):
    root = site_root(tmp_path)
    db = tmp_path / "hits.sqlite3" if own_db else None
    with launch(db, root=root) as collector:
        health = collector.get("/api/health")
        assert health.json() == {"ok": True}, f"expected /api/health to say ok, got {health.text!r}"
        assert collector.url.startswith("http://127.0.0.1:"), collector.url
        assert collector.host == collector.url.split("//", 1)[1], (collector.url, collector.host)
        assert collector.get(hit_url(rsid="launched")).status_code == 200
        [hit] = collector.wait_for_hits(1, rsid="launched")
        assert hit["rsid"] == "launched", hit
        process = collector.process
    assert process.returncode in (0, -15), f"expected a clean stop (0 or SIGTERM), got {process.returncode}"
    assert (tmp_path / "hits.sqlite3").is_file() == own_db, "the caller's database is kept, no other is made"
    collector.close()  # a second close is harmless


def test_the_api_client_manages_hits_and_faults(tmp_path):
    with launch(tmp_path / "hits.sqlite3", root=site_root(tmp_path)) as collector:
        fault_id = collector.add_fault(rsid="broken", action="status", status=500)
        assert [fault["id"] for fault in collector.faults()["faults"]] == [fault_id], collector.faults()
        assert collector.get(hit_url(rsid="broken")).status_code == 500
        assert collector.get(hit_url(rsid="fine")).status_code == 200
        first = collector.wait_for_hits(2)
        assert [hit["rsid"] for hit in first] == ["broken", "fine"], first
        assert collector.hits(since_id=first[0]["id"]) == [first[1]]
        collector.clear(rsid="broken")
        assert [hit["rsid"] for hit in collector.hits()] == ["fine"]
        collector.clear_faults()
        assert collector.faults()["faults"] == []
        with pytest.raises(AssertionError, match=r"(?s)waited 0s for 5 hit\(s\).*rsid=fine status=200"):
            collector.wait_for_hits(5, timeout=0)


@pytest.mark.parametrize(
    ("root_name", "db_name", "expected"),
    [
        ("missing", "hits.sqlite3", "is not a folder"),
        ("root", "not-sqlite.txt", "not a database"),
    ],
    ids=["root that is not a folder", "db that is not SQLite"],
)
def test_a_collector_that_exits_at_start_is_reported_with_its_output(tmp_path, root_name, db_name, expected):
    site_root(tmp_path)
    (tmp_path / "not-sqlite.txt").write_text("this is not SQLite at all\n" * 10)
    root, db = tmp_path / root_name, tmp_path / db_name
    with pytest.raises(CollectorStartError) as caught:
        launch(db, root=root)
    message = str(caught.value)
    assert caught.value.returncode == 2, f"expected the usage-error exit code 2: {message}"
    assert "exited with code 2" in message, message
    assert expected in message, f"expected {expected!r} from the collector's own output in: {message}"
    assert str(root if root_name == "missing" else db) in message, (
        f"expected the bad path named in: {message}"
    )


def test_a_collector_that_prints_no_url_in_time_is_killed_and_reported(tmp_path):
    # No Python process gets as far as importing uvicorn in 10 ms, so this always takes the timeout path.
    with pytest.raises(CollectorStartError) as caught:
        launch(tmp_path / "hits.sqlite3", root=site_root(tmp_path), timeout=0.01)
    message = str(caught.value)
    assert caught.value.returncode is None, message
    assert "printed no URL within 0.01s" in message, message
    assert "Collector serving http://" in message, f"expected the line it waited for to be named: {message}"
    assert _gone(caught.value.pid), f"expected process {caught.value.pid} to be stopped and reaped"
