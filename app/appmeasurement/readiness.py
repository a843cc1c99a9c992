"""The readiness stage, in front of ``track.build``: consent and visitor ids, and deferred hits.

As AppMeasurement.js 2.27.0 does it: every ``s.t()`` / ``s.tl()`` asks the readiness checks
(``ready``: consent from ``adobe.optIn``, then the visitor values from ``s.visitor``). A hit made
while they are not ready is *deferred*: its variables are snapshotted at call time (overrides merged
in), the transient ones reset at once, and the deferred calls run in order once everything is ready,
checked when the visitor answers and every 100 ms (AppMeasurement's ``callbackWhenReadyToTrack``
queue and poll, here through the transport's timers). The request (cache buster, ``t=``, ``ts``) is
built when the hit finally goes; its ``Hit`` handle is returned at once and settles then.

Better than AppMeasurement, which waits for the visitor forever: ``s.visitorWaitTimeout`` ms
(``tracker.DEFAULT_WAIT_MS``, 5 s; 0 waits forever) after asking for the visitor values, the deferred hits go out
without them (with ``fid``), and their ``Outcome.note`` says so. Consent is never bypassed.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> class Visitor:
    ...     def isAllowed(self): return True
    ...     def getVisitorValues(self, callback): self.answer = callback
    >>> transport = FakeTransport()
    >>> s = AppMeasurement("r", StaticEnvironment(), transport)
    >>> s.trackingServer, s.visitor, s.pageName = "c.test", Visitor(), "Home"
    >>> hit = s.t()
    >>> s.pageName = "Next"; hit.done, len(transport.images)
    (False, 0)
    >>> s.visitor.answer({"MCMID": "M1"})
    >>> "&mid=M1&" in transport.images[0].url, "pageName=Home" in transport.images[0].url
    (True, True)
"""

from . import identity, track
from .callbacks import run_isolated
from .contextdata import ContextData
from .jsvalues import js_truthy, to_number
from .variables import indexed_key, is_known

POLL_MS = 100  # AppMeasurement checks the deferred queue this often

# Variables a deferred hit blanks when they were unset at call time (AppMeasurement's Bc list), so a
# value set between the call and the send does not leak into the earlier hit.
_BLANKED = {}  # besides every prop/eVar/hier/list
for _name in (
    "channel events eventList products productList purchaseID transactionID state zip campaign events2 "
    "latitude longitude ms_a contextData supplementalDataID tnt timestamp abort useBeacon linkObject "
    "clickObject linkType linkName linkURL bodyClickTarget bodyClickFunction"
).split():
    _BLANKED[_name] = True


def _blanked(name):
    return name in _BLANKED or indexed_key(name) is not None


class State:
    """What the readiness stage remembers per tracker (``s._state.readiness``)."""

    def __init__(self, s):
        self.values_wanted = False  # a track call allows one new getVisitorValues (AppMeasurement's da)
        self.values_pending = False  # getVisitorValues asked and not answered (K)
        self.consent_asked = False  # fetchPermissions called and not answered (ga)
        self.consent_fetched = False  # permissions fetched (Ca)
        self.deferred = []  # [fn, args, hit or None] in call order (j)
        self.poll = None  # the 100 ms poll's timer (r)
        self.wait = None  # the visitorWaitTimeout timer
        self.flushing = False
        # Long-lived callbacks: the same callables are handed to the visitor and optIn every time.
        self.on_values = lambda values=None, *_: _values_arrived(s, values)
        self.on_permissions = lambda *_: _permissions_fetched(s)


def state(s):
    st = s._state.readiness
    if st is None:
        st = s._state.readiness = State(s)
    return st


# --- the checks (AppMeasurement's isReadyToTrack) -------------------------------------------------
def ready(s):
    """``s.isReadyToTrack()``: consent given (when the page has adobe.optIn) and visitor values in.

    Like AppMeasurement's, it asks for what is missing: permissions once, visitor values once per
    track call."""
    if not consent_ready(s):
        return False
    return values_ready(s)


def consent_ready(s):
    """ANALYTICS approved, or no optIn (AppMeasurement's Fb)."""
    o = identity.opt_in(s)
    if o is None:
        return True
    st = state(s)
    if st.consent_fetched:
        return js_truthy(o.isApproved(identity.category(o, "ANALYTICS")))
    if not st.consent_asked:
        st.consent_asked = True
        o.fetchPermissions(st.on_permissions, True)
    return False


def _permissions_fetched(s):
    st = state(s)
    st.consent_asked = False
    st.consent_fetched = True


