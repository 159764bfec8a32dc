/* SLA countdown for every `.clock[data-remaining]` on a page (ticket detail and workspace). A working-time clock
   (data-counting) counts only while its working time lasts: it stops after data-changes-in seconds, and one
   outside working time does not count at all (kefu.tickets.selectors.clock_states). */
(function () {
  "use strict";
  function fmt(s) {
    var neg = s < 0; s = Math.abs(s);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (neg ? "已超 " : "剩余 ") + (d ? d + " 天 " : "") + h + " 时 " + m + " 分 " + sec + " 秒";
  }
  var clocks = document.querySelectorAll(".clock[data-remaining]"), t0 = Date.now();
  function tick() {
    clocks.forEach(function (c) {
      var elapsed = Math.floor((Date.now() - t0) / 1000), counted = elapsed, note = c.querySelector(".working-note");
      if (c.dataset.counting === "0") counted = 0;
      else if (c.dataset.counting === "1") counted = Math.min(elapsed, +c.dataset.changesIn);
      if (note && c.dataset.counting === "1" && elapsed >= +c.dataset.changesIn) note.textContent = note.dataset.pausedText;
      var left = +c.dataset.remaining - counted;
      c.querySelector(".countdown").textContent = fmt(left);
      c.classList.toggle("overdue", left < 0);
    });
  }
  document.querySelectorAll(".countdown").forEach(function (e) { e.textContent = fmt(+e.textContent); });
  tick(); setInterval(tick, 1000);
})();
