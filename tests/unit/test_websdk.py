"""The Python Web SDK (appmeasurement/websdk.py) against a fake page: commands, wire, cookies, consent, retries.

The expected rejection texts were recorded from the real alloy 2.33.1 in Chromium (tests/e2e/test_websdk.py
compares the two live).
"""

import asyncio
import json

import pytest

from appmeasurement.jsonorder import loads
from appmeasurement.testing import FakeEdgePage
from appmeasurement.websdk import AlloyError, cookie_name, createInstance, ecid_from_identity_cookie

ORG = "ABC@AdobeOrg"
CONFIG = {"datastreamId": "ds1", "orgId": ORG}
CFG_TAIL = "\nFor configuration documentation see: https://adobe.ly/3sHh553"
CFG_HEAD = "[alloy] Resolve these configuration problems:\n\t - "


def run(page, *calls):
    """Run the calls in order on a new instance; each result is ["ok", result] or ["err", message]."""
    alloy = createInstance(page=page)

    async def main():
        out = []
        for name, *options in calls:
            try:
                out.append(["ok", await alloy(name, *options)])
            except AlloyError as error:
                out.append(["err", error.message])
        return out

    return asyncio.run(main())


def bodies(page):
    return [json.loads(body) for _url, body in page.requests]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"orgId": ORG}, CFG_HEAD + "Error: 'datastreamId' is a required option" + CFG_TAIL),
        ({"datastreamId": "ds1"}, CFG_HEAD + "Error: 'orgId' is a required option" + CFG_TAIL),
        ({**CONFIG, "foo": 1}, CFG_HEAD + "'foo': Unknown field." + CFG_TAIL),
        ({"orgId": ORG, "foo": 1}, CFG_HEAD + "Error: 'datastreamId' is a required option" + CFG_TAIL),
        (
            {"datastreamId": 5, "orgId": ORG},
            CFG_HEAD + "Error: 'datastreamId': Expected a string, but got 5." + CFG_TAIL,
        ),
        (
            {**CONFIG, "defaultConsent": "maybe"},
            CFG_HEAD
            + '\'defaultConsent\': Expected one of these values: ["in","out","pending"], but got "maybe".'
            + CFG_TAIL,
        ),
        (
            {**CONFIG, "edgeDomain": "not a domain"},
            CFG_HEAD + "Error: 'edgeDomain': Expected a valid domain, but got \"not a domain\"." + CFG_TAIL,
        ),
        (
            {**CONFIG, "debugEnabled": "yes"},
            CFG_HEAD + "Error: 'debugEnabled': Expected true or false, but got \"yes\"." + CFG_TAIL,
        ),
        (
            {"datastreamId": "", "orgId": ORG},
            CFG_HEAD + "Error: 'datastreamId' is a required option" + CFG_TAIL,
        ),
        (
            None,
            CFG_HEAD
            + "Error: 'datastreamId' is a required option\n\t - 'orgId' is a required option"
            + CFG_TAIL,
        ),
        (
            {**CONFIG, "onBeforeEventSend": 5},
            CFG_HEAD + "Error: 'onBeforeEventSend': Expected a function, but got 5." + CFG_TAIL,
        ),
        (
            {**CONFIG, "thirdPartyCookiesEnabled": 1, "idMigrationEnabled": "x"},
            CFG_HEAD + "'thirdPartyCookiesEnabled': Expected true or false, but got 1.\n\t - "
            "'idMigrationEnabled': Expected true or false, but got \"x\"." + CFG_TAIL,
        ),
    ],
    ids=[
        "no datastreamId",
        "no orgId",
        "unknown field",
        "core problems hide unknown fields",
        "datastreamId not a string",
        "bad defaultConsent",
        "bad edgeDomain",
        "debugEnabled not a boolean",
        "empty datastreamId",
        "no options",
        "onBeforeEventSend not a function",
        "two component problems",
    ],
)
def test_configure_rejects_with_alloys_text(options, message):
    [result] = run(FakeEdgePage(), ("configure", options))
    assert result == ["err", message], f"expected alloy's rejection\n{message!r}\ngot\n{result!r}"


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        ([("configure", {"edgeConfigId": "ds1", "orgId": ORG})], ["ok", {}]),
        (
            [("sendEvent", {})],
            [
                "err",
                "[alloy] The library must be configured first. Please do so by executing the configure command.",
            ],
        ),
        (
            [("configure", CONFIG), ("configure", CONFIG)],
            ["err", "[alloy] The library has already been configured and may only be configured once."],
        ),
        (
            [("configure", CONFIG), ("nope", {})],
            [
                "err",
                "[alloy] The nope command does not exist. List of available commands: configure, setDebug, "
                "sendConversationEvent, setConsent, createEventMergeId, getMediaAnalyticsTracker, applyPropositions, "
                "sendPushSubscription, evaluateRulesets, subscribeRulesetItems, createMediaSession, sendMediaEvent, "
                "sendEvent, applyResponse, getIdentity, appendIdentityToUrl, getLibraryInfo.",
            ],
        ),
        (
            [("configure", CONFIG), ("sendEvent", {"bogus": 1, "xdm": 5})],
            [
                "err",
                "[alloy] Invalid sendEvent command options:\n\t - Error: 'xdm': Expected an object, but got 5. "
                "For command documentation see: https://adobe.ly/3GQ3Q7t",
            ],
        ),
        (
            [("configure", CONFIG), ("setDebug", {"enabled": 3})],
            [
                "err",
                "[alloy] Invalid setDebug command options:\n\t - Error: 'enabled': Expected true or false, but got 3. "
                "For command documentation see: https://adobe.ly/3sHgQHb",
            ],
        ),
        (
            [("configure", CONFIG), ("setConsent", {})],
            [
                "err",
                "[alloy] Invalid setConsent command options:\n\t - Error: 'consent' is a required option "
                "For command documentation see: https://adobe.ly/3sHgQHb",
            ],
        ),
        (
            [("configure", {"orgId": ORG}), ("sendEvent", {})],
            [
                "err",
                "[alloy] The library must be configured first. Please do so by executing the configure command.",
            ],
        ),
    ],
    ids=[
        "edgeConfigId is the old name",
        "command before configure",
        "second configure",
        "unknown command",
        "bad sendEvent option, unknown ones ignored",
        "bad setDebug",
        "setConsent without consent",
        "a failed configure leaves the library unconfigured",
    ],
)
def test_commands_resolve_or_reject_as_alloy(calls, expected):
    results = run(FakeEdgePage(), *calls)
    assert results[-1] == expected, f"expected {expected!r}, got {results[-1]!r}"


