/*! AppMeasurement for PyScript __VERSION__ - loader (Apache-2.0). One tag, any page:
 * <script src="/dist/appmeasurement.js" data-interpreter="mpy|py"></script>
 * Optional: data-pyscript (PyScript core.js URL), data-interpreter-url (micropython.mjs / pyodide.mjs),
 * data-package (a zip or wheel to unpack instead of the default one-file bundle: the compiled .mpy
 * bundle for mpy, the .pyc bundle for py), data-start="none" (queue only: the page's own PyScript
 * app calls appmeasurement.embed.attach()), data-preload="none" (no preload hints for the interpreter
 * and the package).
 * s_gi/AppMeasurement exist at once; until Python is ready, s.t()/s.tl() are queued with a snapshot
 * of the variables, then replayed in order (app/appmeasurement/embed.py). */
(function () {
  "use strict";
  if (window.AppMeasurementEmbed) return;
  var tag = document.currentScript;
  var data = (tag && tag.dataset) || {};
  var kind = data.interpreter === "py" ? "py" : "mpy";
  var CLEARED = /^(prop|eVar|hier|list)[0-9]+$|^(channel|events|products|purchaseID|transactionID|state|zip|campaign)$/;
  var queue = []; // [operation, element], in call order, until the hand-over
  var vars = {}; // the variables of s while Python is not live
  var state = "queue"; // -> "replay" (Python connected) -> "live"
  var py = null; // Python's Embed.handle(text, element)
  var pending = {}; // hit id -> resolve
  var callbacks = {}; // callback id -> {fn, args, kind}
  var nextId = 0;
  var instance = null;
  var own = Object.prototype.hasOwnProperty;

  function setState(value) {
    state = value;
    bridge.state = value;
    document.documentElement.setAttribute("data-appmeasurement", value);
  }

  // JS values as JSON data: objects as ordered pairs, elements as a marker, functions dropped.
  function enc(v) {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
    if (v.nodeType) return undefined;
    if (Array.isArray(v)) return v.map(function (x) { var e = enc(x); return e === undefined ? null : e; });
    var pairs = [];
    Object.keys(v).forEach(function (k) {
      var e = enc(v[k]);
      if (e !== undefined) pairs.push([k, e]);
    });
    return { __pairs__: pairs };
  }
  function dec(v) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      var o = {};
      (v.__pairs__ || []).forEach(function (p) { o[p[0]] = dec(p[1]); });
      return o;
    }
    return Array.isArray(v) ? v.map(dec) : v;
  }
  function snapshot() { return enc(vars).__pairs__; }
  function send(op, el) {
    var answer = JSON.parse(py(JSON.stringify(op), el || null));
    if (answer && answer.error) throw new Error("AppMeasurement: " + answer.error);
    return dec(answer);
  }
  function call(name, args) {
    if (state === "live") return send({ op: "call", name: name, args: enc(Array.prototype.slice.call(args)) });
    queue.push([{ op: "call", name: name, args: enc(Array.prototype.slice.call(args)) }, null]);
  }
  function track(op, args) {
    var id = ++nextId;
    var link = op === "tl" ? args[0] : undefined;
    var el = link && link.nodeType ? link : null;
    var a = op === "t" ? [enc(args[0])] : [el ? { __element__: 1 } : enc(link), args[1], args[2], enc(args[3])];
    var entry = { op: op, id: id, args: a.map(function (x) { return x === undefined ? null : x; }) };
    var promise = new Promise(function (resolve) { pending[id] = resolve; });
    var done = op === "tl" ? args[4] : undefined;
    if (done) promise.then(function (outcome) {
      if (typeof done === "function") done(outcome);
      else if (done === "navigate" && el && el.href) location.href = el.href;
    });
    if (state === "live") send(entry, el);
    else { entry.vars = snapshot(); queue.push([entry, el]); }
    return promise;
  }
  function register(type) {
    return function (fn) {
      if (typeof fn !== "function") throw new TypeError("AppMeasurement: " + type + " needs a function");
      var extra = Array.prototype.slice.call(arguments, 1);
      for (var key in callbacks) {
        var c = callbacks[key];
        if (c.kind === type && c.fn === fn && JSON.stringify(c.args) === JSON.stringify(extra)) return false;
      }
      var id = ++nextId;
      callbacks[id] = { fn: fn, args: extra, kind: type };
      var entry = { op: "register", kind: type, id: id };
      if (state === "live") send(entry);
      else queue.push([entry, null]);
      return true;
    };
  }
  var util = {
    urlEncode: function (v) { return encodeURIComponent(String(v)); },
    urlDecode: function (v) { return decodeURIComponent(String(v).replace(/\+/g, " ")); },
    getQueryParam: function (name, url) {
      var search = url ? new URL(url, location.href).search : location.search;
      return new URLSearchParams(search).get(name) || "";
    },
    cookieRead: function (name) {
      var m = document.cookie.match(new RegExp("(?:^|; )" + name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "=([^;]*)"));
      return m ? decodeURIComponent(m[1]) : "";
    },
  };
  var methods = {
    t: function (overrides) { return track("t", arguments); },
    tl: function () { return track("tl", arguments); },
    clearVars: function () {
      if (state === "live") return call("clearVars", arguments);
      Object.keys(vars).forEach(function (k) { if (CLEARED.test(k)) delete vars[k]; });
    },
    setAccount: function (rsid) {
      if (state === "live") return call("setAccount", arguments);
      vars.account = rsid;
    },
    registerPreTrackCallback: register("pre"),
    registerPostTrackCallback: register("post"),
    registerFailureTrackCallback: register("failure"),
    Util: util,
  };
  methods.track = methods.t;
  methods.trackLink = methods.tl;
  methods.sa = methods.setAccount;
  ["cookieRead", "cookieWrite", "c_r", "c_w", "escape", "unescape", "log"].forEach(function (name) {
    methods[name] = function () { return call(name, arguments); };
  });

  // s.contextData: one object on both sides (Python's ContextData once live).
  var contextData = new Proxy({}, {
    get: function (t, key) {
      if (typeof key !== "string") return undefined;
      if (state === "live") { var v = send({ op: "cd", do: "get", key: key }); return v === null ? undefined : v; }
      return (vars.contextData || {})[key];
    },
    set: function (t, key, value) {
      if (state === "live") send({ op: "cd", do: "set", key: key, value: enc(value) });
      else (vars.contextData = vars.contextData || {})[key] = value;
      return true;
    },
    deleteProperty: function (t, key) {
      if (state === "live") send({ op: "cd", do: "del", key: key });
      else if (vars.contextData) delete vars.contextData[key];
      return true;
    },
    ownKeys: function () {
      return state === "live" ? send({ op: "cd", do: "keys" }) : Object.keys(vars.contextData || {});
    },
    getOwnPropertyDescriptor: function (t, key) {
      var value = this.get(t, key);
      return value === undefined ? undefined : { value: value, writable: true, enumerable: true, configurable: true };
    },
  });
  var handler = {
    get: function (t, name) {
      if (typeof name !== "string") return undefined;
      if (own.call(methods, name)) return methods[name];
      if (name === "contextData") return contextData;
      if (state !== "live") return vars[name];
      var v = send({ op: "get", name: name });
      return v === null ? undefined : v;
    },
    set: function (t, name, value) {
      if (name === "contextData") {
        var copy = {};
        Object.keys(Object(value)).forEach(function (k) { copy[k] = value[k]; });
        value = copy;
      }
      if (state === "live") send({ op: "set", name: name, value: enc(value) === undefined ? null : enc(value) });
      else vars[name] = value;
      return true;
    },
    deleteProperty: function (t, name) { return handler.set(t, name, null); },
    has: function (t, name) { return own.call(methods, name) || handler.get(t, name) !== undefined; },
    ownKeys: function () { return state === "live" ? send({ op: "keys" }) : Object.keys(vars); },
    getOwnPropertyDescriptor: function (t, name) {
      var value = handler.get(t, name);
      return value === undefined ? undefined : { value: value, writable: true, enumerable: true, configurable: true };
    },
  };

  function s_gi(rsid) {
    if (typeof rsid !== "string" || !rsid) throw new TypeError("s_gi: rsid must be a non-empty string");
    if (!instance) instance = new Proxy({}, handler);
    var entry = { op: "gi", rsid: rsid };
    if (state === "live") send(entry);
    else { queue.push([entry, null]); vars.account = rsid; }
    return instance;
  }

  var bridge = {
    version: "__VERSION__",
    state: state,
    el: null,
    // Python (embed.attach) connects, replays with next() until the hand-over, then calls ready().
    connect: function (dispatch) {
      py = dispatch;
      setState("replay");
      window.dispatchEvent(new CustomEvent("appmeasurement:replay", { detail: { queued: queue.length } }));
    },
    next: function () {
      var item = queue.shift();
      if (item) { bridge.el = item[1]; return JSON.stringify(item[0]); }
      bridge.el = null;
      var handover = JSON.stringify({ op: "handover", vars: snapshot() });
      vars = {};
      setState("live");
      return handover;
    },
    ready: function () { window.dispatchEvent(new CustomEvent("appmeasurement:ready")); },
    settle: function (id, text) {
      var resolve = pending[id];
      delete pending[id];
      if (resolve) resolve(JSON.parse(text));
    },
    callback: function (id, text) {
      var c = callbacks[id];
      if (!c) return;
      try { c.fn.apply(instance, JSON.parse(text).concat(c.args)); }
      catch (e) { console.error("AppMeasurement: JavaScript " + c.kind + "-track callback threw", e); }
    },
  };
  window.AppMeasurementEmbed = bridge;
  window.s_gi = s_gi;
  window.AppMeasurement = function (rsid) { return s_gi(rsid); };
  window.AppMeasurement.getInstance = s_gi;
  setState("queue");

  if (data.start === "none") return;
  var config = {
    interpreter: data.interpreterUrl || (kind === "py" ? "/node_modules/pyodide/pyodide.mjs"
      : "/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs"),
    files: {},
  };
  // One file, the package's __init__, which serves the other modules from memory on import: one
  // request, and no archive worker (PyScript unzips in a blob: worker, which a strict CSP forbids).
  // MicroPython gets the modules compiled (.mpy): it imports them without compiling the sources first.
  if (data.package) config.files[data.package] = "./*";
  else if (kind === "py") config.files["__PY_BUNDLE__"] = "./appmeasurement/__init__.py";
  else config.files["__MPY_BUNDLE__"] = "./appmeasurement/__init__.mpy";
  // Preload hints: PyScript fetches its core, then the interpreter, its wasm and the files one after
  // the other, each waiting for the last; the hints start them all at once (data-preload="none": not).
  if (data.preload !== "none") {
    var folder = config.interpreter.replace(/[^/]*$/, "");
    var wasm = kind === "py" ? ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"] : ["micropython.wasm"];
    var modules = [config.interpreter].concat(kind === "py" ? [folder + "pyodide.asm.mjs"] : []);
    var fetched = wasm.map(function (name) { return folder + name; }).concat(Object.keys(config.files));
    modules.concat(fetched).forEach(function (href, i) {
      var link = document.createElement("link");
      link.rel = i < modules.length ? "modulepreload" : "preload";
      if (i >= modules.length) {
        link.as = "fetch";
        link.crossOrigin = "anonymous"; // the mode and credentials of the plain fetch() that will use it
      }
      link.href = href;
      document.head.appendChild(link);
    });
  }
  var script = document.createElement("script");
  script.type = kind;
  script.setAttribute("config", JSON.stringify(config));
  script.textContent = "from appmeasurement import embed\nembed.attach()\n";
  (document.body || document.head).appendChild(script);
  import(data.pyscript || "/node_modules/@pyscript/core/dist/core.js");
})();
