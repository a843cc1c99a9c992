"""The collector never hands a MicroPython page a compiled module (dist/mpy/*.mpy) older than its source.

scripts/build.py compiles app/<module>.py to dist/mpy/<module>.mpy and mpy.toml lists those; a developer
who edits a module and reloads without building would otherwise run the old code without a sign. The
collector compares the two files' timestamps: stale answers 409 and not built 404, both naming the fix.
"""

import os

import pytest

from tests.unit.collector_helpers import in_process, site_root

MODULE = "appmeasurement/tracker"
# Bytecode-like filler, long enough to be worth compressing.
COMPILED = b"M\x06\x00\x1f" + bytes(range(256)) * 8


def _write(root, name, data, mtime_s):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime_s, mtime_s))


def _fresh(root):
    _write(root, f"app/{MODULE}.py", b"X = 1\n", 1_700_000_000)
    _write(root, f"dist/mpy/{MODULE}.mpy", COMPILED, 1_700_000_010)


def _stale(root):
    _write(root, f"dist/mpy/{MODULE}.mpy", COMPILED, 1_700_000_000)
    _write(root, f"app/{MODULE}.py", b"X = 2\n", 1_700_000_010)


def _not_built(root):
    _write(root, f"app/{MODULE}.py", b"X = 1\n", 1_700_000_000)


def _no_source(root):
    _write(root, f"dist/mpy/{MODULE}.mpy", COMPILED, 1_700_000_000)


@pytest.mark.parametrize(
    ("arrange", "status", "says"),
    [
        (_fresh, 200, None),
        (_stale, 409, f"dist/mpy/{MODULE}.mpy is older than app/{MODULE}.py: run `npm run build`"),
        (_not_built, 404, f"dist/mpy/{MODULE}.mpy is not built: run `npm run build`"),
        (_no_source, 200, None),
    ],
    ids=["built after its source", "source edited since the build", "never built", "no source in this root"],
)
def test_a_compiled_module_is_served_only_if_it_is_not_older_than_its_source(tmp_path, arrange, status, says):
    arrange(site_root(tmp_path))
    with in_process(tmp_path) as (client, _app):
        response = client.get(f"/dist/mpy/{MODULE}.mpy", headers={"accept-encoding": "gzip"})
    assert response.status_code == status, (
        f"expected HTTP {status}, got {response.status_code}: {response.text}"
    )
    if says is None:
        assert response.content == COMPILED, "the compiled module should arrive as built"
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers.get("content-encoding") == "gzip", "bytecode should go out gzip-compressed"
    else:
        assert says in response.text, f"expected {says!r} in the answer, got {response.text!r}"
        assert response.headers["cache-control"] == "no-cache", "a refusal must not be cached"
