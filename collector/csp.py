"""The Content-Security-Policy the collector sends with every HTML page it serves (the demo, test pages).

As strict as PyScript allows: no inline script or style, nothing from another origin, no plugins, no
``<base>``, no framing, forms only to the page's own origin. Measured in headless Chromium with a
``securitypolicyviolation`` listener on the demo and the test pages (tests/e2e/test_csp.py), the same
policy serves MicroPython and Pyodide:

- ``script-src 'self' 'unsafe-eval'``: PyScript core (``core-*.js``) builds functions from strings
  (``Function(...)``) while it starts either interpreter; without ``'unsafe-eval'`` neither starts
  (EvalError). ``'unsafe-eval'`` also covers compiling the interpreter's WebAssembly, which
  ``'wasm-unsafe-eval'`` names on its own: with only ``'self'``, ``WebAssembly.instantiate`` is refused
  too (micropython.mjs, pyodide.asm.mjs). Both are listed, so the WebAssembly need stays stated should
  PyScript stop evaluating strings.
- No ``blob:``/``worker-src`` (no worker is started), no ``'unsafe-inline'`` styles (the demo sets its
  CSS variables through ``element.style.setProperty``, which a CSP does not restrict), no ``data:``
  images (the favicon is a file).

The embed example (``/examples/``) and the click-tracking test page are the exceptions, on purpose:
they stand for a site written for AppMeasurement.js, whose pages carry inline ``<script>`` blocks and
``onclick="s.tl(this,...)"`` handlers (issue #14 asks that such code work unchanged; AppMeasurement's
click tracking reads the handler's source to skip ``.tl(`` links), so their policy adds
``'unsafe-inline'`` to ``script-src`` and nothing else. A page that wants the strict policy moves its
inline code to files.

    >>> "object-src 'none'" in POLICY and "'unsafe-inline'" not in POLICY
    True
    >>> policy_for("/examples/embed/index.html").startswith("default-src 'none'; script-src 'self' 'unsafe-inline'")
    True
    >>> policy_for("/index.html") == POLICY
    True
"""

__all__ = ["LEGACY_POLICY", "POLICY", "ContentSecurityPolicy", "policy_for"]

POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# Pages written the way AppMeasurement.js sites are (inline scripts and handlers): the embed example.
LEGACY_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
LEGACY_PREFIXES = ("/examples/", "/tests/e2e/pages/clicks.html")


def policy_for(path):
    """The policy an HTML page at ``path`` is served with."""
    return LEGACY_POLICY if path.startswith(LEGACY_PREFIXES) else POLICY


_HEADERS = {
    POLICY: (b"content-security-policy", POLICY.encode("ascii")),
    LEGACY_POLICY: (b"content-security-policy", LEGACY_POLICY.encode("ascii")),
}


class ContentSecurityPolicy:
    """ASGI middleware: adds ``POLICY`` to every ``text/html`` response and leaves the rest alone."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        header = _HEADERS[policy_for(scope.get("path") or "/")]

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                for name, value in headers:
                    if name.lower() == b"content-type" and value.startswith(b"text/html"):
                        message = {**message, "headers": [*headers, header]}
                        break
            await send(message)

        await self.app(scope, receive, send_with_policy)
