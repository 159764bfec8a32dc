/* Customer chat: messages are kept in an outbox until the server acknowledges them (after storing),
   and resent with the same client id after a reconnect, so nothing is lost and nothing is doubled. */
(function () {
  "use strict";
  var cw = document.getElementById("cw"), brand = cw.dataset.brand, maxMb = +cw.dataset.max, maxChars = +cw.dataset.maxChars || 2000;
  var key = "kefu-chat-" + brand, outKey = key + "-outbox";
  var msgs = document.getElementById("msgs"), text = document.getElementById("text"), typing = document.getElementById("typing");
  var token = localStorage.getItem(key), sock = null, delay = 500, state = null, agentRead = 0, score = 0, messageLeft = false;
  function $(id) { return document.getElementById(id); }
  function esc(t) { var d = document.createElement("div"); d.textContent = t; return d.innerHTML; }
  function outbox() { try { return JSON.parse(localStorage.getItem(outKey) || "[]"); } catch (e) { return []; } }
  function saveOutbox(list) { localStorage.setItem(outKey, JSON.stringify(list)); }
  var names = { customer: "我", agent: "客服", system: "" };
  var notices = JSON.parse(document.getElementById("notices").textContent);
  // The queue (kefu.chat.queue): the place and expected wait as of the server's last word, counted down here
  // between its pushes; closed: why the brand takes no chat now (outside service hours, nobody signed in).
  var spot = null, spotAt = 0, offset = 0, closed = null, rateable = true, leaving = false;

  // Messages are shown in the order of their numbers (seq), whatever order they arrive in; messages still
  // waiting for their acknowledgement (no number yet) stay last.
  function place(el, seq) {
    var next = null, all = msgs.children;
    for (var i = 0; i < all.length; i++) {
      var s = all[i].dataset.seq;
      if (!s || +s > seq) { next = all[i]; break; }
    }
    msgs.insertBefore(el, next);
  }
  function bubble(m, pending) {
    heard = Date.now();
    var el = msgs.querySelector('[data-cid="' + m.client_id + '"]');
    if (!el) {
      el = document.createElement("div"); el.dataset.cid = m.client_id; msgs.appendChild(el);
    }
    if (m.seq && +el.dataset.seq !== m.seq) { el.dataset.seq = m.seq; place(el, m.seq); }
    el.className = "msg " + (m.sender === "customer" ? "agent" : m.sender === "agent" ? "customer" : "system");
    if (m.seq) el.dataset.seq = m.seq;
    el.dataset.sender = m.sender;
    var body = m.image ? '<img src="' + m.image + "?t=" + token + '" alt="图片">' : esc(m.body);
    var meta = m.sender === "system" ? "" : '<span class="meta">' + (m.author ? "工号 " + m.author : names[m.sender]) + (m.at ? " · " + m.at : "") +
      (m.sender === "customer" ? ' · <span class="ack ' + (pending ? "pending" : "") + '">' + (pending ? "发送中" : "已送达") + "</span>" : "") + "</span>";
    el.innerHTML = body + meta;
    msgs.scrollTop = msgs.scrollHeight;
    markRead();
  }
  function markRead() {
    msgs.querySelectorAll('.msg[data-sender="customer"]').forEach(function (el) {
      var a = el.querySelector(".ack"); if (a && !a.classList.contains("pending") && +el.dataset.seq <= agentRead) { a.textContent = "已读"; a.classList.add("read"); }
    });
  }
  // The last number up to which the page has every message; a hole after it is asked for ("sync").
  function lastSeq() {
    var seqs = [].map.call(msgs.querySelectorAll("[data-seq]"), function (el) { return +el.dataset.seq; }).sort(function (a, b) { return a - b; });
    var n = 0;
    for (var i = 0; i < seqs.length && seqs[i] <= n + 1; i++) n = Math.max(n, seqs[i]);
    return n;
  }
  function highestSeq() { var n = 0; msgs.querySelectorAll("[data-seq]").forEach(function (el) { n = Math.max(n, +el.dataset.seq); }); return n; }
  var holeTimer = null;
  function catchUp() { if (sock && sock.readyState === 1) sock.send(JSON.stringify({ type: "sync", after: lastSeq() })); }
  // a hole may be a push still on its way (two writes committed close together): asked for if still there
  function checkHole() {
    if (highestSeq() > lastSeq() && !holeTimer) holeTimer = setTimeout(function () { holeTimer = null; if (highestSeq() > lastSeq()) catchUp(); }, 300);
  }
  function showChat() { $("start").hidden = true; msgs.hidden = false; $("inputbar").hidden = false; }
  function setState(s) {
    state = s;
    var ended = s === "ended";
    $("inputbar").hidden = ended || leaving;
    if (ended) { $("leave").hidden = true; leaving = false; }
    renderQueue();
    if (ended && !$("thanks").hidden) return;
    // ended without an agent: a message was left, or the visitor never said anything (chat_silent_sweep)
    var spoke = messageLeft || !!msgs.querySelector('.msg[data-sender="customer"]');
    $("rate").hidden = !ended || !rateable;
    $("left").hidden = !ended || rateable || !spoke;
    $("silent").hidden = !ended || rateable || spoke;
  }
  function waitWords(seconds) {
    if (seconds < 60) return "不到1分钟";
    var m = Math.ceil(seconds / 60);
    return m < 60 ? "约" + m + "分钟" : "约" + Math.floor(m / 60) + "小时" + (m % 60 ? (m % 60) + "分钟" : "");
  }
  function renderQueue() {
    var box = $("queue"), waiting = state === "waiting";
    box.hidden = !waiting || leaving || (!spot && !closed);
    if (box.hidden) return;
    var now = Date.now() + offset, text = "", mayLeave = !!closed;
    if (closed) text = notices[closed];
    else {
      var ahead = spot.position - 1, left = spot.expected == null ? null : spot.expected - (Date.now() - spotAt) / 1000;
      text = ahead <= 0 ? notices.first : left != null ? notices.wait.replace("{ahead}", ahead).replace("{wait}", waitWords(Math.max(left, 0)))
        : notices.place.replace("{ahead}", ahead);
      if (now >= spot.leave_at * 1000) { mayLeave = true; text += " " + notices.busy; }
    }
    $("queue-text").textContent = text;
    $("leave-btn").hidden = !mayLeave;
  }
  function setQueue(q, why) {
    if (why !== undefined) closed = why;
    if (q) { spot = q; spotAt = Date.now(); offset = q.now * 1000 - Date.now(); if (q.why !== undefined) closed = q.why; }
    renderQueue();
  }
  function openLeave() {
    leaving = true; $("inputbar").hidden = true; $("queue").hidden = true; $("leave").hidden = false;
    $("leave-note").textContent = closed ? notices[closed] : notices.busy;
    if (!$("leave-text").value && text.value) $("leave-text").value = text.value;
    if ($("leave-phone") && !$("leave-phone").value && $("phone")) $("leave-phone").value = $("phone").value;
    $("leave-count").textContent = $("leave-text").value.length + "/" + maxChars;
    $("leave-text").focus();
  }
  function tooLong(body) { return "消息最长 " + maxChars + " 字，这条有 " + body.length + " 字，请分几次发送"; }
  function showErr(t) { $("err").hidden = false; $("err").textContent = t; }
  // A message the server will not take is marked beside its bubble, leaves the outbox (it is never resent)
  // and goes back into the input box when that is empty, so the customer does not lose what they wrote.
  function refuse(cid, message, body) {
    var el = msgs.querySelector('[data-cid="' + cid + '"]'), a = el && el.querySelector(".ack");
    if (a) { a.textContent = "未发送：" + message; a.classList.remove("pending"); a.classList.add("refused"); }
    saveOutbox(outbox().filter(function (m) { return m.client_id !== cid; }));
    if (body && !text.value) text.value = body;
    showErr(message);
  }
  function flush() {
    if (!sock || sock.readyState !== 1) return;
    outbox().forEach(function (m) {
      if (m.body.length > maxChars) { refuse(m.client_id, tooLong(m.body), m.body); return; }
      sock.send(JSON.stringify({ type: "message", client_id: m.client_id, body: m.body }));
    });
  }
  function connect() {
    sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/chat/" + token + "/");
    sock.onopen = function () { delay = 500; $("conn").classList.remove("show"); };
    sock.onmessage = function (e) {
      var d = JSON.parse(e.data);
      if (d.type === "history") {
        agentRead = d.agent_read_seq || 0;
        d.messages.forEach(function (m) { bubble(m, false); });
        outbox().forEach(function (m) { bubble({ client_id: m.client_id, sender: "customer", body: m.body }, true); });
        rateable = d.agent != null; setQueue(d.queue, d.closed || null);
        setState(d.state); if (d.rating) { $("rate").hidden = true; $("thanks").hidden = false; }
        if (closed && d.state === "waiting" && !leaving) openLeave();
        flush(); sock.send(JSON.stringify({ type: "read", seq: lastSeq() }));
      } else if (d.type === "ack") {
        saveOutbox(outbox().filter(function (m) { return m.client_id !== d.client_id; }));
        var el = msgs.querySelector('[data-cid="' + d.client_id + '"]');
        if (d.message) bubble(d.message, false);  // as stored, with its time (no push of one's own messages comes)
        else if (el) { el.dataset.seq = d.seq; place(el, d.seq); var a = el.querySelector(".ack"); if (a) { a.textContent = "已送达"; a.classList.remove("pending"); } }
        checkHole();
      } else if (d.type === "message") {
        bubble(d.message, false); typing.textContent = ""; checkHole();
        if (d.message.sender !== "customer") sock.send(JSON.stringify({ type: "read", seq: lastSeq() }));
      } else if (d.type === "typing") {
        typing.textContent = "客服正在输入…"; clearTimeout(typing._t); typing._t = setTimeout(function () { typing.textContent = ""; }, 3000);
      } else if (d.type === "read" && d.reader === "agent") { agentRead = Math.max(agentRead, d.seq); markRead(); }
      else if (d.type === "state") { rateable = d.agent != null; setState(d.state); }
      else if (d.type === "queue") { setQueue(d); }
      else if (d.type === "error") {
        var held = outbox().filter(function (m) { return m.client_id === d.client_id; })[0];
        // kept, and sent again once the limit's window has passed (or the busy server asks to wait)
        if ((d.code === "rate_limited" || d.code === "unavailable") && held) {
          var a = msgs.querySelector('[data-cid="' + d.client_id + '"] .ack'); if (a) a.textContent = d.code === "rate_limited" ? "发送太频繁，稍后自动重发" : "服务繁忙，稍后自动重发";
          clearTimeout(flush._t); flush._t = setTimeout(flush, (d.retry_after || 5) * 1000);
          showErr(d.message);
        } else if (d.client_id) { refuse(d.client_id, d.message, held ? held.body : ""); }
        else showErr(d.message);
      }
    };
    sock.onclose = function (e) {
      if (e.code === 4404) { localStorage.removeItem(key); location.reload(); return; }
      $("conn").classList.add("show"); setTimeout(connect, delay); delay = Math.min(delay * 2, 5000);
    };
  }
  function send() {
    var body = text.value.trim(); if (!body || !token) return;
    if (body.length > maxChars) { showErr(tooLong(body)); return; }  // the text stays in the box
    $("err").hidden = true;
    var m = { client_id: "c-" + Date.now() + "-" + Math.random().toString(36).slice(2, 10), body: body };
    saveOutbox(outbox().concat([m])); text.value = ""; counted(); lastTyping = 0;
    bubble({ client_id: m.client_id, sender: "customer", body: body }, true);
    flush();
  }
  $("send").addEventListener("click", send);
  text.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); } });
  var lastTyping = 0;
  // the one length limit of chat messages, counted as the customer types
  function counted() { $("text-count").textContent = text.value.length + "/" + maxChars; $("text-count").classList.toggle("over", text.value.length > maxChars); }
  text.addEventListener("input", function () {
    counted();
    if (sock && sock.readyState === 1 && Date.now() - lastTyping > 1500) { lastTyping = Date.now(); sock.send(JSON.stringify({ type: "typing" })); }
  });
  $("file").addEventListener("change", function () {
    var f = this.files[0]; if (!f) return;
    if (f.size > maxMb * 1024 * 1024) { $("err").hidden = false; $("err").textContent = "图片不能超过 " + maxMb + " MB"; this.value = ""; return; }
    var fd = new FormData(); fd.append("file", f); fd.append("client_id", "img-" + Date.now());
    fetch("/chat/s/" + token + "/upload/", { method: "POST", body: fd }).then(function (r) { return r.json(); })
      .then(function (d) { if (d.type === "ack") bubble(d.message, false); else showErr(d.message); });
    this.value = "";
  });
  document.querySelector(".upload-btn").addEventListener("click", function () { $("file").click(); });
  $("begin").addEventListener("click", function () {
    fetch("/chat/" + brand + "/start/", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("name").value, phone: $("phone") ? $("phone").value : "",
        identifier: cw.dataset.identifier || "", identity_hash: cw.dataset.identityHash || "" }) })
      .then(function (r) { return r.json(); })
      .catch(function () { return { message: "暂时无法连接在线客服，请稍后再试" }; })
      .then(function (d) {
        if (!d.token) { $("start-err").hidden = false; $("start-err").textContent = d.message; return; }
        $("start-err").hidden = true;
        token = d.token; localStorage.setItem(key, token); saveOutbox([]); showChat(); connect();
      });
  });
  $("stars").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-score]"); if (!b) return;
    score = +b.dataset.score;
    this.querySelectorAll("button").forEach(function (x) { x.classList.toggle("on", +x.dataset.score <= score); });
  });
  $("submit-rate").addEventListener("click", function () {
    if (!score) { $("err").hidden = false; $("err").textContent = "请先选择评分"; return; }
    fetch("/chat/s/" + token + "/rate/", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ score: score, comment: $("comment").value }) }).then(function (r) { return r.json(); })
      .then(function (d) { if (d.ok || d.code === "already_rated") { $("rate").hidden = true; $("thanks").hidden = false; $("err").hidden = true; }
        else { $("err").hidden = false; $("err").textContent = d.message; } });
  });
  document.querySelectorAll(".again").forEach(function (b) {
    b.addEventListener("click", function () { localStorage.removeItem(key); localStorage.removeItem(outKey); location.reload(); });
  });
  $("leave-btn").addEventListener("click", openLeave);
  $("leave-text").addEventListener("input", function () { $("leave-count").textContent = this.value.length + "/" + maxChars; });
  // 留言: sent once (its client id makes a second click the same message); the chat ends with the time the
  // customer will hear from the center, and the text stays in the box when the server refuses it.
  var leaveId = null;
  $("leave").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = $("leave-text").value.trim();
    if (!body) { showErr("请填写留言内容"); return; }
    leaveId = leaveId || "leave-" + Date.now();
    $("leave-send").disabled = true;
    fetch("/chat/s/" + token + "/leave/", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: leaveId, body: body, phone: $("leave-phone") ? $("leave-phone").value : "" }) })
      .then(function (r) { return r.json(); })
      .catch(function () { return { message: "网络连接中断，留言未提交，请稍后再试" }; })
      .then(function (d) {
        $("leave-send").disabled = false;
        if (!d.ok) { showErr(d.message); return; }
        $("err").hidden = true; rateable = false; messageLeft = true; text.value = ""; setState("ended");
      });
  });
  if (token) { showChat(); connect(); }
  // A lost push of a chat's last message leaves no hole to see: 10 s after the last message the page asks once
  // for what was stored after it, then every minute while the chat stays quiet (a busy chat's next message
  // shows any hole at once, so busy chats cost the server nothing here).
  var heard = Date.now(), checked = Date.now();
  setInterval(function () {
    var now = Date.now();
    if (now - heard >= 10000 && now - checked >= (checked > heard ? 60000 : 0)) { checked = now; catchUp(); }
  }, 2000);
  setInterval(renderQueue, 1000);
})();
