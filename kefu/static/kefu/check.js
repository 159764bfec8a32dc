/* The standards check as an agent types (the workspace's reply box, 新建工单's 话术自查): kefu.chat.views.chat_check
   answers; each finding is listed with its category and a one-click rewrite of the clause it is in. */
window.kefuCheck = (function () {
  "use strict";
  function esc(t) { var d = document.createElement("div"); d.textContent = t == null ? "" : String(t); return d.innerHTML; }
  function ask(csrf, body) {
    return fetch("/desk/check/", { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }
  function list(ul, violations) {
    ul.innerHTML = "";
    violations.forEach(function (v, i) {
      var li = document.createElement("li"); li.className = "sev-" + v.severity;
      li.innerHTML = '<span class="cat">' + esc(v.category) + "</span><span>“" + esc(v.text) + "”：" + esc(v.message) + "</span>" +
        '<button type="button" data-i="' + i + '" class="rewrite">改为“' + esc(v.fix_text || "（删除）") + "”</button>";
      ul.appendChild(li);
    });
  }
  // the text with the finding's rewrite in place (unchanged when the text moved on since it was checked)
  function rewrite(text, v) {
    return text.slice(v.start, v.end) === v.text ? text.slice(0, v.fix_start) + v.fix_text + text.slice(v.fix_end) : text;
  }
  return { esc: esc, ask: ask, list: list, rewrite: rewrite };
})();
