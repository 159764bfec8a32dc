/* Ticket workspace: the live conversation (on the page's desk socket, kefu/desk-live.js), its draft, compliance as the agent types, the hold prompt; actions and the SLA clocks update in place (htmx, kefu/clocks.js). */
(function () {
  "use strict";

  // an action done in place (htmx: note, hand-off, escalation, callback, status) empties the form it came from
  document.body.addEventListener("ws-saved", function (e) { if (e.target.reset) e.target.reset(); });
  var ws = document.getElementById("ws");
  if (!ws) return;
  var session = +ws.dataset.session, csrf = ws.dataset.csrf, holdAfter = +ws.dataset.hold;
  var msgs = document.getElementById("msgs"), typing = document.getElementById("typing");
  var reply = document.getElementById("reply");
  var lastCustomerAt = null;
  // message times come from the server's clock; the browser's may differ (another zone, a set test clock)
  var skew = Date.now() - (+ws.dataset.now) * 1000;
  var esc = window.kefuCheck.esc;
  var names = { customer: "客户", agent: "坐席", system: "系统" };
  function scrollDown() { msgs.scrollTop = msgs.scrollHeight; }
  // Every message has its number (seq 1, 2, 3 … in its session): shown once, in number order, whatever order
  // they arrive in (a reply's own answer, the socket's push, a catch-up after a lost push).
  function addMessage(m) {
    heard = Date.now();
    if (msgs.querySelector('.msg[data-seq="' + m.seq + '"]')) return;
    var div = document.createElement("div");
    div.className = "msg " + m.sender; div.dataset.seq = m.seq; div.dataset.sender = m.sender;
    div.innerHTML = (m.image ? '<img src="' + m.image + '" alt="客户上传的图片">' : esc(m.body)) +
      '<span class="meta">' + names[m.sender] + (m.author ? " " + m.author : "") + " · " + m.at + "</span>";
    var all = msgs.querySelectorAll(".msg[data-seq]"), next = null;
    for (var i = all.length - 1; i >= 0 && +all[i].dataset.seq > m.seq; i--) next = all[i];
    msgs.insertBefore(div, next);
    if (!next) {
      scrollDown();
      if (m.sender === "customer") { lastCustomerAt = Date.now(); }
      if (m.sender === "agent") { lastCustomerAt = null; }
    }
  }
  // The last number up to which the page has every message: a hole after it is fetched from the server.
  function lastSeq() {
    var all = msgs.querySelectorAll(".msg[data-seq]"), n = 0;
    for (var i = 0; i < all.length && +all[i].dataset.seq <= n + 1; i++) n = Math.max(n, +all[i].dataset.seq);
    return n;
  }
  function highestSeq() { var all = msgs.querySelectorAll(".msg[data-seq]"); return all.length ? +all[all.length - 1].dataset.seq : 0; }
  (function initWait() {
    var all = msgs.querySelectorAll(".msg[data-sender]");
    for (var i = all.length - 1; i >= 0; i--) {
      if (all[i].dataset.sender === "agent") break;
      if (all[i].dataset.sender === "customer") { lastCustomerAt = (+all[i].dataset.at) * 1000 + skew; }
    }
  })();
  scrollDown();

  var holeTimer = null, desk = window.kefuDesk;
  desk.current = session;
  // "watch" again asks for what was stored after lastSeq(): on opening the socket, on a hole, and every few
  // seconds (a lost push of the conversation's last message leaves no hole to see).
  function catchUp() { desk.send({ type: "watch", session: session, after: lastSeq() }); }
  // a hole may be a push still on its way (two writes committed close together): asked for if still there
  function checkHole() {
    if (highestSeq() > lastSeq() && !holeTimer) holeTimer = setTimeout(function () { holeTimer = null; if (highestSeq() > lastSeq()) catchUp(); }, 300);
  }
  // the status, history and SLA clocks as they are now: after a reply (it may have met a clock)
  function refreshPanels() { if (window.htmx) htmx.ajax("GET", ws.dataset.panels, { target: "#ws-result", swap: "none" }); }
  desk.opened(function () { catchUp(); desk.send({ type: "read", session: session, seq: lastSeq() }); });
  desk.on(function (d) {
    if (d.session !== session) return;
    if (d.type === "message") { addMessage(d.message); typing.textContent = "";
      checkHole();
      if (d.message.sender === "customer") desk.send({ type: "read", session: session, seq: lastSeq() }); }
    else if (d.type === "typing") { typing.textContent = "客户正在输入…"; clearTimeout(typing._t); typing._t = setTimeout(function () { typing.textContent = ""; }, 3000); }
    else if (d.type === "read" && d.reader === "customer") { typing.textContent = "客户已读"; }
    // Only a change the page does not show yet reloads it (the claim's own "active" arrives after the page
    // was drawn active); what the agent was typing is kept as the draft of this conversation.
    else if ((d.type === "state" && (d.state !== ws.dataset.state || String(d.agent || "") !== ws.dataset.agent)) || d.type === "rated") {
      setTimeout(function () { location.reload(); }, 300);
    }
  });
  // A lost push of a chat's last message leaves no hole to see: 10 s after the last message the page asks once
  // for what was stored after it, then every minute while the chat stays quiet (a busy chat's next message
  // shows any hole at once, so busy chats cost the server nothing here).
  var heard = Date.now(), checked = Date.now();
  setInterval(function () {
    var now = Date.now();
    if (now - heard >= 10000 && now - checked >= (checked > heard ? 60000 : 0)) { checked = now; catchUp(); }
  }, 2000);

  if (!reply) return;
  var preview = document.getElementById("preview"), list = document.getElementById("violations");
  var overrideBox = document.getElementById("override-box"), sendMsg = document.getElementById("send-msg");
  var counter = document.getElementById("reply-count"), maxChars = +reply.dataset.maxChars;
  var current = [];
  // What the agent typed is this conversation's draft until it is sent: switching to another conversation
  // (or a reload) and back finds it in the box.
  var draftKey = "kefu.draft." + session;
  function keepDraft() { if (reply.value) sessionStorage.setItem(draftKey, reply.value); else sessionStorage.removeItem(draftKey); }
  if (!reply.value && sessionStorage.getItem(draftKey)) reply.value = sessionStorage.getItem(draftKey);
  // the one length limit of chat messages, shown as the agent types; a longer reply is not sent and stays in the box
  function count() { counter.textContent = reply.value.length + "/" + maxChars; counter.classList.toggle("over", reply.value.length > maxChars); }
  function render(text, violations) {
    var html = "", pos = 0;
    violations.forEach(function (v) {
      if (v.start < pos) return;
      html += esc(text.slice(pos, v.start)) + '<mark class="sev-' + v.severity + '" title="' + esc(v.category + "：" + v.message) + '">' + esc(text.slice(v.start, v.end)) + "</mark>";
      pos = v.end;
    });
    preview.innerHTML = violations.length ? html + esc(text.slice(pos)) : (text ? '<span class="kv">未发现服务忌语</span>' : "");
    window.kefuCheck.list(list, violations);
    overrideBox.classList.toggle("show", violations.some(function (v) { return v.severity === "severe"; }));
  }
  var timer = null;
  function check() {
    var text = reply.value;
    window.kefuCheck.ask(csrf, { text: text, session: session })
      .then(function (d) { if (reply.value === text) { current = d.violations; render(text, current); } });
  }
  function edited() { sendMsg.textContent = ""; count(); keepDraft(); check(); }  // the box was changed for the agent (a rewrite, a script)
  reply.addEventListener("input", function () {
    sendMsg.textContent = ""; count();
    clearTimeout(timer); timer = setTimeout(check, 250);
    keepDraft();
    desk.send({ type: "typing", session: session });
  });
  list.addEventListener("click", function (e) {
    var b = e.target.closest(".rewrite"); if (!b) return;
    reply.value = window.kefuCheck.rewrite(reply.value, current[+b.dataset.i]);
    edited();
  });
  document.getElementById("scripts").addEventListener("click", function (e) {
    var li = e.target.closest("li[data-text]"); if (!li) return;
    reply.value = (reply.value ? reply.value + "" : "") + li.dataset.text; reply.focus(); edited();
  });
  function send(override) {
    var body = reply.value.trim(); if (!body) return;
    if (body.length > maxChars) { sendMsg.textContent = "回复最长 " + maxChars + " 字，这条有 " + body.length + " 字，请分几次发送"; return; }
    var cid = "a-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    clearTimeout(timer);  // the send checks the text itself: a check still pending would only run on the emptied box
    sendMsg.textContent = "发送中…";
    fetch("/desk/chats/" + session + "/reply/", { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" },
      body: JSON.stringify({ body: body, client_id: cid, override_reason: override || "", answer: document.getElementById("answer").checked }) })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.ok) { addMessage(d.message); checkHole(); reply.value = ""; keepDraft(); count(); refreshPanels(); document.getElementById("answer").checked = false; preview.innerHTML = ""; list.innerHTML = ""; overrideBox.classList.remove("show");
          document.getElementById("override").value = ""; sendMsg.textContent = "已发送"; }
        else { sendMsg.textContent = d.message; if (d.violations) { current = d.violations; render(body, current); } }
      });
  }
  document.getElementById("send").addEventListener("click", function () { send(""); });
  document.getElementById("force").addEventListener("click", function () {
    var reason = document.getElementById("override").value.trim();
    if (!reason) { sendMsg.textContent = "请填写强制发送的理由"; return; }
    send(reason);
  });
  // 结束会话 asks for the outcome first: resolved, or the promise made (department and time, which drive the clock)
  var endDialog = document.getElementById("end-dialog"), endForm = document.getElementById("end-form");
  document.getElementById("end-chat").addEventListener("click", function () { endDialog.showModal(); });
  document.getElementById("end-cancel").addEventListener("click", function () { endDialog.close(); });
  endForm.addEventListener("change", function () {
    var pending = endForm.elements.outcome.value === "pending";
    document.getElementById("end-pending").disabled = !pending;
    endForm.elements.promised_at.required = pending;
  });
  count(); if (reply.value) check();
  reply.addEventListener("keydown", function (e) { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(""); } });
  var hold = document.getElementById("hold");
  document.getElementById("hold-use").addEventListener("click", function () { reply.value = document.getElementById("hold-text").textContent; edited(); reply.focus(); });
  setInterval(function () {
    var waited = lastCustomerAt ? Math.floor((Date.now() - lastCustomerAt) / 1000) : 0;
    hold.classList.toggle("show", waited >= holdAfter);
    document.getElementById("hold-secs").textContent = waited;
  }, 1000);
})();
