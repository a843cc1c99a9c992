// Keeps the WebAssembly memories the page's modules export (the interpreter's), so that bench.py can
// read their size: PyScript does not expose MicroPython's Emscripten module to the page or to Python.
//
//   benchWasmMemoryBytes()   // 150994944: the sum of every exported memory's byteLength
//
// Loaded before the interpreter by bench.html and bare.html (the same scripts on both pages).
(function () {
  "use strict";
  var memories = [];
  function keep(result) {
    var instance = result && result.instance ? result.instance : result;
    if (instance && instance.exports) {
      Object.keys(instance.exports).forEach(function (name) {
        var value = instance.exports[name];
        if (value instanceof WebAssembly.Memory && memories.indexOf(value) < 0) memories.push(value);
      });
    }
    return result;
  }
  ["instantiate", "instantiateStreaming"].forEach(function (name) {
    var original = WebAssembly[name];
    WebAssembly[name] = function () {
      return original.apply(WebAssembly, arguments).then(keep);
    };
  });
  window.benchWasmMemoryBytes = function () {
    return memories.reduce(function (total, memory) { return total + memory.buffer.byteLength; }, 0);
  };
})();
