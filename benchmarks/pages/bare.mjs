// bare.html's loader: app/load-pyscript.mjs's steps with configs that list no files, so the page
// starts the interpreter (?interpreter=mpy|py) and runs a Python script that imports nothing.
const kind = new URLSearchParams(location.search).get("interpreter") === "py" ? "py" : "mpy";
const script = document.createElement("script");
script.type = kind;
script.src = "/benchmarks/pages/bare_page.py";
script.setAttribute("config", `/benchmarks/pages/bare_${kind}.toml`);
document.body.append(script);
await import("/node_modules/@pyscript/core/dist/core.js");
