// The site's AppMeasurement configuration: what s_code.js holds on a site that uses AppMeasurement.js.
// Nothing here knows about Python: /dist/appmeasurement.js (included just before) defines s_gi.
var s = s_gi("embeddemo");
s.trackingServer = location.host; // this example's collector; a real site names its own
s.linkInternalFilters = location.hostname;
s.eVar10 = "embed example";

// Show each hit the collector accepted in the page's "Hits sent" list (and the URL it was sent as).
s.registerPostTrackCallback(function (url, site) {
  var list = document.getElementById("hits");
  if (!list) return;
  var query = new URLSearchParams(url.split("?")[1] || "");
  var item = document.createElement("li");
  item.dataset.url = url;
  item.dataset.site = site;
  item.textContent = query.get("pe") ? "link " + query.get("pev2") : "page view " + query.get("pageName");
  list.appendChild(item);
}, "trail-co");
