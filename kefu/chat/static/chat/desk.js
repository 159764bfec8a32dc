/* Agent desk: one WebSocket for screen pops and offers taken by others; claiming is an HTTP POST. */
(function () {
  "use strict";
  var root = document.getElementById("desk");
  if (!root) return;
  var csrf = root.dataset.csrf;
  var pops = document.getElementById("pops");

  function refreshOffers() {
    fetch("/desk/offers/", { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("offers-wrap").innerHTML = html; });
  }

  function claim(offer, btn) {
    btn.disabled = true;
    fetch("/desk/offers/" + offer + "/claim/", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ok) { window.location.href = data.url; return; }
        var box = btn.parentNode.querySelector(".taken");
        if (box) box.textContent = data.message; else alert(data.message);
        btn.disabled = false;
      });
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest(".claim-btn");
    if (btn) { e.preventDefault(); claim(btn.dataset.offer, btn); }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "statusbar" || (e.detail && e.detail.target && e.detail.target.id === "statusbar")) refreshOffers();
  });

  var delay = 500;
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/desk/");
    ws.onopen = function () { delay = 500; };
    ws.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "pop") {
        var none = document.getElementById("no-pop"); if (none) none.remove();
        if (!pops.querySelector('.pop[data-offer="' + data.offer + '"]')) pops.insertAdjacentHTML("afterbegin", data.html);
        refreshOffers();
      } else if (data.type === "offer_gone") {
        var pop = pops.querySelector('.pop[data-offer="' + data.offer + '"]');
        if (pop) { pop.querySelector(".taken").textContent = data.note; pop.querySelector(".claim").disabled = true;
          setTimeout(function () { pop.remove(); }, 4000); }
        refreshOffers();
      }
    };
    ws.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 8000); };
  }
  connect();

  // Work given to this agent waits for them a team-set time: the pop counts it down (server time, the
  // browser's clock may differ) and the tab's title says so while any is waiting.
  var skew = Date.now() - (+root.dataset.now) * 1000, title = document.title;
  setInterval(function () {
    var waiting = 0;
    pops.querySelectorAll(".countdown").forEach(function (c) {
      var left = Math.round(((+c.dataset.until) * 1000 + skew - Date.now()) / 1000);
      c.textContent = left > 0 ? "请在 " + left + " 秒内接起" : "即将转给其他坐席";
      if (left > 0) waiting++;
    });
    document.title = waiting ? "【" + waiting + " 个新任务】" + title : title;
  }, 1000);
})();
