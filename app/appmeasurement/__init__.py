"""AppMeasurement for PyScript: Adobe Analytics' AppMeasurement.js 2.27.0, in Python, in the browser.

    from appmeasurement import s_gi
    s = s_gi("myrsid")
    s.trackingServer = "metrics.example.com"
    s.pageName = "Home"
    s.registerPostTrackCallback(lambda: s.clearVars())   # single-page apps: reset after each hit
    outcome = await s.t()                                 # Outcome(status="loaded", ...)

In the browser (PyScript: Pyodide or MicroPython) instances send real image beacons through
`browser.py`. Elsewhere there is no page: pass an environment and a transport explicitly
(`AppMeasurement(rsid, env, transport)`; tests use `appmeasurement.testing`).
"""

from .outcome import FAILED, LOADED, NOT_SENT, TIMEOUT, Hit, Outcome
from .tracker import AppMeasurement, s_gi, set_defaults

__all__ = [
    "AppMeasurement",
    "FAILED",
    "Hit",
    "LOADED",
    "NOT_SENT",
    "Outcome",
    "TIMEOUT",
    "s_gi",
    "set_defaults",
]
__version__ = "0.2.0"

try:
    import js  # noqa: F401  (present only inside a browser interpreter)
except ImportError:
    pass
else:
    from . import browser

    set_defaults(browser.BrowserEnvironment, browser.BrowserTransport)