def test_a_second_configure_for_the_same_org_after_a_failed_one_is_refused():
    results = run(FakeEdgePage(), ("configure", {"orgId": ORG}), ("configure", CONFIG))
    assert results[1] == [
        "err",
        CFG_HEAD
        + "Error: 'orgId': Expected a unique value across instances, but got \"ABC@AdobeOrg\"."
        + CFG_TAIL,
    ]


def test_first_event_goes_to_demdex_with_the_auto_fields_then_to_the_edge_with_the_cookies():
    page = FakeEdgePage()
    results = run(
        page,
        ("configure", CONFIG),
        (
            "sendEvent",
            {
                "xdm": {
                    "eventType": "web.webpagedetails.pageViews",
                    "web": {"webPageDetails": {"name": "Home"}},
                },
                "data": {"__adobe": {"analytics": {"eVar1": "x"}}},
            },
        ),
        ("sendEvent", {"type": "web.webinteraction.linkClicks"}),
    )
    assert [r[1] for r in results] == [{}, {"propositions": [], "decisions": []}, {"propositions": []}]
    urls = [url.split("?")[0] for url, _ in page.requests]
    assert urls == [
        "https://adobedc.demdex.net/ee/v1/interact",
        "https://edge.adobedc.net/ee/or2/v1/interact",
    ]
    assert [url.split("?")[1].split("&")[0] for url, _ in page.requests] == ["configId=ds1", "configId=ds1"]
    first = loads(page.requests[0][1])
    assert first.keys() == ["events", "query", "meta"]
    event = first["events"][0]
    assert event.keys() == ["xdm", "query", "data"], "the first event carries the personalization query"
    assert event["xdm"].keys() == [
        "web",
        "device",
        "environment",
        "placeContext",
        "timestamp",
        "implementationDetails",
        "eventType",
    ]
    assert event["xdm"]["web"]["webPageDetails"].keys() == ["URL", "name"], (
        "the user's XDM merges after the automatic fields"
    )
    assert first["query"]["identity"]["fetch"] == ["ECID", "CORE"]
    assert first["meta"]["state"].keys() == ["domain", "cookiesEnabled"], "no cookies yet, so no entries"
    second = loads(page.requests[1][1])
    assert second["events"][0].keys() == ["xdm"]
    assert second["events"][0]["xdm"]["eventType"] == "web.webinteraction.linkClicks"
    entries = [e["key"] for e in second["meta"]["state"]["entries"]]
    assert entries == [cookie_name(ORG, "cluster"), cookie_name(ORG, "identity")]
    assert "AMCV_ABC%40AdobeOrg=MCMID|" + FakeEdgePage.ORG_ECID in page.get_cookies()


def test_document_unloading_beacons_to_collect_once_an_identity_exists():
    page = FakeEdgePage()
    run(
        page,
        ("configure", CONFIG),
        ("sendEvent", {"documentUnloading": True}),
        ("sendEvent", {"documentUnloading": True}),
    )
    assert [url.split("?")[0] for url, _ in page.requests] == ["https://adobedc.demdex.net/ee/v1/interact"]
    assert [url.split("?")[0] for url, _ in page.beacons] == ["https://edge.adobedc.net/ee/or2/v1/collect"]


