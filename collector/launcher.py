"""Run the collector as a subprocess and talk to its JSON API: the one launcher for tests, benchmarks, scripts.

``launch()`` starts ``python -m collector --port 0 --db DB --root ROOT``, waits (with a deadline) for the
``Collector serving http://...`` line, and returns a ``Collector``: the process, its URL and a small client
for its API. The process's output (stdout and stderr) is drained by a thread for as long as it runs, so a
chatty server never blocks on a full pipe; the last lines are kept for error reports. If the process exits
or stays silent past the deadline, ``CollectorStartError`` says so and shows everything it printed.

    from collector.launcher import launch

    with launch("/tmp/hits.sqlite3") as collector:   # db=None: a throw-away database, deleted on close
        collector.url                                 # 'http://127.0.0.1:43817' (no trailing slash)
        collector.get("/api/health").json()           # {'ok': True}
        collector.wait_for_hits(1, rsid="myrsid")     # polls /api/hits; fails with what did arrive
    # stopped: SIGTERM, then SIGKILL if it does not exit within 5 s
"""

import collections
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 5
OUTPUT_LINES_KEPT = 500
_URL_LINE = re.compile(r"Collector serving (http://([^/\s]+))/?")


class CollectorStartError(RuntimeError):
    """The collector exited, or printed no URL in time. ``returncode`` is None when it timed out."""

    def __init__(self, message, *, returncode, output, pid):
        super().__init__(message)
        self.returncode = returncode
        self.output = output
        self.pid = pid


