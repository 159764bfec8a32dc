/* The ticket page: replay the history with the slider; one click puts a refused reply's rewrite in the box. */
(function () {
  var slider = document.getElementById("replay"), out = document.getElementById("replay-state");
  var items = document.querySelectorAll(".history li");
  function show() {
    var n = +slider.value;
    items.forEach(function (li) { li.classList.toggle("future", +li.dataset.step > n); });
    var cur = items[n - 1]; out.textContent = cur ? cur.dataset.state : "";
  }
  if (slider) { slider.addEventListener("input", show); show(); }
  // A refused reply: one click puts kefu's rewrite in the reply box, to read and send.
  // Delegated, so that a refusal swapped in later (htmx) works as well as one rendered with the page.
  document.addEventListener("click", function (e) {
    var b = e.target.closest(".use-rewrite");
    if (!b) { return; }
    var box = b.closest("form").querySelector("textarea[name=body]");
    box.value = b.dataset.text; box.focus(); b.closest(".refusal").classList.add("applied");
  });
})();
