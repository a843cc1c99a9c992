// Keep every resource entry of a page load: the start-up figures sum them (the default buffer is 250).
performance.setResourceTimingBufferSize(5000);

// The JavaScript baseline of the benchmark: a hand-written function that builds the same image
// request as the library (same variables, same keys in the same order, values escaped with
// encodeURIComponent) and issues it with `new Image().src`. Nothing else: no queue, no callbacks,
// no plugins. benchmarks/bench.py compares its URL with the library's before trusting its timings.
//
//   const url = baselineUrl(location.host, "rsid", vars, null);          // s.t()
//   const url = baselineUrl(location.host, "rsid", vars, "Bench link");  // s.tl(true, "o", name)
//   baselineSend(url, () => {});                                        // new Image().src = url
"use strict";

const BASELINE = { lrt: null };

function baselineTimestamp() {
  const d = new Date();
  return d.getDate() + "/" + d.getMonth() + "/" + d.getFullYear() + " " + d.getHours() + ":" +
    d.getMinutes() + ":" + d.getSeconds() + " " + d.getDay() + " " + d.getTimezoneOffset();
}

function baselineFid() {
  const match = /(?:^|; )s_fid=([^;]*)/.exec(document.cookie);
  if (match) return decodeURIComponent(match[1]);
  const hex = () => Math.floor(Math.random() * 0x100000000).toString(16).toUpperCase().padStart(8, "0");
  const fid = hex() + hex() + "-" + hex() + hex();
  document.cookie = "s_fid=" + fid + "; path=/";
  return fid;
}

// {"a.b": 1, "a.c": 2, "d": 3} -> "&c.&a.&b=1&c=2&.a&d=3&.c", grouping keys by their dotted prefix.
function baselineContext(pairs) {
  const tree = new Map();
  for (const [key, value] of pairs) {
    let node = tree;
    const parts = key.split(".");
    for (const part of parts.slice(0, -1)) {
      if (!node.has(part) || !(node.get(part) instanceof Map)) node.set(part, new Map());
      node = node.get(part);
    }
    node.set(parts[parts.length - 1], value);
  }
  const walk = (node) => {
    let out = "";
    for (const [key, value] of node) {
      out += value instanceof Map
        ? "&" + encodeURIComponent(key) + "." + walk(value) + "&." + encodeURIComponent(key)
        : "&" + encodeURIComponent(key) + "=" + encodeURIComponent(value);
    }
    return out;
  };
  return pairs.length ? "&c." + walk(tree) + "&.c" : "";
}

// vars: {pageName, events, products, contextData: [[key, value], ...], indexed: [[name, value], ...]}
// with `indexed` in wire order (prop1, eVar1, prop2, eVar2 ...).
function baselineUrl(host, rsid, vars, linkName) {
  let q = "AQB=1&ndh=1&pf=1&t=" + encodeURIComponent(baselineTimestamp());
  q += "&fid=" + encodeURIComponent(baselineFid()) + "&ce=UTF-8";
  if (vars.pageName) q += "&pageName=" + encodeURIComponent(vars.pageName);
  q += "&g=" + encodeURIComponent(location.href.substring(0, 255));
  if (document.referrer) q += "&r=" + encodeURIComponent(document.referrer);
  q += baselineContext(vars.contextData || []);
  if (vars.events) q += "&events=" + encodeURIComponent(vars.events);
  if (vars.products) q += "&products=" + encodeURIComponent(vars.products);
  for (const [name, value] of vars.indexed || []) {
    const key = name.startsWith("eVar") ? "v" + name.substring(4) : "c" + name.substring(4);
    q += "&" + key + "=" + encodeURIComponent(value);
  }
  if (linkName !== null) q += "&pe=lnk_o&pev2=" + encodeURIComponent(linkName);
  q += "&s=" + screen.width + "x" + screen.height + "&c=" + (screen.pixelDepth || screen.colorDepth);
  q += "&j=1.6&v=" + (navigator.javaEnabled() ? "Y" : "N") + "&k=" + (navigator.cookieEnabled ? "Y" : "N");
  q += "&bw=" + window.innerWidth + "&bh=" + window.innerHeight;
  if (BASELINE.lrt !== null) q += "&lrt=" + BASELINE.lrt;
  q += "&AQE=1";
  const buster = "s" + Math.floor(Math.random() * 1e13);
  return location.protocol + "//" + host + "/b/ss/" + rsid + "/1/JS-2.27.0/" + buster + "?" + q;
}

function baselineSend(url, done) {
  const image = new Image();
  const started = Date.now();
  image.onload = image.onerror = () => {
    BASELINE.lrt = Date.now() - started;
    done();
  };
  image.src = url;
  return image;
}

// As AppMeasurement.js sends it: a request longer than 2,047 characters goes as a POST through
// XMLHttpRequest (the query as a form body), a shorter one as an image. In Chromium the POST alone
// costs ~0.6 ms in the calling task (XHR send), the image ~0.02 ms: the heavy page's floor.
function baselineSendAsAppMeasurement(url, done) {
  if (url.length <= 2047) return baselineSend(url, done);
  const cut = url.indexOf("?");
  const xhr = new XMLHttpRequest();
  const started = Date.now();
  xhr.open("POST", url.substring(0, cut), true);
  xhr.withCredentials = true;
  xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
  xhr.onloadend = () => {
    BASELINE.lrt = Date.now() - started;
    done();
  };
  xhr.send(url.substring(cut + 1));
  return xhr;
}

// One timed batch, as the page's Python times the library's: k calls back to back, each building its
// URL and issuing its request; then (untimed) wait until every request has settled. `send` is
// baselineSend (the baseline: always an image) or baselineSendAsAppMeasurement.
function baselineBatch(host, rsid, vars, linkName, k, send = baselineSend) {
  return new Promise((resolve) => {
    let settled = 0;
    const done = () => {
      settled += 1;
      if (settled === k) resolve(JSON.stringify({ ms: elapsed, n: k, last_url: lastUrl }));
    };
    let lastUrl = "";
    const start = performance.now();
    for (let i = 0; i < k; i++) {
      lastUrl = baselineUrl(host, rsid, vars, linkName);
      send(lastUrl, done);
    }
    const elapsed = performance.now() - start;
  });
}
