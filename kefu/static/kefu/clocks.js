/* SLA countdown for every `.clock[data-remaining]` on a page (ticket detail and workspace). A working-time clock
   (data-counting) counts only while its working time lasts: it stops after data-changes-in seconds, and one
   outside working time does not count at all (kefu.tickets.selectors.clock_states). Clocks drawn again in place
   (the workspace's htmx swaps after a reply or an action) count from when they arrived. */
(function () {
  "use strict";
  function fmt(s) {
    var neg = s < 0; s = Math.abs(s);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (neg ? "已超 " : "剩余 ") + (d ? d + " 天 " : "") + h + " 时 " + m + " 分 " + sec + " 秒";
  }
  function tick() {
    document.querySelectorAll(".clock[data-remaining]").forEach(function (c) {
      if (!c.dataset.t0) c.dataset.t0 = Date.now();
      var elapsed = Math.floor((Date.now() - +c.dataset.t0) / 1000), counted = elapsed, note = c.querySelector(".working-note");
      if (c.dataset.counting === "0") counted = 0;
      else if (c.dataset.counting === "1") counted = Math.min(elapsed, +c.dataset.changesIn);
      if (note && c.dataset.counting === "1" && elapsed >= +c.dataset.changesIn) note.textContent = note.dataset.pausedText;
      var left = +c.dataset.remaining - counted;
      c.querySelector(".countdown").textContent = fmt(left);
      c.classList.toggle("overdue", left < 0);
    });
    // a clock that is not running (met, paused, replaced) shows the time it had left as it stopped
    document.querySelectorAll(".clock:not([data-remaining]) .countdown:not([data-shown])").forEach(function (e) {
      e.dataset.shown = "1"; e.textContent = fmt(+e.textContent);
    });
  }
  tick(); setInterval(tick, 1000);
})();
