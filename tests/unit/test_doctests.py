"""The examples in the library's docstrings run: each module's doctests, in CPython.

browser.py is the one module that needs a browser (``js``); every other module's examples must pass.
"""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "appmeasurement"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "browser"))


@pytest.mark.parametrize("name", MODULES, ids=MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("appmeasurement." + name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}.py"


def test_every_module_has_a_docstring_with_an_example():
    missing = []
    for name in MODULES:
        doc = importlib.import_module("appmeasurement." + name).__doc__ or ""
        if ">>>" not in doc:
            missing.append(name)
    assert missing == [], f"modules without a doctested example in their docstring: {missing}"
