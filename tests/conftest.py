"""Suite-wide pytest set-up: markers applied from where a test lives, and Hypothesis profiles.

- Unit tests run before e2e tests (see the comment in ``pytest_collection_modifyitems`` for why).
- Every test under ``tests/e2e/`` gets the ``e2e`` marker, and every test run with the MicroPython
  interpreter (``interpreter == "mpy"``, see tests/e2e/conftest.py) gets ``mpy``, so either can be
  selected or skipped without decorating each test::

      .venv/bin/python -m pytest -m "not e2e"        # unit tests only, no browser
      .venv/bin/python -m pytest -m "e2e and not mpy"

- Hypothesis: the ``ci`` profile is loaded when ``CI`` is set, ``dev`` otherwise (or pick one with
  ``HYPOTHESIS_PROFILE=name``). Neither has a per-example deadline: timing on a loaded 2-core machine
  is noise, not a property of the code.
"""

import os
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).parent / "e2e"

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis is in requirements.txt; keep the suite importable
    settings = None

if settings is not None:
    settings.register_profile("dev", deadline=None)
    settings.register_profile(
        "ci",
        deadline=None,
        print_blob=True,  # a CI failure prints the @reproduce_failure blob to replay it locally
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_itemcollected(item):
    # Markers are added as each test is collected, so `-m e2e` / `-m "not mpy"` see them.
    if E2E_DIR in Path(str(item.path)).parents:
        item.add_marker(pytest.mark.e2e)
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("interpreter") == "mpy":
        item.add_marker(pytest.mark.mpy)


@pytest.hookimpl(trylast=True)  # after pytest's own fixture-based reordering, which would undo this
def pytest_collection_modifyitems(config, items):
    # Unit tests first, then e2e. Besides quicker feedback, this is needed for correctness: once
    # pytest-playwright's session-scoped sync Playwright is started, its event loop counts as running in
    # the main thread for the rest of the session, and asyncio.run() in a later unit test fails with
    # "cannot be called from a running event loop". (sorted() is stable: order within each group is kept.)
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("e2e") is not None)
