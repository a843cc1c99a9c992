// What the page's HTML tracks before its Python runs (queued by the loader, replayed by embed.attach()).
var s = s_gi("embedapp");
s.trackingServer = location.host;
s.pageName = "App home";
s.t();
s.tl(true, "o", "Queued link");
