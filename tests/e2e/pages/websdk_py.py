"""Test page: runs the steps in ``window.WEBSDK_STEPS`` on the Python Web SDK, as websdk.html does on alloy.

Each step is ``[command, options, wait]``; ``wait`` false starts the command without awaiting it (it is
awaited at the end). ``onBeforeEventSend`` names a callback: "mutate", "drop" or "raise". Results go
to ``window.websdkResults`` (JSON: ``["ok", result]`` or ``["err", message]`` per step).
"""

import asyncio
import json

import js

from appmeasurement.websdk import AlloyError, createInstance

alloy = createInstance(name="alloy")


def _mutate(content):
    content["xdm"]["mutated"] = True


def _drop(content):
    return False


def _raise(content):
    raise ValueError("boom")


CALLBACKS = {"mutate": _mutate, "drop": _drop, "raise": _raise}


async def _settle(command):
    try:
        return ["ok", await command]
    except AlloyError as error:
        return ["err", error.message]


async def main():
    steps = json.loads(js.JSON.stringify(js.window.WEBSDK_STEPS))
    results = [None] * len(steps)
    pending = []
    for index, (name, options, wait) in enumerate(steps):
        if isinstance(options, dict) and options.get("onBeforeEventSend") in CALLBACKS:
            options["onBeforeEventSend"] = CALLBACKS[options["onBeforeEventSend"]]
        command = alloy(name, options)
        if wait:
            results[index] = await _settle(command)
        else:
            pending.append((index, command))
    for index, command in pending:
        results[index] = await _settle(command)
    js.window.websdkResults = json.dumps(results)
    js.document.documentElement.dataset.ready = "1"


asyncio.create_task(main())
