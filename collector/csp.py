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

A few pages need more, on purpose, each named in ``EXCEPTIONS`` with the reason: the embed example
stands for a site written for AppMeasurement.js (inline ``<script>`` blocks and
``onclick="s.tl(this,...)"`` handlers, which issue #14 asks to keep working: ``'unsafe-inline'``), and
the test page of a PyScript app that installs the package from an archive: PyScript unpacks a
``[files]`` archive (the built ``.zip`` or ``.whl``) in a ``blob:`` worker (``worker-src 'self'
blob:``). The one-tag loader installs the one-file bundle instead, which needs no worker. A page that
wants the strict policy moves its inline code to files.

    >>> "object-src 'none'" in POLICY and "'unsafe-inline'" not in POLICY
    True
    >>> policy_for("/examples/embed/index.html")[:60]
    "default-src 'none'; script-src 'self' 'unsafe-inline' 'unsaf"
    >>> "blob:" in policy_for("/examples/embed/index.html"), "blob:" in policy_for("/tests/e2e/pages/embed_app.html")
    (False, True)
    >>> policy_for("/index.html") == POLICY
    True
"""

__all__ = ["POLICY", "ContentSecurityPolicy", "policy_for"]

_STRICT = (
    ("default-src", "'none'"),
    ("script-src", "'self' 'unsafe-eval' 'wasm-unsafe-eval'"),
    ("style-src", "'self'"),
    ("img-src", "'self'"),
    ("connect-src", "'self'"),
    ("font-src", "'self'"),
    ("manifest-src", "'self'"),
    ("form-action", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("frame-ancestors", "'none'"),
)
# What a page needs beyond the strict policy, and why:
_INLINE = ("script-src", "'unsafe-inline'")  # inline <script> and onclick="s.tl(this,...)" handlers
_UNZIP = ("worker-src", "'self' blob:")  # PyScript unpacks a [files] archive (.zip, .whl) in a blob worker
EXCEPTIONS = (
    ("/examples/", (_INLINE,)),  # a site written for AppMeasurement.js, on the one-tag loader
    ("/tests/e2e/pages/clicks.html", (_INLINE,)),  # the .tl( skip reads inline handlers' source
    ("/tests/e2e/pages/embed_app.html", (_UNZIP,)),  # a PyScript app installing the built package
)


def _policy(extra=()):
    directives = [[name, value] for name, value in _STRICT]
    for name, value in extra:
        for directive in directives:
            if directive[0] == name:
                directive[1] = directive[1].replace("'self'", "'self' " + value.replace("'self' ", ""), 1)
                break
        else:
            directives.append([name, value])
    return "; ".join(name + " " + value for name, value in directives)


POLICY = _policy()


def policy_for(path):
    """The policy an HTML page at ``path`` is served with."""
    for prefix, extra in EXCEPTIONS:
        if path.startswith(prefix):
            return _policy(extra)
    return POLICY


class ContentSecurityPolicy:
    """ASGI middleware: adds ``POLICY`` to every ``text/html`` response and leaves the rest alone."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        header = (b"content-security-policy", policy_for(scope.get("path") or "/").encode("ascii"))

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                for name, value in headers:
                    if name.lower() == b"content-type" and value.startswith(b"text/html"):
                        message = {**message, "headers": [*headers, header]}
                        break
            await send(message)

        await self.app(scope, receive, send_with_policy)
