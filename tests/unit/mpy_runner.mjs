// Run Python under MicroPython 1.28 (the PyScript WebAssembly build) in Node, with the appmeasurement
// package on its path, to prove the library runs unchanged there without a browser.
//
//   node tests/unit/mpy_runner.mjs [--file LOCAL=/lib/NAME.py ...] [--real-init] [--browser] [--mpy DIST]
//                                  [--bundle FILE]
//                                  (-c CODE | SCRIPT.py)
//
// Every app/appmeasurement/*.py except browser.py is written to /lib/appmeasurement/ in MicroPython's
// file system; /lib is on MicroPython's sys.path.  --browser adds browser.py too: without PyScript it
// uses MicroPython's own jsffi, and the parts that need only Node's globals (Date, Math, setTimeout)
// run; anything touching `document`, `window` or `Image` does not.  The package's
// __init__.py is replaced by an empty one unless --real-init is given: the real one picks the browser
// environment when `js` exists, and in Node `js` exists but PyScript does not.  --file copies any
// other file in (e.g. tests/unit/vector_runner.py=/lib/vector_runner.py, or a data file).  --mpy DIST
// loads the package compiled instead, DIST/mpy/appmeasurement/*.mpy as written by scripts/build.py
// (what MicroPython pages load), with the same rules for browser and __init__ (the empty stand-in
// stays an empty __init__.py).
// Python's stdout/stderr go to Node's; an uncaught Python exception exits with status 1.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MPY = join(ROOT, "node_modules", "@micropython", "micropython-webassembly-pyscript", "micropython.mjs");

function usage(message) {
  process.stderr.write(`mpy_runner: ${message}\nusage: node tests/unit/mpy_runner.mjs [--file LOCAL=REMOTE ...] [--real-init] [--browser] [--mpy DIST] [--bundle FILE] (-c CODE | SCRIPT.py)\n`);
  process.exit(2);
}

const extra = [];
let code = null;
let realInit = false;
let withBrowser = false;
let bundle = null; // the one-file compiled package (scripts/build.py's -bundle.mpy)
let compiledFrom = null; // a dist/ folder: load dist/mpy/appmeasurement/*.mpy instead of the sources
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--file") {
    const spec = argv[++i] || usage("--file needs LOCAL=REMOTE");
    const eq = spec.indexOf("=");
    if (eq <= 0) usage(`bad --file ${spec}`);
    extra.push([resolve(spec.slice(0, eq)), spec.slice(eq + 1)]);
  } else if (arg === "--real-init") {
    realInit = true;
  } else if (arg === "--browser") {
    withBrowser = true;
  } else if (arg === "--bundle") {
    // dist/appmeasurement-<v>-bundle.mpy as /lib/appmeasurement/__init__.mpy, alone, as a page lists it
    bundle = argv[++i] || usage("--bundle needs the bundle file");
  } else if (arg === "--mpy") {
    compiledFrom = argv[++i] || usage("--mpy needs the dist folder");
  } else if (arg === "-c") {
    code = argv[++i];
    if (code === undefined) usage("-c needs code");
  } else if (code === null) {
    code = readFileSync(resolve(arg), "utf8");
  } else {
    usage(`unexpected argument ${arg}`);
  }
}
if (code === null) usage("no code given");

const { loadMicroPython } = await import(MPY);
const mp = await loadMicroPython({
  heapsize: 64 * 1024 * 1024,
  linebuffer: true,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

function mkdirs(path) {
  let current = "";
  for (const part of path.split("/").filter(Boolean)) {
    current += "/" + part;
    try {
      mp.FS.mkdir(current);
    } catch {
      // already there
    }
  }
}

const suffix = compiledFrom === null ? ".py" : ".mpy";
const pkg = compiledFrom === null ? join(ROOT, "app", "appmeasurement") : resolve(compiledFrom, "mpy", "appmeasurement");
mkdirs("/lib/appmeasurement");
for (const name of bundle === null ? readdirSync(pkg) : []) {
  if (!name.endsWith(suffix) || (name === `browser${suffix}` && !withBrowser)) continue;
  if (name === `__init__${suffix}` && !realInit) {
    mp.FS.writeFile("/lib/appmeasurement/__init__.py", "");
    continue;
  }
  mp.FS.writeFile(`/lib/appmeasurement/${name}`, readFileSync(join(pkg, name)));
}
if (bundle !== null) mp.FS.writeFile("/lib/appmeasurement/__init__.mpy", readFileSync(resolve(bundle)));
for (const [local, remote] of extra) {
  mkdirs(remote.slice(0, remote.lastIndexOf("/")));
  mp.FS.writeFile(remote, readFileSync(local));
}

try {
  mp.runPython(code);
} catch (err) {
  process.stderr.write(String(err && err.message ? err.message : err) + "\n");
  process.exit(1);
}
