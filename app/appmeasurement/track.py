"""The steps of one track call, in AppMeasurement.js 2.27.0's order, in one place.

``s.t()`` / ``s.tl()`` (tracker.py) validate their arguments and hand ``build`` to the queue
(lifecycle.py), which refuses calls from inside callbacks, runs ``build``, then the pre-track
callbacks, then sends. ``build(s, overrides)`` is the request stage, step by step:

 1. clock       cache buster and ``t=`` from the page's clock (request.py)
 2. overrides   this hit's overrides applied (overrides.py); undone in step 13
 3. sampling    visitor sampling and opt-out: out of sample or opted out sends nothing (cookies.py)
 4. identity    the ``s_fid`` fallback id unless an ECID/analytics id is set (cookies.py)
 5. link        the link element, URL and type (links.py); ClickMap (activitymap.py)
 6. plugins     ``s.doPlugins(s)`` (plugins.py); then, with ``trackOffline``, ``ts`` (seconds) unless
                ``s.timestamp`` is set
 7. page        pageURL and referrer (pagefacts.py); ActivityMap context data (activitymap.py)
 8. link fields ``pe``/``pev1``/``pev2``; ActivityMap block and ``s_sq`` click data (links.py,
                activitymap.py); nothing is sent without an account, when aborted, or for a link
                call with neither type nor URL/name
 9. identity    sdid from s.visitor; contextData cm.ssf while AAM is not approved (identity.py)
    technology  the technology fields, once per instance (pagefacts.py)
10. query       the cid. block and the variables that are set, in wire order, mcorgid from the
                visitor (identity.py, query.py)
11. url         host, path and framing (request.py); image or beacon; or, after ``s.useEdge(alloy)``,
                the Web SDK's sendEvent options instead (edgebridge.py)
12. after send  referrer consumed; excCodes reset
13. reset       transient variables reset, overrides undone: also when a step raised

Readiness (consent and visitor ids, before step 1: readiness.py), offline storage (after step 11, in
the queue: storage.py) and automatic click tracking (clicks.py: it calls ``s.t()`` with
``clickObject`` set) have their own stages.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
    >>> s.trackingServer, s.pageName = "c.test", "Home"
    >>> url, beacon = build(s, None)
    >>> url.split("?")[1].split("&")[3:6], beacon
    (['t=22%2F10%2F2026%206%3A10%3A10%200%200', 'fid=...', 'ce=UTF-8'], False)
"""

from . import activitymap, cookies, identity, links, overrides, pagefacts, plugins, query, request
from .callbacks import format_exception
from .contextdata import ContextData
from .jsvalues import js_truthy
from .variables import TRANSIENT


class Call:
    """What one track call works out along the way (AppMeasurement keeps these on ``s``)."""

    def __init__(self, buster, t_param):
        self.buster = buster  # the cache-buster path segment
        self.t_param = t_param  # "t=..." local time
        self.link_call = 1  # 0 when the call has no link object (a page view or a plain click)
        self.link_info = None  # ElementInfo of the link element, if any
        self.link_tag = ""  # its tag as AppMeasurement names it
        self.link_oid = None  # its ClickMap (id, type)
        self.link_extra = ""  # parameters sent after pev3: ActivityMap block, ClickMap, s_sq data


def build(s, values):
    """One track call's request: (url, use_beacon), or None when nothing is sent."""
    env = s._env
    call = Call(request.cache_buster(env.now_ms(), env.random()), request.timestamp_param(env.local_time()))
    backup = overrides.apply(s, values, False) if values is not None else None
    try:
        s._state.jar = cookies.UNREAD  # the page's cookies are read once for the whole call
        return _request(s, call)
    except Exception as exc:
        # No value a variable holds may break the page's own code (issue #11): the steps above are
        # written not to raise, and anything they missed is reported here and nothing is sent.
        env.error("AppMeasurement: the hit could not be built; nothing was sent.\n" + format_exception(exc))
        return None
    finally:
        # Even when a step raised (bad input), the next call must start clean: transient variables
        # reset and this hit's overrides undone, as after any other call.
        if js_truthy(s.referrer):
            s._state.held_referrer = s.referrer
        reset_transient(s)
        if backup is not None:
            overrides.apply(s, backup, False)
        s._state.jar = None


def _request(s, call):
    if not cookies.sampled(s) or js_truthy(s.visitorOptedOut):
        return None
    if not (js_truthy(s.marketingCloudVisitorID) or js_truthy(s.analyticsVisitorID)):
        s.fid = cookies.fallback_id(s)
    else:
        s.fid = None  # fid goes only with hits that have neither id (e.g. after visitorWaitTimeout)
    links.resolve(s, call)
    activitymap.clickmap(s, call)
    plugins.run(s)
    if js_truthy(s.trackOffline) and not js_truthy(s.timestamp):
        # Stored hits arrive late: AppMeasurement dates them (ts, seconds); reset after the call.
        s.timestamp = env_seconds(s)
    if not js_truthy(s.account):
        return None
    if not js_truthy(s.abort):
        pagefacts.page_and_referrer(s)
        activitymap.record(s, call)
    send = links.link_parameters(s, call)
    activitymap.carry_clicks(s, call, send)
    if not send or js_truthy(s.abort):
        return None
    identity.supplemental_id(s, identity.visitor(s))
    identity.audience_flag(s)
    pagefacts.technology(s)
    if js_truthy(s.writeSecureCookies) and not js_truthy(s.ssl):
        cookies.add_exclusion_code(s)
    if s._state.edge is not None:
        from . import edgebridge  # imported when used: pages that never call s.useEdge() skip its compile

        result = edgebridge.request(s, s._state.edge)  # s.useEdge(alloy): a sendEvent, not a URL
    else:
        url = request.hit_url(s, call.buster, call.t_param + _query(s, call))
        result = (url, request.use_beacon(s, url))
    s.referrer = ""
    data = s.contextData
    if isinstance(data, ContextData) and js_truthy(data.get("excCodes")):
        data["excCodes"] = 0
    return result


def env_seconds(s):
    """``Math.floor(new Date().getTime() / 1000)``."""
    return s._env.now_ms() // 1000


def _query(s, call):
    allowed, allowed_events = None, None
    if js_truthy(s.pe) or js_truthy(s.linkType):
        allowed, allowed_events = query.link_filters(s.linkTrackVars, s.linkTrackEvents)
    v = identity.visitor(s)
    values = query.sendable(s)
    identity.add_org_id(s, v, values)
    # The cid. block comes first, and link filters never apply to it.
    return identity.customer_ids(v) + query.build(
        values, allowed, allowed_events, s.ssl, call.link_extra, s._queue.take_lrt(), s._env.warn
    )


def reset_transient(s):
    """AppMeasurement's reset after every call, sent or not (``variables.TRANSIENT``)."""
    for name in TRANSIENT:
        object.__setattr__(s, name, None)
    s._env.set_s_object_id(0)
