// Starts a page's Python with PyScript, under the interpreter its URL asks for:
// ?interpreter=mpy (MicroPython, the default: small and fast to start) or ?interpreter=py (Pyodide).
// Both are served from node_modules with the repo's configs (/mpy.toml, /pyscript.toml); no CDN.
//
//   <script type="module" src="/app/load-pyscript.mjs" data-main="/app/main.py"></script>
//
// It sets <html data-interpreter="mpy|py"> and fills elements marked data-interpreter-name with the
// interpreter's name (for a loading message).
const tag = document.querySelector("script[data-main]");
const kind = new URLSearchParams(location.search).get("interpreter") === "py" ? "py" : "mpy";
document.documentElement.dataset.interpreter = kind;
for (const element of document.querySelectorAll("[data-interpreter-name]")) {
  element.textContent = kind === "py" ? "Pyodide" : "MicroPython";
}
const script = document.createElement("script");
script.type = kind;
script.src = tag.dataset.main;
// data-config-mpy / data-config-py: another config for that interpreter (the benchmark page loads the
// package as the README tells a page to).
const config = kind === "py" ? tag.dataset.configPy || "/pyscript.toml" : tag.dataset.configMpy || "/mpy.toml";
script.setAttribute("config", config);
document.body.append(script);
await import("/node_modules/@pyscript/core/dist/core.js");
