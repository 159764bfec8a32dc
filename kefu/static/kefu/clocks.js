/* SLA countdown for every `.clock[data-remaining]` on a page (ticket detail and workspace). */
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
      var left = +c.dataset.remaining - Math.floor((Date.now() - t0) / 1000);
      c.querySelector(".countdown").textContent = fmt(left);
      c.classList.toggle("overdue", left < 0);
    });
  }
  document.querySelectorAll(".countdown").forEach(function (e) { e.textContent = fmt(+e.textContent); });
  tick(); setInterval(tick, 1000);
})();
