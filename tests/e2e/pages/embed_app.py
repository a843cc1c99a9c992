"""A PyScript app using the packaged library (tests/e2e/test_embed.py): attach the page's JS queue."""

import js

from appmeasurement import embed, s_gi

s = s_gi("embedapp")
s.eVar9 = "set in python"
embed.attach(s)  # replays what the HTML tracked before this ran, then serves its JS s
s.pageName = "App: after attach"
s.t()
js.window.packagedFrom = embed.__file__
js.document.documentElement.dataset.ready = "1"
