/* Supervisor board: the server computes each brand's part once per change and sends it to every board that
   shows the brand; this page keeps the parts of its supervisor's brands, draws agents, queues and live chats
   from them and counts the durations on. Read again from the server every minute (SLA breaches), and at once
   after the socket was away (pushes it may have missed). */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var csrf = root.dataset.csrf, shown = +root.dataset.liveShown || 100;
  var parts = {}, skew = 0, waitLong = 45;

  function esc(t) { var d = document.createElement("div"); d.textContent = t == null ? "" : String(t); return d.innerHTML; }
  function duration(s) {  // as the template's |duration
    s = Math.max(0, Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    return h ? h + " 小时 " + m + " 分" : m ? m + " 分 " + x + " 秒" : x + " 秒";
  }
  function since(ts) { return ts == null ? "" : String(ts); }
  function clock(now) {  // kefu's clock (which a demo may set), shown at the contact center's time
    skew = Date.now() / 1000 - now;
    var at = document.getElementById("board-at");
    if (at) at.textContent = new Date(now * 1000).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  }
  function load() {  // the parts the page (or the minute's refresh) was drawn from
    var el = document.getElementById("board-parts");
    if (!el) return;
    var d = JSON.parse(el.textContent);
    parts = d.parts; clock(d.now);
    var b = root.querySelector(".board"); waitLong = b ? +b.dataset.waitLong : waitLong;
    tick();
  }

  function draw() {
    var agents = {}, queues = [], live = [], total = 0, listed = 0;
    Object.keys(parts).map(function (k) { return parts[k]; })
      .sort(function (a, b) { return a.brand.code < b.brand.code ? -1 : 1; })
      .forEach(function (p) {
        p.agents.forEach(function (a) { if (!agents[a.id]) agents[a.id] = a; });
        queues.push({ brand: p.brand, q: p.queue });
        p.live.forEach(function (l) { live.push({ brand: p.brand, l: l }); });
        total += p.live_total; listed += p.live.length;
      });
    document.getElementById("board-agents").innerHTML = Object.keys(agents).map(function (k) { return agents[k]; })
      .sort(function (a, b) { return a.agent_no < b.agent_no ? -1 : 1; })
      .map(function (a) {
        return "<tr><td>" + esc(a.agent_no) + "</td><td>" + esc(a.name) + "</td><td>" + esc(a.team) + "</td>" +
          '<td><span class="st st-' + esc(a.state) + '">' + esc(a.label) + '</span></td><td data-since="' + since(a.since) + '"></td></tr>';
      }).join("");
    document.getElementById("board-queues").innerHTML = queues.map(function (r) {
      return "<tr><td>" + esc(r.brand.name) + "</td><td>" + r.q.waiting + '</td><td data-since="' + since(r.q.oldest) + '" data-long></td></tr>';
    }).join("");
    live.sort(function (a, b) { return a.l.started - b.l.started || a.l.id - b.l.id; });
    document.getElementById("board-live").innerHTML = live.length ? live.map(function (r) {
      var l = r.l, url = "/desk/tickets/" + encodeURIComponent(l.ticket) + "/";
      return '<tr><td><a href="' + url + '">' + esc(l.ticket) + "</a></td><td>" + esc(r.brand.name) + "</td><td>" + esc(l.visitor) + "</td>" +
        "<td>" + esc(l.agent || "—") + "</td><td>" + esc(l.state_label) + '</td><td data-since="' + since(l.wait_since) + '" data-empty="0 秒" data-long></td>' +
        '<td><a href="' + url + '">监听</a> · <form method="post" action="/desk/chats/' + l.id + '/take-over/" class="inline">' +
        '<input type="hidden" name="csrfmiddlewaretoken" value="' + esc(csrf) + '"><button class="warn small">接管</button></form></td></tr>';
    }).join("") : '<tr><td colspan="7" class="empty">没有进行中的会话</td></tr>';
    document.getElementById("board-hidden").textContent =
      total > listed ? "另有 " + (total - listed) + " 个未列出（每个品牌列出最早开始的 " + shown + " 个）" : "";
    tick();
  }

  function tick() {
    var now = Date.now() / 1000 - skew;
    root.querySelectorAll("[data-since]").forEach(function (el) {
      if (el.dataset.since === "") { el.textContent = el.dataset.empty || "—"; el.classList.remove("wait-long"); return; }
      var secs = now - +el.dataset.since;
      el.textContent = duration(secs);
      if (el.hasAttribute("data-long")) el.classList.toggle("wait-long", secs > waitLong);
    });
  }

  function onPart(p) {
    var mine = parts[p.brand.id];
    if (mine && mine.at > p.at) return;  // an older computation that arrived late
    delete p.type; parts[p.brand.id] = p; clock(p.now); draw();
  }
  function onWait(d) {
    var p = parts[d.brand]; if (!p) return;
    p.live.forEach(function (l) {
      if (l.id !== d.session) return;
      if (d.sender === "agent") l.wait_since = null; else if (l.wait_since == null) l.wait_since = d.at;
    });
    draw();
  }

  load();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", function (e) { if (e.target === root) load(); });

  var drawnAt = Date.now();
  document.body.addEventListener("htmx:afterSwap", function (e) { if (e.target === root) drawnAt = Date.now(); });
  window.kefuDesk.on(function (d) {
    if (d.type === "board") onPart(d);
    else if (d.type === "board_wait") onWait(d);
  });
  window.kefuDesk.opened(function () {
    // back after a break (or open long after the page was drawn): read the board afresh, pushes may be missed
    if (Date.now() - drawnAt > 2000 && window.htmx) htmx.trigger(root, "refresh");
  });
})();