@pytest.mark.parametrize(
    ("callback", "expected", "sent"),
    [
        (lambda c: c["xdm"].__setitem__("foo", "bar"), ["ok", {"propositions": [], "decisions": []}], "bar"),
        (lambda c: False, ["ok", {}], None),
        (
            lambda c: 1 / 0,
            [
                "err",
                "[alloy] [DataCollector] An error occurred while executing the sendEvent command.\n"
                "Caused by: division by zero",
            ],
            None,
        ),
    ],
    ids=["mutates", "returns False", "raises"],
)
def test_on_before_event_send(callback, expected, sent):
    page = FakeEdgePage()
    results = run(
        page, ("configure", {**CONFIG, "onBeforeEventSend": callback}), ("sendEvent", {"xdm": {"a": 1}})
    )
    assert results[-1] == expected
    if sent is None:
        assert page.requests == [], "nothing is sent"
    else:
        assert bodies(page)[0]["events"][0]["xdm"]["foo"] == sent


def test_pending_consent_waits_for_set_consent_and_out_resolves_empty():
    page = FakeEdgePage()
    alloy = createInstance(page=page)
    consent_in = {"consent": [{"standard": "Adobe", "version": "1.0", "value": {"general": "in"}}]}
    consent_out = {"consent": [{"standard": "Adobe", "version": "1.0", "value": {"general": "out"}}]}

    async def main():
        await alloy("configure", {**CONFIG, "defaultConsent": "pending"})
        waiting = alloy("sendEvent", {"xdm": {"a": 1}})
        await asyncio.sleep(0)
        assert page.requests == [], "a pending consent holds the event"
        await alloy("setConsent", consent_in)
        first = await waiting
        await alloy("setConsent", consent_out)
        after = await alloy("sendEvent", {"xdm": {"b": 1}})
        return first, after

    first, after = asyncio.run(main())
    assert first == {"propositions": [], "decisions": []} and after == {}
    actions = [url.split("?")[0].split("/v1/")[1] for url, _ in page.requests]
    assert actions == ["privacy/set-consent", "interact", "privacy/set-consent"]
    assert "general=out" in page.get_cookies()


@pytest.mark.parametrize(
    ("responses", "sleeps", "outcome"),
    [
        ([(503, {}, "")], [1], "ok"),
        ([(429, {"retry-after": "2"}, ""), (502, {}, ""), (504, {}, "")], [2000, 1, 1], "ok"),
        ([(503, {}, "")] * 4, [1, 1, 1], "err"),
        ([(400, {}, '{"type": "t", "status": 400}')], [], "err"),
    ],
    ids=["503 retried", "Retry-After honoured", "at most 3 retries", "400 not retried"],
)
def test_retries(responses, sleeps, outcome):
    page = FakeEdgePage()
    page.responses = list(responses)
    results = run(page, ("configure", CONFIG), ("sendEvent", {}))
    assert results[-1][0] == outcome, results[-1]
    assert len(page.sleeps) == len(sleeps)
    for waited, wanted in zip(page.sleeps, sleeps, strict=True):
        assert waited == wanted if wanted != 1 else 700 <= waited <= 5200, f"waited {waited} ms"
    assert len({url for url, _ in page.requests}) == 1, "a retry repeats the same request id"


def test_a_400_rejects_with_the_problem_body_pretty_printed():
    page = FakeEdgePage()
    page.responses = [(400, {}, '{"type":"t","status":400,"title":"Bad"}')]
    [_, result] = run(page, ("configure", CONFIG), ("sendEvent", {}))
    assert result == [
        "err",
        "[alloy] [DataCollector] An error occurred while executing the sendEvent command.\n"
        "Caused by: The server responded with a status code 400 and response body:\n"
        '{\n  "type": "t",\n  "status": 400,\n  "title": "Bad"\n}',
    ]


def test_get_identity_reads_the_cookie_after_acquiring_it():
    page = FakeEdgePage()
    results = run(page, ("configure", CONFIG), ("getIdentity",), ("getIdentity",))
    assert (
        results[1]
        == results[2]
        == ["ok", {"identity": {"ECID": FakeEdgePage.ORG_ECID}, "edge": {"regionId": 9}}]
    )
    assert [url.split("?")[0] for url, _ in page.requests] == [
        "https://adobedc.demdex.net/ee/v1/identity/acquire"
    ]


def test_identity_cookie_decodes_to_the_ecid():
    assert ecid_from_identity_cookie("CiY3MTk4NTE5MjE5Mzc5MDgwNzMxMzM5ODM2Nzc2MjExODcxNTQwNg==") == (
        "71985192193790807313398367762118715406"
    )
