"""Fault injection: make the collection endpoint fail on purpose, so tests can watch a hit fail.

    book = FaultBook()
    book.add({"rsid": "r", "action": "status", "status": 503, "times": 1})   # -> {"id": 1, ...}
    book.take("r")    # -> the fault (its times counter now spent, so it is gone)
    book.take("r")    # -> None: answer normally

Actions: ``status`` (answer that HTTP status), ``delay`` (answer normally after ``delay_ms``),
``hang`` (never answer), ``drop`` (close the connection without a response). The app applies them;
this module only validates, stores and matches them, first created first matched.
"""

import threading

__all__ = ["ACTIONS", "FaultBook", "FaultError", "parse_fault"]

ACTIONS = ("status", "delay", "hang", "drop")
FIELDS = ("rsid", "action", "status", "delay_ms", "times")
MAX_DELAY_MS = 600_000


class FaultError(ValueError):
    """Invalid fault description; the message names the field and the value."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_fault(data) -> dict:
    """Validate a fault description (decoded JSON) and return it normalised, without an id."""
    if not isinstance(data, dict):
        raise FaultError(f"body: expected a JSON object, got {data!r}")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r} (expected {', '.join(FIELDS)})")
    rsid = data.get("rsid")
    if rsid is not None and not (isinstance(rsid, str) and rsid):
        raise FaultError(f"rsid: expected a non-empty string or null, got {rsid!r}")
    action = data.get("action")
    if action not in ACTIONS:
        raise FaultError(f"action: unknown action {action!r} (expected one of {', '.join(ACTIONS)})")
    status = data.get("status")
    if action == "status" and status is None:
        raise FaultError("status: required for action 'status' (an integer 400-599)")
    if status is not None and not (_is_int(status) and 400 <= status <= 599):
        raise FaultError(f"status: {status!r} is not an error status (expected an integer 400-599)")
    delay_ms = data.get("delay_ms")
    if action == "delay" and delay_ms is None:
        raise FaultError("delay_ms: required for action 'delay' (an integer >= 0)")
    if delay_ms is not None and not (_is_int(delay_ms) and 0 <= delay_ms <= MAX_DELAY_MS):
        raise FaultError(f"delay_ms: {delay_ms!r} is out of range (expected an integer 0-{MAX_DELAY_MS})")
    times = data.get("times")
    if times is not None and not (_is_int(times) and times > 0):
        raise FaultError(f"times: {times!r} is not a positive integer (null means until cleared)")
    return {
        "rsid": rsid,
        "action": action,
        "status": status if action == "status" else None,
        "delay_ms": delay_ms if action == "delay" else None,
        "times": times,
    }


class FaultBook:
    """Active faults in creation order; thread-safe."""

    def __init__(self) -> None:
        self._faults: list = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, data) -> dict:
        fault = parse_fault(data)
        with self._lock:
            fault = {"id": self._next_id, **fault}
            self._next_id += 1
            self._faults.append(fault)
            return dict(fault)

    def take(self, rsid: str):
        """The first fault matching a hit for ``rsid`` (a copy), spending one of its ``times``; or None."""
        with self._lock:
            for fault in self._faults:
                wanted = fault["rsid"]
                if wanted is None or wanted == rsid or wanted in rsid.split(","):
                    if fault["times"] is not None:
                        fault["times"] -= 1
                        if fault["times"] == 0:
                            self._faults.remove(fault)
                    return dict(fault)
            return None

    def list(self) -> list:
        with self._lock:
            return [dict(fault) for fault in self._faults]

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count
