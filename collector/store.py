"""SQLite storage for received hits (stdlib ``sqlite3``; one connection, group commit, WAL).

    store = HitStore("data/collector.sqlite3")
    hit_id = store.add(method="GET", transport="image", rsid="r", path="/b/ss/r/1/JS-2.27.0/s1",
                       query="AQB=1&AQE=1", status=200, pairs=[["AQB", "1"], ["AQE", "1"]], context={})
    store.hits(rsid="r", since_id=0)   # -> [{"id": 1, "received_at": "...Z", ...}]
    store.stats()                      # -> {"rows": 1, "batches": 1}

Group commit: ``add()`` hands its row to one writer thread and returns only once the transaction
holding that row has committed. The writer takes every row waiting when it starts a transaction, so
N requests arriving together cost one COMMIT instead of N, and no caller ever sees its id before its
row is readable. Called from many threads at once it batches by itself; called from one thread, a batch is one row and nothing is lost. The
collector's hit endpoint awaits ``add_async()``, which does the same from the event loop.

Ids come from AUTOINCREMENT, so they are never reused after a delete and ``since_id`` stays meaningful.
"""

import asyncio
import json
import queue
import sqlite3
import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["HitStore", "utc_now"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    method      TEXT NOT NULL,
    transport   TEXT NOT NULL,
    rsid        TEXT NOT NULL,
    path        TEXT NOT NULL,
    query       TEXT NOT NULL,
    status      INTEGER,
    pairs       TEXT NOT NULL,
    context     TEXT NOT NULL
)
"""
_COLUMNS = ("id", "received_at", "method", "transport", "rsid", "path", "query", "status", "pairs", "context")

# Rows per transaction at most: a bound on how long one COMMIT keeps readers (hits, delete) waiting.
MAX_BATCH = 512
_STOP = object()

# A hit sent to "rs1,rs2" belongs to both suites, so ?rsid=rs1 finds it too.
_RSID_MATCH = "instr(',' || rsid || ',', ',' || ? || ',') > 0"


def utc_now() -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2025-01-31T12:00:00.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HitStore:
    def __init__(self, path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: every statement commits on its own; a hit is one INSERT.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        self._rows = queue.SimpleQueue()  # (row tuple, Future) waiting for the writer
        self._batches = 0
        self._written = 0
        self._closed = False
        self._submit_lock = threading.Lock()
        self._writer = threading.Thread(target=self._write_loop, name="hitstore-writer", daemon=True)
        self._writer.start()

    def add(self, *, method, transport, rsid, path, query, status, pairs, context, received_at=None) -> int:
        """Store one hit and return its id, once the transaction that holds it has committed."""
        return self.submit(
            method=method,
            transport=transport,
            rsid=rsid,
            path=path,
            query=query,
            status=status,
            pairs=pairs,
            context=context,
            received_at=received_at,
        ).result()

    def submit(
        self, *, method, transport, rsid, path, query, status, pairs, context, received_at=None
    ) -> Future:
        """Queue one hit for the writer; the Future resolves to its id once committed (or to the error)."""
        row = (
            received_at or utc_now(),
            method,
            transport,
            rsid,
            path,
            query,
            status,
            json.dumps(pairs, ensure_ascii=False),
            json.dumps(context, ensure_ascii=False),
        )
        future = Future()
        with self._submit_lock:  # nothing may queue behind the writer's stop sign
            if self._closed:
                raise RuntimeError("the hit store is closed")
            self._rows.put((row, future))
        return future

    async def add_async(self, **hit) -> int:
        """``add()`` for the event loop: awaits the commit without holding a thread while it waits."""
        return await asyncio.wrap_future(self.submit(**hit))

    def stats(self) -> dict:
        """Rows written and the transactions they took (fewer batches than rows: group commit at work)."""
        return {"rows": self._written, "batches": self._batches}

    def _write_loop(self) -> None:
        while True:
            first = self._rows.get()
            if first is _STOP:
                return
            # Taking the lock before draining: rows that queue up while a reader holds it join this batch.
            with self._lock:
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._rows.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop = True
                        break
                    batch.append(item)
                self._write(batch)
            if stop:
                return

    def _write(self, batch) -> None:
        insert = f"INSERT INTO hits ({', '.join(_COLUMNS[1:])}) VALUES (?,?,?,?,?,?,?,?,?)"
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                ids = [self._db.execute(insert, row).lastrowid for row, _ in batch]
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except Exception as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        self._batches += 1
        self._written += len(batch)
        for hit_id, (_, future) in zip(ids, batch):
            future.set_result(hit_id)

    def hits(self, rsid=None, since_id=None) -> list:
        """Hits oldest first, optionally only one report suite's and only ids above ``since_id``."""
        where, args = self._filter(rsid)
        if since_id is not None:
            where.append("id > ?")
            args.append(since_id)
        sql = f"SELECT {', '.join(_COLUMNS)} FROM hits"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        hits = [dict(zip(_COLUMNS, row)) for row in rows]
        for hit in hits:
            hit["pairs"] = json.loads(hit["pairs"])
            hit["context"] = json.loads(hit["context"])
        return hits

    def delete(self, rsid=None) -> int:
        where, args = self._filter(rsid)
        sql = "DELETE FROM hits" + (" WHERE " + where[0] if where else "")
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def close(self) -> None:
        """Write what is queued, stop the writer, close the database. Idempotent."""
        with self._submit_lock:
            stopping = not self._closed
            if stopping:
                self._closed = True
                self._rows.put(_STOP)
        if stopping:
            self._writer.join()
        with self._lock:
            self._db.close()

    @staticmethod
    def _filter(rsid):
        return ([_RSID_MATCH], [rsid]) if rsid is not None else ([], [])
