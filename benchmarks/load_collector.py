"""Load and attack the collector: nothing lost, nothing partial, every malformed request refused.

Starts its own collector (``collector.launch()``) on a temporary SQLite file, then:

1. sends ``--hits`` hits from ``--clients`` concurrent keep-alive loopback connections, in turn a GET
   image, a POST with a form body and an empty-body beacon POST, each with a unique marker (eVar1) and
   a context-data block;
2. meanwhile reads ``/api/hits?since_id=...`` in a loop and checks that every hit it sees is whole
   (exactly the pairs that were sent), that ids only increase, and that no id is skipped;
3. sends malformed, oversized, truncated, bad-escape, invalid-UTF-8 and header-injection requests
   (each must get a 4xx and store nothing) and injection-shaped but well-formed hits (stored verbatim);
4. checks SQLite itself: every marker stored exactly once, no row with a missing column.

It stops by itself and prints hits/s, p50/p99 latency and the rejected counts; exit status 1 on any
failed check.

    .venv/bin/python benchmarks/load_collector.py            # 20,000 hits, 32 clients
    .venv/bin/python benchmarks/load_collector.py --quick    # 3,000 hits: about ten seconds
"""

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.launcher import launch  # noqa: E402

RSID = "loadrsid"
ATTACK_RSID = "attackrsid"
MAX_BODY = 64 * 1024
KINDS = ("image", "post", "beacon")


def hit_query(i):
    return f"AQB=1&ndh=1&pageName=Load%20page&v1=m{i}&c.&load.&n={i}&.load&.c&AQE=1"


def expected_pairs(i):
    return [
        ["AQB", "1"],
        ["ndh", "1"],
        ["pageName", "Load page"],
        ["v1", "m%d" % i],
        ["c.load.n", str(i)],
        ["AQE", "1"],
    ]


def marker_of(hit):
    for key, value in hit["pairs"]:
        if key == "v1":
            return value
    return None


