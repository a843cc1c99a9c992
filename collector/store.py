"""SQLite storage for received hits (stdlib ``sqlite3``; one connection behind a lock).

    store = HitStore("data/collector.sqlite3")
    hit_id = store.add(method="GET", transport="image", rsid="r", path="/b/ss/r/1/JS-2.27.0/s1",
                       query="AQB=1&AQE=1", status=200, pairs=[["AQB", "1"], ["AQE", "1"]], context={})
    store.hits(rsid="r", since_id=0)   # -> [{"id": 1, "received_at": "...Z", ...}]

Ids come from AUTOINCREMENT, so they are never reused after a delete and ``since_id`` stays meaningful.
"""

import json
import sqlite3
import threading
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

    def add(self, *, method, transport, rsid, path, query, status, pairs, context, received_at=None) -> int:
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
        with self._lock:
            cursor = self._db.execute(
                f"INSERT INTO hits ({', '.join(_COLUMNS[1:])}) VALUES (?,?,?,?,?,?,?,?,?)", row
            )
            return cursor.lastrowid

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
        with self._lock:
            self._db.close()

    @staticmethod
    def _filter(rsid):
        return ([_RSID_MATCH], [rsid]) if rsid is not None else ([], [])
