/* Small behaviours every page may use, as data attributes (the content security policy runs no inline script):
   data-print prints the page, data-back goes back to the previous page (its href when there is none). */
(function () {
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-print], [data-back]");
    if (!el) { return; }
    if (el.hasAttribute("data-print")) { e.preventDefault(); window.print(); }
    else if (history.length > 1) { e.preventDefault(); history.back(); }
  });
})();