# --- a minimal HTTP/1.1 client: keep-alive, and able to send what httpx refuses to ---------------------
class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, raw):
        """Send raw request bytes; (status, body). Reconnects if the server had closed the connection."""
        if self.writer is None:
            await self.open()
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def build_request(method, target, body=b"", headers=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if method == "POST":
        lines.append(f"Content-Length: {len(body)}")
        if body:
            lines.append("Content-Type: application/x-www-form-urlencoded")
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def hit_request(i):
    kind = KINDS[i % 3]
    path = f"/b/ss/{RSID}/1/JS-2.27.0/s{1000000 + i}"
    query = hit_query(i).encode("ascii")
    if kind == "image":
        return build_request("GET", path + "?" + query.decode())
    if kind == "post":
        return build_request("POST", path, query)
    return build_request("POST", path + "?" + query.decode())


# --- the load ------------------------------------------------------------------------------------------
async def writer(host, port, indices, latencies, failures):
    connection = Connection(host, port)
    for i in indices:
        started = time.perf_counter()
        try:
            status, _ = await connection.request(hit_request(i))
        except (OSError, asyncio.IncompleteReadError) as exc:
            failures.append(f"hit {i}: {type(exc).__name__} {exc}")
            connection.close()
            continue
        latencies.append(time.perf_counter() - started)
        if status != 200:
            failures.append(f"hit {i}: HTTP {status}")
    connection.close()


async def reader(host, port, done, report):
    """Poll new hits while the writers run; check each is whole and ids only increase."""
    connection = Connection(host, port)
    last = 0
    while True:
        finished = done.is_set()
        status, body = await connection.request(
            build_request("GET", f"/api/hits?rsid={RSID}&since_id={last}")
        )
        if status != 200:
            report["problems"].append(f"/api/hits answered {status}")
            break
        hits = json.loads(body)["hits"]
        report["reads"] += 1
        for hit in hits:
            if hit["id"] <= last:
                report["problems"].append(f"id {hit['id']} after {last}: ids must increase")
            last = hit["id"]
            marker = marker_of(hit)
            i = int(marker[1:]) if marker and marker[1:].isdigit() else -1
            if i < 0 or hit["pairs"] != expected_pairs(i):
                report["problems"].append(f"partial or altered hit {hit['id']}: {hit['pairs']}")
            report["seen_ids"].append(hit["id"])
        if finished:
            break
        await asyncio.sleep(0.01)
    connection.close()


async def run_load(host, port, total, clients):
    latencies, failures = [], []
    report = {"reads": 0, "problems": [], "seen_ids": []}
    done = asyncio.Event()
    started = time.perf_counter()
    read_task = asyncio.create_task(reader(host, port, done, report))
    await asyncio.gather(
        *(writer(host, port, range(c, total, clients), latencies, failures) for c in range(clients))
    )
    elapsed = time.perf_counter() - started
    done.set()
    await read_task
    return elapsed, latencies, failures, report


# --- the attacks ---------------------------------------------------------------------------------------
def attacks():
    """(name, raw request bytes): each must get a 4xx and store nothing."""
    path = f"/b/ss/{ATTACK_RSID}/1/JS-2.27.0/s1"
    big = b"AQB=1&pageName=" + b"x" * (MAX_BODY + 1024) + b"&AQE=1"
    return [
        ("bad percent-escape", build_request("GET", path + "?AQB=1&pageName=%ZZ&AQE=1")),
        ("truncated (no AQE)", build_request("GET", path + "?AQB=1&pageName=cut")),
        ("truncated POST body", build_request("POST", path, b"AQB=1&pageName=cut")),
        ("no AQB", build_request("GET", path + "?pageName=x&AQE=1")),
        ("empty part", build_request("GET", path + "?AQB=1&&AQE=1")),
        ("unclosed context block", build_request("GET", path + "?AQB=1&c.&k=v&AQE=1")),
        ("oversized POST body", build_request("POST", path, big)),
        (
            "oversized declared length",
            build_request("GET", path, headers=["Content-Length: 99999999"]).replace(b"GET", b"POST", 1),
        ),
        ("oversized GET URL", build_request("GET", path + "?" + big.decode())),
        (
            "invalid UTF-8 in the URL",
            build_request("GET", path).replace(b" HTTP/1.1", b"?AQB=1&p=\xff\xfe&AQE=1 HTTP/1.1"),
        ),
        ("invalid UTF-8 once decoded", build_request("GET", path + "?AQB=1&pageName=%FF%FE&AQE=1")),
        ("encoded surrogate", build_request("GET", path + "?AQB=1&pageName=%ED%A0%80&AQE=1")),
        ("invalid UTF-8 body", build_request("POST", path, b"AQB=1&pageName=\xff&AQE=1")),
        ("query in URL and body", build_request("POST", path + "?AQB=1&AQE=1", b"AQB=1&AQE=1")),
        (
            "header injection: CRLF in the request line",
            b"GET " + path.encode() + b"?AQB=1&x=\r\nSet-Cookie: a=b&AQE=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        (
            "non-numeric Content-Length",
            build_request("POST", path, b"", ["Content-Length: 1; DROP TABLE hits"]),
        ),
        (
            "header injection: two Content-Lengths",
            build_request("POST", path, b"AQB=1&AQE=1", ["Content-Length: 3"]),
        ),
        (
            "SQL-shaped truncated hit",
            build_request("GET", path + "?AQB=1&pageName=%27%3B%20DROP%20TABLE%20hits%3B--"),
        ),
        ("SQL in since_id", build_request("GET", "/api/hits?since_id=0%3BDROP%20TABLE%20hits")),
        ("PUT", build_request("PUT", path + "?AQB=1&AQE=1")),
        ("bad cache buster", build_request("GET", f"/b/ss/{ATTACK_RSID}/1/JS-2.27.0/x1?AQB=1&AQE=1")),
    ]


# Well formed, so stored; the values must come back byte for byte (parameters, never SQL text).
STORED_VERBATIM = [
    ("SQL in a value", "pageName", "x'); DROP TABLE hits; --"),
    ("CRLF in a value", "v2", "a\r\nSet-Cookie: evil=1"),
    ("markup in a value", "c3", "<script>alert(1)</script>"),
    ("NUL in a value", "v4", "a\x00b"),
]


async def run_attacks(host, port):
    results = []
    for name, raw in attacks():
        connection = Connection(host, port)
        try:
            status, _ = await connection.request(raw)
        except (OSError, asyncio.IncompleteReadError) as exc:
            status = f"closed ({type(exc).__name__})"
        connection.close()
        results.append((name, status))
    return results


def percent(text):
    return "".join(c if c.isalnum() else "%%%02X" % b for c in text for b in c.encode("utf-8"))


async def run_verbatim(host, port):
    connection = Connection(host, port)
    statuses = []
    for n, (_, key, value) in enumerate(STORED_VERBATIM):
        query = f"AQB=1&{key}={percent(value)}&AQE=1"
        status, _ = await connection.request(
            build_request("GET", f"/b/ss/{ATTACK_RSID}/1/JS-2.27.0/s{n + 7}?{query}")
        )
        statuses.append(status)
    connection.close()
    return statuses


# --- checks --------------------------------------------------------------------------------------------
def check_sqlite(db, total):
    """Read the database file directly: every marker once, no partial rows."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT id, method, transport, rsid, path, query, pairs FROM hits"
        ).fetchall()
    finally:
        connection.close()
    problems = []
    counts = {}
    for row in rows:
        if any(column is None for column in row):
            problems.append(f"row {row[0]} has an empty column")
            continue
        if row[3] != RSID:
            continue
        pairs = json.loads(row[6])
        marker = marker_of({"pairs": pairs})
        counts[marker] = counts.get(marker, 0) + 1
        i = int(marker[1:])
        if pairs != expected_pairs(i):
            problems.append(f"row {row[0]}: pairs {pairs}")
    missing = [i for i in range(total) if counts.get("m%d" % i, 0) == 0]
    repeated = [m for m, c in counts.items() if c > 1]
    if missing:
        problems.append(f"{len(missing)} hits lost, e.g. {missing[:5]}")
    if repeated:
        problems.append(f"{len(repeated)} hits stored more than once, e.g. {repeated[:5]}")
    return len(rows), problems


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hits", type=int, help="hits to send (default 20,000; 3,000 with --quick)")
    parser.add_argument("--clients", type=int, help="concurrent connections (default 32; 16 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smaller run: about ten seconds")
    args = parser.parse_args(argv)
    total = args.hits or (3_000 if args.quick else 20_000)
    clients = args.clients or (16 if args.quick else 32)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.sqlite3"
        with launch(db) as server:
            host, port = server.host.rsplit(":", 1)
            port = int(port)
            elapsed, latencies, failures, report = asyncio.run(run_load(host, port, total, clients))
            stored_before = len(server.hits())
            attack_results = asyncio.run(run_attacks(host, port))
            stored_after = len(server.hits())
            verbatim_statuses = asyncio.run(run_verbatim(host, port))
            verbatim = server.hits(rsid=ATTACK_RSID)
            final_ids = [hit["id"] for hit in server.hits(rsid=RSID)]
            rows, sqlite_problems = check_sqlite(db, total)

    problems += failures[:10]
    if len(failures) > 10:
        problems.append(f"... {len(failures) - 10} more failed hits")
    problems += report["problems"][:10]
    if report["seen_ids"] != final_ids:
        problems.append(
            f"the concurrent reader saw {len(report['seen_ids'])} hits, the store holds {len(final_ids)}:"
            " an id was skipped or seen twice"
        )
    rejected = [
        (name, status) for name, status in attack_results if isinstance(status, int) and 400 <= status < 500
    ]
    for name, status in attack_results:
        if not (isinstance(status, int) and 400 <= status < 500):
            problems.append(f"attack {name!r}: expected a 4xx, got {status}")
    if stored_after != stored_before:
        problems.append(f"attacks changed the store: {stored_before} hits before, {stored_after} after")
    if verbatim_statuses != [200] * len(STORED_VERBATIM):
        problems.append(f"well-formed injection-shaped hits: statuses {verbatim_statuses}")
    got = [dict((k, v) for k, v in hit["pairs"]) for hit in verbatim]
    for (name, key, value), pairs in zip(STORED_VERBATIM, got):
        if pairs.get(key) != value:
            problems.append(f"{name}: stored {pairs.get(key)!r}, sent {value!r}")
    if len(got) != len(STORED_VERBATIM):
        problems.append(f"{len(got)} injection-shaped hits stored, expected {len(STORED_VERBATIM)}")
    problems += sqlite_problems

    print(
        f"hits sent:        {total} from {clients} concurrent clients (GET, POST body, beacon POST in turn)"
    )
    print(f"throughput:       {total / elapsed:,.0f} hits/s ({elapsed:.1f} s)")
    print(
        f"latency:          p50 {quantile(latencies, 0.5) * 1000:.1f} ms, p99 {quantile(latencies, 0.99) * 1000:.1f} ms"
    )
    print(
        f"concurrent reads: {report['reads']} polls of /api/hits, {len(report['seen_ids'])} hits seen, none partial"
    )
    print(f"stored:           {len(final_ids)} load hits, {rows} rows in SQLite")
    print(
        f"rejected:         {len(rejected)} of {len(attack_results)} malformed/oversized/injection requests with a 4xx"
    )
    for name, status in attack_results:
        print(f"    {status!s:>4}  {name}")
    print(f"stored verbatim:  {len(got)} well-formed injection-shaped hits read back byte for byte")
    if problems:
        print("FAILED:")
        for problem in problems:
            print("  - " + problem)
        return 1
    print("OK: nothing lost, nothing partial, every malformed request refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
