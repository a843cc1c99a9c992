// ?interpreter=py: Pyodide with the wheel; otherwise MicroPython with the [files] archive.
const kind = new URLSearchParams(location.search).get("interpreter") === "py" ? "py" : "mpy";
const script = document.createElement("script");
script.type = kind;
script.src = "/tests/e2e/pages/embed_app.py";
script.setAttribute("config", `/tests/e2e/pages/embed_app_${kind}.toml`);
document.body.append(script);
await import("/node_modules/@pyscript/core/dist/core.js");
