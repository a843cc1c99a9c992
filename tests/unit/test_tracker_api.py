"""The public API: s_gi / AppMeasurement, bad input, contextData, overrides, clearVars, links."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from appmeasurement import tracker
from appmeasurement.contextdata import ContextData
from appmeasurement.outcome import NOT_SENT, Hit
from appmeasurement.testing import FakeElement, FakeTransport, StaticEnvironment
from appmeasurement.tracker import AppMeasurement, s_gi
from tests.unit.tracker_support import Rig, param, query_keys, query_parts


@pytest.fixture
def rig():
    return Rig("testrsid")


def hit(rig, *args, call="t"):
    urls = rig.record()
    getattr(rig.s, call)(*args)
    rig.settle()
    return urls[-1] if urls else None


# --- s_gi and instances ------------------------------------------------------------------------


def test_s_gi_returns_the_registered_instance_for_overlapping_suites():
    tracker._reset_registry()
    env = StaticEnvironment()
    a = s_gi("rsid1", env, FakeTransport())
    assert s_gi("rsid1") is a
    assert s_gi("rsid2,rsid1") is a, "any shared suite finds the instance"
    assert a.account == "rsid2,rsid1" and a.allAccounts == ["rsid1", "rsid2"]
    other = s_gi("rsid3", env, FakeTransport())
    assert other is not a and s_gi("rsid3") is other


def test_appmeasurement_is_always_new_but_registered():
    tracker._reset_registry()
    first = AppMeasurement("same", StaticEnvironment(), FakeTransport())
    second = AppMeasurement("same", StaticEnvironment(), FakeTransport())
    assert first is not second
    assert s_gi("same") is first, "s_gi finds instances created with AppMeasurement() too"
    assert AppMeasurement.getInstance("same") is first


def test_outside_a_browser_a_tracker_needs_an_environment_and_a_transport():
    with pytest.raises(RuntimeError, match=r"AppMeasurement\('myrsid'\): no browser here .*env, transport"):
        AppMeasurement("myrsid")
    with pytest.raises(RuntimeError, match="appmeasurement.testing"):
        AppMeasurement("myrsid", StaticEnvironment())


def test_defaults(rig):
    s = rig.s
    assert s.version == "2.27.0" and s.charSet == "UTF-8" and s.ssl is False
    assert isinstance(s.contextData, ContextData) and len(s.contextData) == 0
    assert Rig("r", StaticEnvironment(location="https://shop.test/")).s.ssl is True


def test_unknown_attributes_are_settable_readable_and_never_sent(rig):
    s = rig.s
    assert s.eVar1 is None and s.somethingElse is None
    s.foo = "bar"
    s.Prop1 = "wrong case"
    assert s.foo == "bar"
    url = hit(rig)
    assert "bar" not in url and "wrong" not in url


# --- bad input -----------------------------------------------------------------------------------


def _set_context_data(value):
    def action(s):
        s.contextData = value

    return action


def _set_context_key(key):
    def action(s):
        s.contextData[key] = "v"

    return action


BAD_INPUT = [
    ("s_gi-int", lambda s: s_gi(5), TypeError, ["rsid", "5"]),
    ("s_gi-empty", lambda s: s_gi(""), ValueError, ["rsid", "''"]),
    ("s_gi-None", lambda s: s_gi(None), TypeError, ["rsid", "None"]),
    ("AppMeasurement-empty", lambda s: AppMeasurement(""), ValueError, ["account", "''"]),
    ("AppMeasurement-list", lambda s: AppMeasurement(["a"]), TypeError, ["account", "['a']"]),
    ("setAccount-int", lambda s: s.setAccount(7), TypeError, ["account", "7"]),
    ("tl-linkType-int", lambda s: s.tl(True, 5, "x"), TypeError, ["linkType", "5"]),
    ("tl-linkType-bytes", lambda s: s.tl(True, b"o", "x"), TypeError, ["linkType", "b'o'"]),
    ("tl-overrides-str", lambda s: s.tl(True, "o", "n", "eVar1"), TypeError, ["overrides", "'eVar1'"]),
    ("t-overrides-int", lambda s: s.t(5), TypeError, ["overrides", "5"]),
    ("t-overrides-list", lambda s: s.t([("eVar1", "x")]), TypeError, ["overrides", "[('eVar1', 'x')]"]),
    ("t-set_vars-str", lambda s: s.t(None, "pageName"), TypeError, ["set_vars", "'pageName'"]),
    ("t-overrides-key-int", lambda s: s.t({1: "x"}), TypeError, ["overrides", "1"]),
    (
        "t-overrides-contextData-key",
        lambda s: s.t({"contextData": {2: "x"}}),
        TypeError,
        ["contextData key", "2"],
    ),
    ("contextData-key-int", _set_context_key(5), TypeError, ["contextData key", "5"]),
    ("contextData-key-None", _set_context_key(None), TypeError, ["contextData key", "None"]),
    (
        "contextData-dict-with-int-key",
        _set_context_data({"ok": 1, 3: "x"}),
        TypeError,
        ["contextData key", "3"],
    ),
    ("contextData-str", _set_context_data("a=b"), TypeError, ["contextData", "'a=b'"]),
    ("contextData-None", _set_context_data(None), TypeError, ["contextData", "None"]),
    ("contextData-list", _set_context_data([("a", "b")]), TypeError, ["contextData", "[('a', 'b')]"]),
    (
        "pre-callback-not-callable",
        lambda s: s.registerPreTrackCallback("fn"),
        TypeError,
        ["registerPreTrackCallback", "'fn'"],
    ),
]


@pytest.mark.parametrize(
    ("action", "error", "named"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_raises_a_clear_error(rig, action, error, named):
    with pytest.raises(error) as excinfo:
        action(rig.s)
    message = str(excinfo.value)
    for fragment in named:
        assert fragment in message, "%r should name %r" % (message, fragment)


def test_unknown_override_keys_warn_but_do_not_fail(rig):
    url = hit(rig, {"evar1": "typo"})
    assert "typo" not in url
    assert any("evar1" in msg for kind, msg in rig.env.messages if kind == "warn")


# --- contextData ------------------------------------------------------------------------------


def test_context_data_setitem_adds_and_assignment_replaces(rig):
    s = rig.s
    s.contextData["a"] = "1"
    s.contextData["g.x"] = "2"
    assert "&c.&a=1&g.&x=2&.g&.c&" in hit(rig)
    source = {"b": "3"}
    s.contextData = source
    assert isinstance(s.contextData, ContextData)
    source["late"] = "x"
    url = hit(rig)
    assert "&c.&b=3&.c&" in url and "late" not in url


def test_context_data_in_set_vars_is_merged_new_keys_first(rig):
    s = rig.s
    s.contextData = ContextData([("old", "1"), ("both", "old")])
    url = hit(rig, None, {"contextData": ContextData([("new", "2"), ("both", "new")])})
    assert "&c.&new=2&both=new&old=1&.c&" in url
    assert s.contextData.items() == [("new", "2"), ("both", "new"), ("old", "1")]


# --- overrides ----------------------------------------------------------------------------------


def test_overrides_apply_to_one_hit_and_are_restored(rig):
    s = rig.s
    s.pageName = "Base"
    s.eVar1 = "keep"
    s.contextData["k"] = "v"
    first = hit(rig, {"pageName": "Once", "eVar5": "x", "!eVar1": 1, "contextData": {"o": "1"}, "eVar2": ""})
    assert param(first, "pageName") == "Once" and param(first, "v5") == "x"
    assert param(first, "v1") is None and "&c.&o=1&.c&" in first
    assert s.pageName == "Base" and s.eVar1 == "keep" and s.eVar5 is None
    assert s.contextData.items() == [("k", "v")]
    second = hit(rig)
    assert (
        param(second, "pageName") == "Base" and param(second, "v1") == "keep" and param(second, "v5") is None
    )


def test_config_override_changes_the_host_for_one_hit(rig):
    urls = rig.record()
    rig.s.t({"trackingServer": "other.test", "ssl": True})
    rig.s.t()
    rig.settle()
    assert urls[0].startswith("https://other.test/b/ss/testrsid/1/JS-2.27.0/s")
    assert urls[1].startswith("http://COLLECTOR/b/ss/testrsid/1/JS-2.27.0/s")


def test_set_vars_are_permanent(rig):
    hit(rig, None, {"eVar3": "persist"})
    assert rig.s.eVar3 == "persist" and param(hit(rig), "v3") == "persist"


# --- clearVars ----------------------------------------------------------------------------------


def test_clear_vars_clears_exactly_the_recorded_set(rig):
    s = rig.s
    kept = {
        "pageName": "P",
        "pageURL": "https://x.test/",
        "server": "srv",
        "pageType": "pt",
        "currencyCode": "USD",
    }
    kept.update(
        {"visitorID": "v", "dynamicVariablePrefix": "D=", "linkTrackVars": "eVar1", "linkTrackEvents": "e"}
    )
    cleared = {
        "prop0": "a",
        "prop75": "b",
        "eVar0": "c",
        "eVar250": "d",
        "hier5": "e",
        "list3": "f",
        "channel": "g",
    }
    cleared.update(
        {"events": "h", "products": "i", "purchaseID": "j", "transactionID": "k", "state": "l", "zip": "m"}
    )
    cleared["campaign"] = "n"
    for name, value in list(kept.items()) + list(cleared.items()):
        setattr(s, name, value)
    s.contextData["k"] = "v"
    s.clearVars()
    assert all(getattr(s, name) is None for name in cleared)
    assert all(getattr(s, name) == value for name, value in kept.items())
    assert s.contextData.items() == [("k", "v")]


# --- the track call -----------------------------------------------------------------------------


def test_t_returns_a_hit_and_abort_suppresses_one_call(rig):
    s = rig.s
    urls = rig.record()
    s.abort = True
    aborted = s.t()
    assert isinstance(aborted, Hit) and aborted.outcome.status == NOT_SENT and urls == []
    assert s.abort is None
    s.t()
    rig.settle()
    assert len(urls) == 1


def test_do_plugins_runs_with_the_instance_when_use_plugins_is_set(rig):
    s = rig.s
    seen = []

    def do_plugins(instance):
        seen.append(instance)
        instance.eVar9 = "from-plugin"

    s.doPlugins = do_plugins
    assert param(hit(rig), "v9") is None and seen == []
    s.usePlugins = True
    assert param(hit(rig), "v9") == "from-plugin" and seen == [s]


def test_transient_variables_reset_after_every_call(rig):
    s = rig.s
    s.referrer = "https://ref.test/"
    s.timestamp = 1700000000
    s.supplementalDataID = "sd"
    first = hit(rig)
    assert param(first, "r") and param(first, "ts") == "1700000000" and param(first, "sdid") == "sd"
    assert s.referrer is None and s.timestamp is None and s.linkType is None
    second = hit(rig)
    assert param(second, "r") is None and param(second, "ts") is None and param(second, "sdid") is None


def test_timestamp_and_cache_buster_format():
    env = StaticEnvironment(now_ms=1700000000123, tz_offset=-120)  # 2023-11-14 22:13:20 UTC, UTC+2
    rig = Rig("testrsid", env)
    url = hit(rig)
    assert param(url, "t") == "15%2F10%2F2023%200%3A13%3A20%203%20-120"
    buster = url.split("?")[0].rsplit("/", 1)[1]
    assert re.fullmatch(r"s[0-9][0-9]+", buster) and buster[1] == str((1700000000123 // 10800000) % 10)


def test_referrer_comes_from_the_page_on_the_first_hit_only():
    env = StaticEnvironment(referrer="https://search.test/?q=x")
    rig = Rig("testrsid", env)
    assert param(hit(rig), "r") == "https%3A%2F%2Fsearch.test%2F%3Fq%3Dx"
    assert param(hit(rig), "r") is None


def test_adobe_mc_ref_in_the_page_url_wins_over_document_referrer():
    rig = Rig("testrsid", StaticEnvironment(referrer="https://doc.test/"))
    rig.s.pageURL = "https://shop.test/p?adobe_mc_ref=https%3A%2F%2Fmc.test%2F"
    assert param(hit(rig), "r") == "https%3A%2F%2Fmc.test%2F"


def test_fid_cookie_is_written_and_reused_and_none_without_cookies():
    env = StaticEnvironment()
    first = Rig("testrsid", env)
    fid = param(hit(first), "fid")
    assert re.fullmatch(r"[0-7][0-9A-F]{15}-[0-3][0-9A-F]{15}", fid)
    assert "s_fid=" + fid in env.get_cookies()
    again = Rig("other", env)
    assert param(hit(again), "fid") == fid, "the s_fid cookie is read back"
    off = Rig("testrsid", StaticEnvironment(cookies_enabled=False))
    url = hit(off)
    assert param(url, "fid") is None and param(url, "k") == "N"


def test_post_backs_change_the_path_and_add_the_callback(rig):
    rig.s.usePostbacks = True
    url = hit(rig)
    assert "/b/ss/testrsid/10/JS-2.27.0/s" in url
    assert "?AQB=1&ndh=1&pf=1&callback=s_c_il[" in url and "].doPostbacks&et=1&t=" in url


# --- links --------------------------------------------------------------------------------------


def test_exit_link_goes_by_beacon_and_reports_no_lrt(rig):
    s = rig.s
    urls = rig.record()
    anchor = rig.env.make_anchor("https://partner.test/x")
    handle = s.tl(anchor, "e", "Partner")
    assert handle.transport == "beacon" and rig.transport.beacons == [urls[0]]
    assert param(urls[0], "pe") == "lnk_e"
    s.t()
    rig.settle()
    assert param(urls[1], "lrt") is None, "a beacon reports success at once: lrt 0 is left out"


def test_element_link_activitymap_region_and_page_url_fallback(rig):
    env = rig.env
    section = FakeElement(tag_name="SECTION", region_id="hero", parent=env.body)
    button = env.make_anchor("/buy?x=1#f", parent=section)
    rig.s.pageName = None
    rig.s.pageURL = "https://shop.test/page"
    url = hit(rig, button, "o", "  Buy \n now ", call="tl")
    assert param(url, "pev1") == "http%3A%2F%2FHARNESS%2Fbuy"
    tail = url.split("&pev2=", 1)[1]
    assert tail.startswith(
        "%20%20Buy%20%0A%20now%20&c.&a.&activitymap.&page=https%3A%2F%2Fshop.test%2Fpage"
        "&link=Buy%20now&region=hero&.activitymap&.a&.c&s="
    )
    assert "a.activitymap.link" in rig.s.contextData and not rig.s.contextData["a.activitymap.link"]


def test_element_without_name_uses_its_text_for_activitymap(rig):
    anchor = rig.env.make_anchor("https://ex.test/doc", inner_text="  Read   more ")
    rig.s.pageName = "Home"
    url = hit(rig, anchor, "o", call="tl")
    assert "&link=Read%20more&region=BODY&pageIDType=1&" in url and param(url, "pev2") is None


def test_link_query_kept_with_link_leave_query_string_and_external_detection(rig):
    s = rig.s
    s.linkLeaveQueryString = True
    s.trackExternalLinks = True
    url = hit(rig, rig.env.make_anchor("https://elsewhere.test/a?b=1"), call="tl")
    assert param(url, "pe") == "lnk_e" and param(url, "pev1") == "https%3A%2F%2Felsewhere.test%2Fa%3Fb%3D1"


def test_link_track_vars_filter_link_hits_only(rig):
    s = rig.s
    s.eVar1, s.eVar2, s.events = "a", "b", "event1,event2"
    s.linkTrackVars, s.linkTrackEvents = "eVar1,events", "event2"
    link = hit(rig, True, "o", "n", call="tl")
    assert [k for k in query_keys(link) if k in ("v1", "v2", "events")] == ["events", "v1"]
    assert param(link, "events") == "event2"
    page = hit(rig)
    assert param(page, "v2") == "b" and param(page, "events") == "event1%2Cevent2"


def test_manual_link_variables_turn_t_into_a_link_hit(rig):
    rig.s.linkType = "d"
    rig.s.linkName = "file"
    url = hit(rig)
    assert param(url, "pe") == "lnk_d" and param(url, "pev2") == "file"
    assert param(hit(rig), "pe") is None


def test_done_action_runs_once_the_hit_settled(rig):
    calls = []
    rig.record()
    rig.s.tl(True, "o", "n", None, lambda: calls.append(1))
    assert calls == [], "not before the request finished"
    rig.settle()
    assert calls == [1] and rig.s.bodyClickFunction is None
    anchor = rig.env.make_anchor("/next")
    rig.s.tl(anchor, "o", "go", None, "navigate")
    rig.settle()
    assert rig.env.navigations == ["http://HARNESS/next"]


def test_query_parts_helper_sanity(rig):
    parts = query_parts(hit(rig))
    assert parts[0].startswith("t=") and parts[-1] == "bh=720"


def test_a_step_that_raises_is_reported_and_leaves_the_tracker_usable(rig):
    urls = rig.record()
    rig.s.pageName = "Home"

    def broken_screen():
        raise RuntimeError("screen unavailable")

    rig.env.screen = broken_screen
    handle = rig.s.tl(True, "o", "a name", {"eVar1": "override"})
    assert handle.outcome is not None and handle.outcome.status == NOT_SENT, (
        "a hit whose build raised settles as not sent, got %r" % (handle.outcome,)
    )
    errors = [text for kind, text in rig.env.messages if kind == "error"]
    assert len(errors) == 1 and "screen unavailable" in errors[0], "one console error: %r" % errors
    assert rig.s.linkType is None and rig.s.linkName is None, "transient link variables were reset"
    assert rig.s.eVar1 is None, "the override was undone"
    del rig.env.screen
    rig.s.t()
    rig.settle()
    assert len(urls) == 1 and param(urls[0], "pe") is None, "the next call is a clean page view"


def test_a_lone_surrogate_is_sent_as_replacement_character_with_one_warning(rig):
    urls = rig.record()
    rig.s.tl(True, "o", "bad \ud800 name", {"eVar1": "x\udc00y"})
    rig.settle()
    assert len(urls) == 1
    assert param(urls[0], "pev2") == "bad%20%EF%BF%BD%20name" and param(urls[0], "v1") == "x%EF%BF%BDy", urls[
        0
    ]
    warnings = [text for kind, text in rig.env.messages if kind == "warn"]
    assert len(warnings) == 2, "one warning per variable: %r" % warnings
    assert "linkName" in warnings[0] and "eVar1" in warnings[1], warnings


def test_a_raising_do_plugins_is_reported_and_the_hit_still_goes_out(rig):
    urls = rig.record()

    def do_plugins(s):
        s.eVar9 = "set before the bug"
        raise RuntimeError("plugin bug")

    rig.s.usePlugins = True
    rig.s.doPlugins = do_plugins
    rig.s.pageName = "Home"
    rig.s.t()
    rig.settle()
    assert len(urls) == 1 and param(urls[0], "v9") == "set%20before%20the%20bug"
    errors = [message for kind, message in rig.env.messages if kind == "error"]
    assert len(errors) == 1 and "plugin bug" in errors[0] and "Traceback" in errors[0]


def test_changing_variables_in_a_pre_track_callback_does_not_change_the_hit(rig):
    sent_urls = []

    def meddle(url):
        rig.s.eVar1 = "set in the callback"  # too late for this hit: its URL is built
        rig.s.pageName = "Changed"

    rig.s.registerPreTrackCallback(meddle)
    rig.s.pageName = "Home"
    rig.s.trackingServer = "COLLECTOR"
    hit = rig.s.t()
    sent_urls.extend(image.url for image in rig.transport.images)
    rig.settle()
    assert sent_urls == [hit.url], "the request sent is the one built before the callback ran"
    assert param(hit.url, "pageName") == "Home" and param(hit.url, "v1") is None
    rig.s.t()
    rig.settle()
    assert param(rig.transport.images[-1].url, "v1") == "set%20in%20the%20callback", (
        "it applies to the next hit"
    )


# --- start-up: what the package imports before the first track call ----------------------------
_STARTUP_SCRIPT = """
import sys
sys.path.insert(0, "app")
import appmeasurement
from appmeasurement.testing import FakeTransport, StaticEnvironment
def loaded():
    return sorted(name.split(".")[1] for name in sys.modules if name.startswith("appmeasurement."))
s = appmeasurement.AppMeasurement("r", StaticEnvironment(), FakeTransport())
s.trackingServer, s.pageName = "c.test", "Home"
print(" ".join(loaded()))
s.t()
print(" ".join(loaded()))
"""
TRACK_TIME = [
    "identity",
    "links",
    "overrides",
    "pagefacts",
    "plugins",
    "query",
    "readiness",
    "request",
    "track",
]


def test_the_track_call_stages_are_imported_by_the_first_track_call_not_at_start_up():
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", _STARTUP_SCRIPT], cwd=root, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    before, after = (line.split() for line in run.stdout.splitlines())
    early = [name for name in TRACK_TIME if name in before]
    assert not early, f"expected {early} to wait for the first track call; at start-up: {before}"
    assert all(name in after for name in TRACK_TIME), f"after s.t(): {after}"
