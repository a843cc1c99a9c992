"""Shared pieces for the tracker tests: the recorded vectors, a tracker on a fake page and transport.

cases = load_cases()                          # the 120 recorded cases (JS JSON semantics)
rig = Rig("testrsid")                         # s_gi on a StaticEnvironment + FakeTransport
urls = rig.run(case)                          # the case's steps, requests settled like the recording
assert check.compare_case(case_dict, urls) == []
"""

import importlib.util
import json
from pathlib import Path

from appmeasurement import tracker
from appmeasurement.testing import FakeTransport, StaticEnvironment
from tests.unit.vector_runner import case_get, parse_json, run_case

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
COLLECTOR_PREFIX = "http://COLLECTOR/"
LATENCY_MS = 7


def _load_check():
    spec = importlib.util.spec_from_file_location("reference_check", REFERENCE / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_check()


def load_cases():
    """The cases as ordered JSObjects (for the runner) paired with plain dicts (for check.py)."""
    text = (REFERENCE / "vectors.json").read_text(encoding="utf-8")
    ordered = parse_json(text)
    plain = json.loads(text)
    return list(zip(ordered, plain))


class Rig:
    """A fresh page (new browser context): empty registry, cookie jar and queue."""

    def __init__(self, rsid="testrsid", env=None):
        tracker._reset_registry()
        self.env = env or StaticEnvironment()
        self.transport = FakeTransport()
        self.s = tracker.s_gi(rsid, self.env, self.transport)
        self.urls = None

    def settle(self):
        """Finish every request: http://COLLECTOR/ answers after LATENCY_MS, any other host fails."""
        queue = self.s._queue
        for _ in range(100):
            if queue.idle():
                return
            for image in self.transport.pending():
                if image.url.startswith(COLLECTOR_PREFIX):
                    self.transport.load(image, elapsed_ms=LATENCY_MS)
                else:
                    self.transport.fail(image, elapsed_ms=LATENCY_MS)
            self.transport.advance(600)
        raise AssertionError("the queue did not settle")

    def run(self, case):
        return run_case(self.s, case, self.env.make_anchor, self.settle)

    def record(self, tracking_server="COLLECTOR"):
        """Collect every built URL (one pre-track callback); returns the list it fills."""
        if self.urls is None:
            self.urls = []
            self.s.registerPreTrackCallback(self.urls.append)
        self.s.trackingServer = tracking_server
        return self.urls


def query_parts(url):
    """The query of a hit between t=... and AQE=1, split on "&"."""
    query = url.split("?", 1)[1]
    parts = query.split("&")
    assert parts[:3] == ["AQB=1", "ndh=1", "pf=1"] and parts[-1] == "AQE=1", url
    return parts[3:-1]


def query_keys(url):
    return [part.split("=", 1)[0] for part in query_parts(url)]


def param(url, key):
    """The first value of ``key`` at the top level of a hit's query (None when absent)."""
    for part in query_parts(url):
        if part.startswith(key + "="):
            return part[len(key) + 1 :]
    return None


def rig_for(case):
    return Rig(case_get(case, "rsid"))