def values_ready(s):
    """The visitor values are in, or there is no usable visitor (AppMeasurement's Jb)."""
    v = identity.visitor(s)
    if v is None or getattr(v, "getVisitorValues", None) is None:
        return True
    st = state(s)
    if st.values_wanted:
        st.values_wanted = False
        if not st.values_pending:
            st.values_pending = True
            _start_wait(s, st)
            v.getVisitorValues(st.on_values)
    return not st.values_pending


def _values_arrived(s, values):
    st = state(s)
    _stop(s, st, "wait")
    identity.apply_values(s, values)
    st.values_pending = False
    flush(s)


def _start_wait(s, st):
    limit = to_number(s.visitorWaitTimeout) if js_truthy(s.visitorWaitTimeout) else None
    if limit is None or limit <= 0:
        return
    _stop(s, st, "wait")
    st.wait = s._queue.transport.set_timeout(lambda: _gave_up(s, int(limit)), int(limit))


def _gave_up(s, limit):
    st = state(s)
    st.wait = None
    if not st.values_pending:
        return
    # A late answer still sets the ids, for the hits after it.
    st.values_pending = False
    note = "sent without visitor ids: no answer from s.visitor within %d ms (visitorWaitTimeout)" % limit
    for entry in st.deferred:
        if entry[2] is not None:
            entry[2]._note = note
    flush(s)


def _stop(s, st, which):
    token = getattr(st, which)
    if token is not None:
        setattr(st, which, None)
        s._queue.transport.clear_timeout(token)


# --- the deferred queue (AppMeasurement's callbackWhenReadyToTrack and q) ------------------------
def callback_when_ready(s, fn, args, hit=None):
    """Run ``fn(*args)`` once ready (checked every 100 ms, and when the visitor answers)."""
    st = state(s)
    st.deferred.append([fn, tuple(args) if args is not None else (), hit])
    if st.poll is None:
        st.poll = s._queue.transport.set_timeout(lambda: _tick(s), POLL_MS)


def _tick(s):
    st = state(s)
    st.poll = None
    flush(s)
    if st.deferred and st.poll is None:
        st.poll = s._queue.transport.set_timeout(lambda: _tick(s), POLL_MS)


def flush(s):
    """When ready, run every deferred call in order (AppMeasurement's q)."""
    st = state(s)
    if st.flushing or not ready(s):
        return
    _stop(s, st, "poll")
    st.flushing = True
    try:
        while st.deferred:
            fn, args, _hit = st.deferred.pop(0)
            run_isolated(s._queue._console, "callbackWhenReadyToTrack", fn, args)
    finally:
        st.flushing = False


def pending(s):
    """How many calls wait for readiness."""
    st = s._state.readiness
    return 0 if st is None else len(st.deferred)


# --- track calls ----------------------------------------------------------------------------------
def track_call(s, overrides):
    """``s.t()`` / ``s.tl()`` through readiness: sent now, or deferred; returns the Hit at once."""
    queue = s._queue
    if queue.callbacks.in_user_code:
        return queue.pending_hit()  # the loop guard: settled not_sent
    st = state(s)
    st.values_wanted = True
    if ready(s):
        if not st.deferred:
            return queue.track(lambda: track.build(s, overrides))
        hit = defer(s, overrides)
        flush(s)
        return hit
    return defer(s, overrides)


def defer(s, overrides):
    """Snapshot the variables now (AppMeasurement's Bc), reset the transient ones, queue the send."""
    hit = s._queue.pending_hit()
    callback_when_ready(s, _send, (s, snapshot(s, overrides), hit), hit)
    track.reset_transient(s)
    return hit


def snapshot(s, overrides):
    """The call-time variables: every tracked or configuration variable set to a truthy value
    (contextData copied), with the overrides merged in ("!name" drops name)."""
    values = {}
    for name, value in s.__dict__.items():
        if js_truthy(value) and is_known(name):
            values[name] = value.copy() if isinstance(value, ContextData) else value
    if overrides is not None:
        for key in overrides:
            if key[:1] == "!":
                if not js_truthy(overrides.get(key[1:])):
                    values.pop(key[1:], None)
                    values[key] = 1
            elif js_truthy(overrides[key]):
                values[key] = overrides[key]
    return values


def _send(s, values, hit):
    # Variables unset at call time and set since are blanked for this hit (see _BLANKED).
    values = dict(values)
    for name, value in s.__dict__.items():
        if name not in values and js_truthy(value) and _blanked(name):
            values["!" + name] = 1
    try:
        s._queue.track(lambda: track.build(s, values), hit)
    except Exception as exc:
        # At call time this would have raised to the caller; now there is none, so report it.
        s._queue.settle_not_sent(hit, "the deferred hit failed to build: %r" % (exc,))
        raise
