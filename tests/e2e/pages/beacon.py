"""Test page: fires raw image beacons through the library's browser binding."""

import json

import js
from pyscript.ffi import create_proxy

from appmeasurement import browser

transport = browser.BrowserTransport()
js.window.beaconOutcomes = js.Array.new()


def _record(url, outcome):
    entry = js.Object.new()
    entry.url = url
    entry.outcome = outcome
    js.window.beaconOutcomes.push(entry)


def fire_beacon(url):
    holder = {}

    def settle(outcome):
        transport.release(holder["token"])
        _record(url, outcome)

    holder["token"] = transport.send_image(url, lambda: settle("load"), lambda: settle("error"))


def binding_stats(*_):
    return json.dumps(browser.stats())


js.window.fireBeacon = create_proxy(fire_beacon)
js.window.bindingStats = create_proxy(binding_stats)
js.document.documentElement.dataset.ready = "1"
