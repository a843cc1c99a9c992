// What reaches the window (bubble phase, after the tracker's body listeners): a click the
// tracker stopped never arrives; its clone arrives untrusted once the hit settled.
window.clickLog = [];
window.pageMaxScroll = 0;
addEventListener("click", (event) => {
  const el = event.target.closest("[id]");
  clickLog.push({id: el ? el.id : "", trusted: event.isTrusted, prevented: event.defaultPrevented});
  const anchor = event.target.closest("a");
  if (anchor && anchor.hasAttribute("data-stay")) event.preventDefault();
});
// How long the user waited: from the trusted click to this page going away.
addEventListener("click", (event) => {
  if (event.isTrusted) sessionStorage.setItem("clicks.clickAt", String(performance.now()));
}, true);
addEventListener("pagehide", () => {
  const at = sessionStorage.getItem("clicks.clickAt");
  if (at) sessionStorage.setItem("clicks.leftAfterMs", String(Math.round(performance.now() - Number(at))));
});
addEventListener("scroll", () => {
  pageMaxScroll = Math.max(pageMaxScroll, Math.floor(pageYOffset + innerHeight));
});
