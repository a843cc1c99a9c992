// Compile Python sources to .pyc with Pyodide's own CPython (node_modules/pyodide), for Pyodide pages:
// a .pyc only loads in the CPython minor version that wrote it, and Pyodide's (3.14) is not this
// machine's. Used by scripts/build.py; one run compiles every file it is given.
//
//   node scripts/pyc_compile.mjs JOBS.json
//
// JOBS.json: [[source path, output path, name shown in tracebacks], ...]. Prints Python's version and
// exits 1 with Python's error when a file does not compile.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const jobs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { loadPyodide } = await import(join(ROOT, "node_modules", "pyodide", "pyodide.mjs"));
const py = await loadPyodide();
py.FS.mkdirTree("/build");
jobs.forEach(([source], i) => py.FS.writeFile(`/build/${i}.py`, readFileSync(source)));
py.globals.set("shown", py.toPy(jobs.map((job) => job[2])));
try {
  py.runPython(`
import py_compile, sys
for i, name in enumerate(shown):
    # UNCHECKED_HASH: the same source gives the same bytes (no timestamp), and no source is needed
    py_compile.compile(f"/build/{i}.py", cfile=f"/build/{i}.pyc", dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
`);
} catch (err) {
  process.stderr.write(String(err.message || err) + "\n");
  process.exit(1);
}
jobs.forEach(([, output], i) => writeFileSync(output, py.FS.readFile(`/build/${i}.pyc`)));
process.stdout.write(py.runPython("import sys; sys.version.split()[0]") + "\n");
