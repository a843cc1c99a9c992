"""The plugins stage: ``s.doPlugins(s)`` runs once per track call, after the link is resolved and
before the page facts are filled, when ``s.usePlugins`` is set.

A raising doPlugins is reported to the console with its traceback and the hit still goes out with
what was set (AppMeasurement.js would throw out of ``s.t()`` and lose the hit).

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
    >>> s.usePlugins = True
    >>> s.doPlugins = lambda s: setattr(s, "eVar9", "from plugins")
    >>> run(s); s.eVar9
    'from plugins'
"""

from .callbacks import format_exception
from .jsvalues import js_truthy


def run(s):
    """Call s.doPlugins(s) when s.usePlugins and s.doPlugins are set; isolate its errors."""
    if not (js_truthy(s.usePlugins) and js_truthy(s.doPlugins)):
        return
    try:
        s.doPlugins(s)
    except Exception as exc:
        s._env.error("AppMeasurement: doPlugins raised %s\n%s" % (type(exc).__name__, format_exception(exc)))
