"""Variables for one hit (``s.t(overrides)``) or for good (``s.t(None, set_vars)``), and undoing them.

``check`` validates a mapping at call time (a clear error naming the argument and the value);
``apply`` sets the variables it names on the tracker, as AppMeasurement's ``U`` does: falsy values are
ignored, ``"!eVar1": 1`` blanks eVar1, contextData replaces (or, with merge, is merged with new keys
first), and it returns the backup mapping that undoes it when applied in turn.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
    >>> s.eVar1, s.prop2 = "kept", "also kept"
    >>> backup = apply(s, check({"eVar1": "once", "!prop2": 1}, "overrides", None), False)
    >>> s.eVar1, s.prop2
    ('once', None)
    >>> _ = apply(s, backup, False); s.eVar1, s.prop2
    ('kept', 'also kept')
"""

from .checks import describe
from .contextdata import ContextData, is_mapping
from .jsvalues import js_truthy
from .variables import BLOCKS, is_known


def check(values, what, console):
    """A plain dict copy of an overrides/set_vars mapping (contextData converted), or None.

    Unknown variable names are accepted with a console warning (they have no effect).
    """
    if values is None:
        return None
    if not is_mapping(values):
        raise TypeError("%s must be a mapping of variable names to values, got %s" % (what, describe(values)))
    checked = {}
    for key in values.keys():
        if not isinstance(key, str):
            raise TypeError("%s keys must be variable names (strings), got %s" % (what, describe(key)))
        value = values[key]
        if key in BLOCKS and is_mapping(value):
            value = ContextData.from_value(value, what + "['" + key + "']")
        name = key[1:] if key.startswith("!") else key
        if not is_known(name) and console is not None:
            console.warn(
                "AppMeasurement: %s: %r is not an AppMeasurement variable; it has no effect" % (what, key)
            )
        checked[key] = value
    return checked


def _set(s, name, value):
    # Overrides may blank contextData ({"!contextData": 1}); only a mapping is converted.
    if name in BLOCKS and is_mapping(value):
        value = ContextData.from_value(value, name)
    object.__setattr__(s, name, value)


def apply(s, values, merge):
    """Set variables from a checked mapping; returns what is needed to undo it (AppMeasurement's U)."""
    backup = {}
    for key in values:
        name = key[1:] if key[:1] == "!" else key
        # Only what s.t(overrides) may set: the tracked and configuration variables (AppMeasurement's
        # a.i and a.Ra); anything else in an overrides mapping is ignored.
        if name in backup or not is_known(name):
            continue
        new = values.get(name)
        if not js_truthy(new) and not js_truthy(values.get("!" + name)):
            continue
        current = getattr(s, name)
        mergeable = merge and name in ("contextData", "retrieveLightData") and js_truthy(new)
        if mergeable and js_truthy(current) and is_mapping(current) and is_mapping(new):
            new = ContextData(new)
            for old_key in current.keys():
                if not js_truthy(new.get(old_key)):
                    new[old_key] = current[old_key]
        if not js_truthy(current):
            backup["!" + name] = 1
        backup[name] = current
        _set(s, name, new)
    return backup
