/* Every page of a signed-in user: one WebSocket to the desk (/ws/desk/), shared by the page's own scripts
   (window.kefuDesk), and what an agent must not miss wherever they are in kefu:
   - work given to them pops (on the desk in its list, on any other page at the top right) with the time left to
     take it (接起), the tab's title flashes while any waits, a sound rings (提示音, switched off in the top bar and
     remembered), and a browser notification shows while the tab is not in view (where the browser allows it);
   - their conversation tabs (#my-chats: unread counts, waits, SLA state) are read again when one changes. */
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf;
  if (!csrf) return;
  var handlers = [], openers = [], sock = null, delay = 500;

  window.kefuDesk = {
    csrf: csrf,
    current: null,  // the conversation on this screen (the workspace sets it): its messages are being read
    on: function (fn) { handlers.push(fn); },
    opened: function (fn) { openers.push(fn); if (sock && sock.readyState === 1) fn(); },
    send: function (data) { if (sock && sock.readyState === 1) { sock.send(JSON.stringify(data)); return true; } return false; },
    refreshMine: refreshMine
  };

  function connect() {
    sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/desk/");
    sock.onopen = function () { delay = 500; openers.forEach(function (fn) { fn(); }); };
    sock.onmessage = function (e) { var d = JSON.parse(e.data); handlers.forEach(function (fn) { fn(d); }); };
    sock.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 8000); };
  }
  // the page's own scripts (deferred, after this one) add their handlers before the socket opens
  document.addEventListener("DOMContentLoaded", connect);

  // ------------------------------------------------------------ sound and notifications
  var soundBtn = document.getElementById("sound-toggle"), audio = null;
  function soundOn() { return localStorage.getItem("kefu.sound") !== "off"; }
  function showSound() { if (soundBtn) soundBtn.textContent = soundOn() ? "提示音：开" : "提示音：关"; }
  showSound();
  // browsers start sound only after the person has used the page: the first click readies it
  document.addEventListener("click", function () {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  });
  if (soundBtn) soundBtn.addEventListener("click", function () {
    localStorage.setItem("kefu.sound", soundOn() ? "off" : "on"); showSound();
    if (soundOn() && window.Notification && Notification.permission === "default") Notification.requestPermission();
    if (soundOn()) ring(1);
  });
  function ring(times) {
    document.body.dataset.rang = (+(document.body.dataset.rang || 0) + 1);  // what a test (or a person) can check
    if (!soundOn() || !audio || audio.state !== "running") return;
    for (var i = 0; i < times * 2; i++) {
      var o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime + i * 0.18;
      o.frequency.value = i % 2 ? 660 : 880; o.connect(g); g.connect(audio.destination);
      g.gain.setValueAtTime(0.0001, t); g.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.16); o.start(t); o.stop(t + 0.17);
    }
  }
  function notify(title, body, url) {
    if (!window.Notification || Notification.permission !== "granted" || !document.hidden) return;
    var n = new Notification(title, { body: body, tag: url || title });
    n.onclick = function () { window.focus(); if (url) location.href = url; n.close(); };
  }

  // ------------------------------------------------------------ work given to this agent
  function popBox() { return document.getElementById("pops") || document.getElementById("alerts"); }
  function showPop(d) {
    var box = popBox(); if (!box) return;
    var none = document.getElementById("no-pop"); if (none) none.remove();
    if (box.querySelector('.pop[data-offer="' + d.offer + '"]')) return;
    box.insertAdjacentHTML("afterbegin", d.html);
    var pop = box.querySelector('.pop[data-offer="' + d.offer + '"]'), h = pop.querySelector("h3"), said = pop.querySelector(".first-msg");
    tick(); ring(2);
    notify(h ? h.textContent.replace("×", "").trim() : "新任务", said ? said.textContent.trim() : "请回到 kefu 接起", location.href);
  }
  function popGone(d) {
    var pop = document.querySelector('.pop[data-offer="' + d.offer + '"]'); if (!pop) return;
    pop.querySelector(".taken").textContent = d.note; pop.querySelector(".claim").disabled = true;
    setTimeout(function () { pop.remove(); }, 4000);
  }
  function claim(btn) {
    btn.disabled = true;
    fetch("/desk/offers/" + btn.dataset.offer + "/claim/", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ok) { location.href = data.url; return; }
        var box = btn.parentNode.querySelector(".taken");
        if (box) box.textContent = data.message; else alert(data.message);
        btn.disabled = false;
      });
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest(".claim-btn");
    if (btn) { e.preventDefault(); claim(btn); }
    var close = e.target.closest(".pop-close");
    if (close) close.closest(".pop").remove();
  });

  // ------------------------------------------------------------ the agent's conversations
  var mineTimer = null;
  function refreshMine() {
    var tabs = document.getElementById("my-chats"); if (!tabs) return;
    clearTimeout(mineTimer);
    mineTimer = setTimeout(function () {  // a burst of changes reads the list once
      var q = window.kefuDesk.current ? "?current=" + window.kefuDesk.current : "";
      fetch(tabs.dataset.url + q, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { var now = document.getElementById("my-chats"); if (html && now) { now.outerHTML = html; tick(); } });
    }, 150);
  }

  window.kefuDesk.on(function (d) {
    if (d.type === "pop") showPop(d);
    else if (d.type === "offer_gone") popGone(d);
    else if (d.type === "mine") {
      refreshMine();
      if (d.sender === "customer" && d.session !== window.kefuDesk.current) ring(1);
    }
  });
  window.kefuDesk.opened(refreshMine);  // back after a break: pushes may have been missed

  // ------------------------------------------------------------ what counts on every second
  // Times come from the server's clock (which a demo may set); the browser's may differ.
  var skew = Date.now() - (+document.body.dataset.now) * 1000;
  function duration(s) { var m = Math.floor(s / 60); return m ? m + " 分 " + (s % 60) + " 秒" : s + " 秒"; }
  var title = document.title, flash = false;
  function tick() {
    var waiting = 0;
    document.querySelectorAll(".pop .countdown").forEach(function (c) {
      var left = Math.round(((+c.dataset.until) * 1000 + skew - Date.now()) / 1000);
      c.textContent = left > 0 ? "请在 " + left + " 秒内接起" : "即将转给其他坐席";
      if (left > 0) waiting++;
    });
    var tabs = document.getElementById("my-chats"), unread = 0;
    if (tabs) {
      tabs.querySelectorAll("[data-wait-since]").forEach(function (w) {
        var secs = Math.max(0, Math.floor((Date.now() - skew) / 1000 - +w.dataset.waitSince));
        w.textContent = "等待 " + duration(secs);
        w.classList.toggle("long", secs >= +tabs.dataset.longAfter);
      });
      tabs.querySelectorAll(".badge").forEach(function (b) { unread += +b.textContent; });
    }
    flash = !flash;
    var prefix = waiting ? (flash ? "【" + waiting + " 个新任务】" : "【　　　　】") : unread ? "(" + unread + ") " : "";
    document.title = prefix + title;
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
