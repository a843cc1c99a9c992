"""Running the page's own code: callback registrations, the arity they accept, isolation, the loop guard.

A callback that raises is reported with its traceback and goes no further; a callback may take fewer
arguments than it is given; a tracking call made from inside a callback (or doPlugins) is refused.

    >>> console = []
    >>> book = Callbacks(None)
    >>> book.register("post", lambda url, extra: console.append((url, extra)), ("x",))
    True
    >>> book.register("post", lambda: console.append("no args"))
    True
    >>> book.run("post", ("http://c/...",))
    >>> console
    [('http://c/...', 'x'), 'no args']
"""

import sys

from .checks import check_callable

KINDS = {
    "pre": "registerPreTrackCallback",
    "post": "registerPostTrackCallback",
    "failure": "registerFailureTrackCallback",
}


class _Registration:
    def __init__(self, fn, args):
        self.fn = fn
        self.args = args
        self.arity = _max_positional(fn)  # None: unknown, learnt on the first call if need be
        self.name = getattr(fn, "__name__", None) or repr(fn)


class Callbacks:
    """One instance's pre-, post- and failure-track callbacks, and the guard against tracking from them."""

    def __init__(self, console):
        self._console = console
        self._lists = {"pre": [], "post": [], "failure": []}
        self.in_user_code = 0  # >0 while a callback or the build's doPlugins runs

    def register(self, kind, fn, args=()):
        """Register fn for "pre", "post" or "failure". Returns False for a duplicate."""
        api = KINDS[kind]
        check_callable(fn, api)
        args = tuple(args)
        for existing in self._lists[kind]:
            if _same(existing.fn, fn) and _same(existing.args, args):
                if self._console is not None:
                    self._console.warn(
                        "AppMeasurement: %s: %s is already registered with these arguments; "
                        "registered once" % (api, existing.name)
                    )
                return False
        self._lists[kind].append(_Registration(fn, args))
        return True

    def run(self, kind, leading):
        """Call every registration of ``kind`` with ``leading`` + its own arguments, in order."""
        api = KINDS[kind]
        self.in_user_code += 1
        try:
            for reg in list(self._lists[kind]):
                run_isolated(self._console, api + " callback " + reg.name, None, leading, reg)
        finally:
            self.in_user_code -= 1


def _same(a, b):
    try:
        return a is b or bool(a == b)
    except Exception:
        return False


def _max_positional(fn):
    """How many positional arguments fn takes, or None if it is unknown or unlimited (*args).

    CPython and Pyodide expose `__code__.co_argcount`; MicroPython does not, so there the count is
    learnt from the call itself (see _invoke).
    """
    skip = 0
    func = getattr(fn, "__func__", None)  # a bound method (it forwards __code__): `self` is bound
    if func is not None:
        code, skip = getattr(func, "__code__", None), 1
    else:
        code = getattr(fn, "__code__", None)
    if code is None and func is None:
        call = getattr(type(fn), "__call__", None)  # noqa: B004 (the method itself: its __code__)
        if call is not None:
            code, skip = getattr(call, "__code__", None), 1
    argcount = getattr(code, "co_argcount", None)
    if argcount is None or getattr(code, "co_flags", 0) & 0x04:  # 0x04: CO_VARARGS
        return None
    return max(0, argcount - skip)


def _is_arity_error(exc, given):
    # The interpreter's own message for a call with too many arguments, naming the count we passed:
    # a TypeError raised inside the callback almost never says exactly this, and then it is re-raised.
    # MicroPython counts a bound method's `self` in that number, hence given + 1 too.
    text = str(exc)
    if "positional argument" not in text:
        return False
    for count in (given, given + 1):
        if ("but %d were given" % count) in text or ("but %d was given" % count) in text:
            return True
    return False


def _invoke(reg, args):
    if reg.arity is not None:
        return reg.fn(*args[: reg.arity])
    try:
        result = reg.fn(*args)
    except TypeError as exc:
        if not args or not _is_arity_error(exc, len(args)):
            raise
        for count in range(len(args) - 1, -1, -1):
            try:
                result = reg.fn(*args[:count])
            except TypeError as inner:
                if count and _is_arity_error(inner, count):
                    continue
                raise
            reg.arity = count
            return result
        raise
    return result


def run_isolated(console, what, fn, args, reg=None):
    """Call user code; an exception is reported with its traceback and goes no further."""
    try:
        if reg is not None:
            _invoke(reg, tuple(args) + reg.args)
        else:
            fn(*args)
    except Exception as exc:
        message = "AppMeasurement: %s raised %s\n%s" % (what, type(exc).__name__, format_exception(exc))
        if console is not None:
            console.error(message)
        else:
            print(message)


def format_exception(exc):
    """The traceback text of exc, on CPython/Pyodide and on MicroPython."""
    try:
        import traceback

        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except ImportError:
        import io

        buf = io.StringIO()
        sys.print_exception(exc, buf)
        return buf.getvalue()
