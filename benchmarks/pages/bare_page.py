"""bare.html's Python: marks the timeline as bench_page.py does, with no tracker and no hit.

The marks bench.py reads (am-python-start, am-ready and the first-hit ones) all fall at the moment
the interpreter runs the page's first line, so the start-up figures of this page are the
interpreter's own; bench.py subtracts them from bench.html's to report what the tracker adds.
"""

import js

for _name in ("am-python-start", "am-ready", "am-first-hit-issued", "am-first-hit-settled"):
    js.performance.mark(_name)
js.window.benchImportMs = 0
js.document.documentElement.dataset.ready = "1"
