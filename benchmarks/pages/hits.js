// The per-hit protocol of `npm run bench` (benchmarks/bench.py's hits section), run in the page: for
// each variable set and call, batches of the library's calls (bench_page.py's benchBatchStart)
// alternating with the JS baseline's (baseline.js), image and "as sent". The same code serves both
// ways bench.py runs it:
//
//   await benchHits({sets: ["basic"], kinds: ["t"], batch: 50, batches: 20, warmup: 4, link_name: "L"})
//       // under Playwright: {"basic/t": {library: [ms per call, ...], baseline: [...], as_sent: [...],
//       //                    failed: 0, library_url: "...", baseline_url: "..."}}
//   bench.html?interpreter=py&auto=50,20,4
//       // with no DevTools client attached: batch, batches, warmup (every set and call); runs once the
//       // tracker's first hit settled and POSTs each row to the collector as a hit of report suite
//       // "benchresult" (c1: {"key": "basic/t", "row": {...}})
"use strict";

function benchLibraryBatch(kind, k) {
  return new Promise((resolve) => {
    window.benchResolve = (text) => resolve(JSON.parse(text));
    benchBatchStart(kind, k);
  });
}

async function benchBaselineBatch(setName, kind, k, asSent, linkName) {
  const vars = JSON.parse(benchVars(setName));
  const send = asSent ? baselineSendAsAppMeasurement : baselineSend;
  return JSON.parse(await baselineBatch(location.host, "benchbase", vars, kind === "t" ? null : linkName, k, send));
}

async function benchHits(spec, onRow = () => {}) {
  const out = {};
  for (const setName of spec.sets) {
    benchSetup(JSON.stringify({ set: setName, instances: spec.batch }));
    for (const kind of spec.kinds) {
      const row = { library: [], baseline: [], as_sent: [], failed: 0, library_url: "", baseline_url: "" };
      for (let i = 0; i < spec.warmup + spec.batches; i++) {
        const lib = await benchLibraryBatch(kind, spec.batch);
        const base = await benchBaselineBatch(setName, kind, spec.batch, false, spec.link_name);
        const sent = await benchBaselineBatch(setName, kind, spec.batch, true, spec.link_name);
        row.failed += lib.n - lib.ok;
        row.library_url = lib.url;
        row.baseline_url = base.last_url;
        if (i >= spec.warmup) {
          row.library.push(lib.ms / lib.n);
          row.baseline.push(base.ms / base.n);
          row.as_sent.push(sent.ms / sent.n);
        }
      }
      out[setName + "/" + kind] = row;
      onRow(setName + "/" + kind, row);
    }
  }
  return out;
}

// Detached runs report through the collector, the one server the page may talk to (its CSP).
function benchReport(payload) {
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/b/ss/benchresult/1/JS-2.27.0/s" + Math.floor(Math.random() * 1e13), true);
  xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
  xhr.send("AQB=1&c1=" + encodeURIComponent(JSON.stringify(payload)) + "&AQE=1");
}

(() => {
  const auto = new URLSearchParams(location.search).get("auto");
  if (!auto) return;
  const [batch, batches, warmup] = auto.split(",").map(Number);
  // bench.py's SETS, KINDS and LINK_NAME
  const spec = { sets: ["basic", "heavy"], kinds: ["t", "tl"], batch, batches, warmup, link_name: "Bench link" };
  const run = () =>
    benchHits(spec, (key, row) => benchReport({ key, row })).catch((e) =>
      benchReport({ error: String((e && e.stack) || e) }),
    );
  // bench_page.py dispatches this once its tracker's first hit has settled. A page that fails
  // before reports its first uncaught error instead (bench.py gives up after its timeout otherwise):
  // a JavaScript one, or a Python one, which PyScript shows in the page (.py-error) rather than throws.
  const shown = new MutationObserver(() => {
    const error = document.querySelector(".py-error");
    if (error) {
      shown.disconnect();
      benchReport({ error: error.textContent });
    }
  });
  shown.observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("am-bench-settled", () => shown.disconnect(), { once: true });
  window.addEventListener("am-bench-settled", run, { once: true });
  window.addEventListener("error", (event) => benchReport({ error: String(event.message) }), { once: true });
})();
