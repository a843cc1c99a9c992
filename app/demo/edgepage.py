"""The demo's Web SDK page: the local collector plays the Edge Network, and every exchange is kept for the inspector.

The Web SDK addresses ``https://edge.adobedc.net/ee/...`` (and ``adobedc.demdex.net`` for a first visit);
its ``edgeDomain`` takes a host name only (no port, as alloy's), and the demo's CSP allows requests to
its own origin only. So this page, given to ``websdk.createInstance(page=...)``, sends every Edge request
to the same path on the page's own origin, where the collector's Edge stand-in (collector/edge.py)
answers. It works the same with ``npm start`` and in the e2e tests, without any request routing.

    page = LocalEdgePage()
    alloy = createInstance(page=page)
    ...
    page.take()      # [{"url", "body", "status", "response", "beacon"}] sent since the last take()
"""

import js

from appmeasurement.browser import EdgePage


def local_url(url, origin):
    """``https://edge.adobedc.net/ee/v1/interact?...`` -> ``<origin>/ee/v1/interact?...``."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    return origin + (rest[slash:] if slash >= 0 else "/")


class LocalEdgePage(EdgePage):
    def __init__(self):
        super().__init__()
        self._exchanges = []

    def _local(self, url):
        return local_url(url, str(js.location.origin))

    def beacon(self, url, body):
        queued = super().beacon(self._local(url), body)
        self._exchanges.append(
            {"url": url, "body": body, "status": None, "response": "", "beacon": True, "queued": queued}
        )
        return queued

    async def post(self, url, body):
        exchange = {"url": url, "body": body, "status": None, "response": "", "beacon": False}
        self._exchanges.append(exchange)
        status, headers, text = await super().post(self._local(url), body)
        exchange["status"], exchange["response"] = status, text
        return status, headers, text

    def take(self):
        """The exchanges since the last call (the queue sends one hit at a time, so they are its)."""
        taken, self._exchanges = self._exchanges, []
        return taken
