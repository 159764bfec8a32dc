/* Agent desk: the list of work waiting to be taken, read again when work pops, is taken by others, or the
   agent's status changes. The pops themselves, taking work (接起) and the alerts are kefu/desk-live.js's. */
(function () {
  "use strict";
  if (!document.getElementById("desk") || !window.kefuDesk) return;
  function refreshOffers() {
    fetch("/desk/offers/", { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("offers-wrap").innerHTML = html; });
  }
  window.kefuDesk.on(function (d) { if (d.type === "pop" || d.type === "offer_gone") refreshOffers(); });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "statusbar" || (e.detail && e.detail.target && e.detail.target.id === "statusbar")) refreshOffers();
  });
})();
