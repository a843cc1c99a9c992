"""bench_broken.html's Python: fails before any tracker exists (see the page)."""

raise RuntimeError("bench_broken: the page failed before its first hit")
