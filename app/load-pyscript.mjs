// Starts a page's Python with PyScript, under the interpreter its URL asks for:
// ?interpreter=mpy (MicroPython, the default: small and fast to start) or ?interpreter=py (Pyodide).
// Both are served from node_modules with the repo's configs (/mpy.toml, /pyscript.toml); no CDN.
//
//   <script type="module" src="/app/load-pyscript.mjs" data-main="/app/main.py"></script>
//
// It preloads what PyScript will fetch (?preload=none: not; the benchmark compares both), sets
// <html data-interpreter="mpy|py"> and fills elements marked data-interpreter-name with the
// interpreter's name (for a loading message).
const tag = document.querySelector("script[data-main]");
const query = new URLSearchParams(location.search);
const kind = query.get("interpreter") === "py" ? "py" : "mpy";
document.documentElement.dataset.interpreter = kind;
for (const element of document.querySelectorAll("[data-interpreter-name]")) {
  element.textContent = kind === "py" ? "Pyodide" : "MicroPython";
}
// data-config-mpy / data-config-py: another config for that interpreter (the benchmark page loads the
// package as the README tells a page to); data-files-mpy / data-files-py: that config's [files], to
// preload (space-separated URLs).
const config = kind === "py" ? tag.dataset.configPy || "/pyscript.toml" : tag.dataset.configMpy || "/mpy.toml";
const files = (kind === "py" ? tag.dataset.filesPy : tag.dataset.filesMpy) || "";

const script = document.createElement("script");
script.type = kind;
script.src = tag.dataset.main;
script.setAttribute("config", config);
document.body.append(script);
const core = import("/node_modules/@pyscript/core/dist/core.js");

// Preload hints: PyScript fetches the config, then the interpreter, its wasm, the [files] and the
// page's script, each after the last; the hints start them all now, beside PyScript's core.
const INTERPRETERS = {
  mpy: "/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs",
  py: "/node_modules/pyodide/pyodide.mjs",
};
function preload() {
  const interpreter = INTERPRETERS[kind];
  const folder = interpreter.slice(0, interpreter.lastIndexOf("/") + 1);
  const modules = [interpreter].concat(kind === "py" ? [folder + "pyodide.asm.mjs"] : []);
  const wasm = kind === "py" ? ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"] : ["micropython.wasm"];
  const fetched = [config, ...wasm.map((name) => folder + name), tag.dataset.main, ...files.split(/\s+/).filter(Boolean)];
  for (const href of modules) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "modulepreload", href }));
  }
  for (const href of fetched) {
    // as=fetch with crossorigin: the mode and credentials of the plain fetch() that will use it.
    const link = Object.assign(document.createElement("link"), { rel: "preload", as: "fetch", href });
    link.crossOrigin = "anonymous";
    document.head.append(link);
  }
}
if (query.get("preload") !== "none") preload();

await core;
