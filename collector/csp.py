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

    >>> "object-src 'none'" in POLICY and "'unsafe-inline'" not in POLICY
    True
"""

__all__ = ["POLICY", "ContentSecurityPolicy"]

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
_HEADER = (b"content-security-policy", POLICY.encode("ascii"))


class ContentSecurityPolicy:
    """ASGI middleware: adds ``POLICY`` to every ``text/html`` response and leaves the rest alone."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                for name, value in headers:
                    if name.lower() == b"content-type" and value.startswith(b"text/html"):
                        message = {**message, "headers": [*headers, _HEADER]}
                        break
            await send(message)

        await self.app(scope, receive, send_with_policy)