class Collector:
    """A running collector subprocess and a small client for its JSON API (a context manager)."""

    def __init__(self, process, url, output, reader, tmp_dir=None):
        # httpx is imported here, not at module level: `python -m collector` imports this package, and
        # the server itself has no use for an HTTP client.
        import httpx

        self.process = process
        self.url = url.rstrip("/")
        self.host = self.url.split("://", 1)[1]
        self._output = output  # deque of the process's recent output lines, filled by the reader thread
        self._reader = reader
        self._tmp_dir = tmp_dir
        self._http = httpx.Client(base_url=self.url, timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- raw HTTP -------------------------------------------------------------------------------------
    def get(self, path, **kwargs):
        return self._http.get(path, **kwargs)

    def post(self, path, **kwargs):
        return self._http.post(path, **kwargs)

    def delete(self, path, **kwargs):
        return self._http.delete(path, **kwargs)

    def _json(self, response):
        if response.status_code >= 400:
            raise AssertionError(
                f"collector {response.request.method} {response.request.url} -> {response.status_code}: "
                f"{response.text[:500]}"
            )
        return response.json()

    # -- hits -----------------------------------------------------------------------------------------
    def hits(self, rsid=None, since_id=None):
        """Stored hits, oldest first; only those with ``id > since_id`` when it is given."""
        params = {"rsid": rsid} if rsid is not None else None
        hits = self._json(self.get("/api/hits", params=params))["hits"]
        if since_id is not None:
            hits = [hit for hit in hits if hit["id"] > since_id]
        return hits

    def clear(self, rsid=None):
        params = {"rsid": rsid} if rsid is not None else None
        self._json(self.delete("/api/hits", params=params))

    def wait_for_hits(self, n, rsid=None, timeout=20, predicate=None, since_id=None):
        """Poll /api/hits until at least ``n`` matching hits are stored; return the matching hits.

        Fails after ``timeout`` seconds with what did arrive, so a missing hit is easy to diagnose.
        """
        deadline = time.monotonic() + timeout
        while True:
            hits = self.hits(rsid=rsid, since_id=since_id)
            matching = [hit for hit in hits if predicate is None or predicate(hit)]
            if len(matching) >= n:
                return matching
            if time.monotonic() >= deadline:
                everything = self.hits(since_id=since_id)
                raise AssertionError(
                    f"waited {timeout}s for {n} hit(s) (rsid={rsid!r}, predicate={'yes' if predicate else 'no'}); "
                    f"{len(matching)} matched. All {len(everything)} stored hit(s):\n"
                    + ("\n".join(describe_hit(hit) for hit in everything) or "  (none)")
                )
            time.sleep(0.075)  # poll interval, bounded by the deadline above

    # -- faults ---------------------------------------------------------------------------------------
    def add_fault(self, **spec):
        """``add_fault(rsid="r", action="status", status=404, times=None)`` -> fault id."""
        return self._json(self.post("/api/faults", json=spec)).get("id")

    def faults(self):
        return self._json(self.get("/api/faults"))

    def clear_faults(self):
        self._json(self.delete("/api/faults"))

    # -- diagnostics and shutdown ---------------------------------------------------------------------
    def recent_output(self, lines=40):
        return "\n".join(list(self._output)[-lines:])

    def close(self):
        """Stop the process (SIGTERM, then SIGKILL) and release the client; safe to call twice."""
        self._http.close()
        _stop(self.process)
        self._reader.join(STOP_TIMEOUT_S)
        if self._tmp_dir is not None:
            self._tmp_dir.cleanup()
            self._tmp_dir = None


def describe_hit(hit):
    """One line per stored hit, for failure messages."""
    query = hit.get("query") or ""
    if len(query) > 160:
        query = query[:160] + "..."
    return (
        f"  #{hit.get('id')} {hit.get('method')} {hit.get('transport')} rsid={hit.get('rsid')} "
        f"status={hit.get('status')} {hit.get('path')}?{query}"
    )


def launch(db=None, root=REPO_ROOT, *, timeout=STARTUP_TIMEOUT_S, host="127.0.0.1", extra_args=()):
    """Start ``python -m collector`` on a free port; return a ``Collector`` once it is listening.

    ``db`` is the SQLite file (None: one in a temporary folder, removed by ``close()``); ``root`` the
    folder to serve. Raises ``CollectorStartError`` with the process's output if it exits first or
    prints no URL within ``timeout`` seconds (the process is killed then).
    """
    tmp_dir = None
    if db is None:
        tmp_dir = tempfile.TemporaryDirectory(prefix="collector-")
        db = Path(tmp_dir.name) / "hits.sqlite3"
    argv = [sys.executable, "-m", "collector", "--host", host, "--port", "0", "--db", str(db)]
    argv += ["--root", str(root), *extra_args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")  # the URL line must not sit in a pipe buffer
    process = subprocess.Popen(
        argv,
        cwd=str(REPO_ROOT),  # where the collector package is, whatever folder it serves
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    output = collections.deque(maxlen=OUTPUT_LINES_KEPT)
    urls = queue.Queue()

    def pump():
        # Drain the pipe for the process's whole life: a full pipe would block the server's logging.
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            match = _URL_LINE.search(line)
            if match:
                urls.put(match.group(1))
        urls.put(None)  # the process closed its output: it exited

    reader = threading.Thread(target=pump, name=f"collector-output-{process.pid}", daemon=True)
    reader.start()
    try:
        url = urls.get(timeout=timeout)
    except queue.Empty:
        url = None
    if url is None:
        try:  # it may have just closed its output and not been reaped yet
            returncode = process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            returncode = None
            _stop(process)
        reader.join(STOP_TIMEOUT_S)
        if tmp_dir is not None:
            tmp_dir.cleanup()
        why = (
            f"exited with code {returncode}"
            if returncode is not None
            else f"printed no URL within {timeout}s"
        )
        printed = "\n".join(output) or "  (nothing)"
        raise CollectorStartError(
            f"collector {why} (expected 'Collector serving http://...'; started as {' '.join(argv)}). "
            f"Its output:\n{printed}",
            returncode=returncode,
            output=list(output),
            pid=process.pid,
        )
    return Collector(process, url, output, reader, tmp_dir)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
