// 新建工单: a script clicked goes into the check box; what is typed there is checked for the chosen brand and
// channel as the agent types (the same check as every reply), each finding with its one-click rewrite.
(function () {
  var form = document.getElementById("new-ticket"), say = document.getElementById("say");
  var result = document.getElementById("say-result"), list = document.getElementById("say-violations");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value, current = [], timer = null;
  function render(text, violations) {
    result.textContent = !text ? "" : violations.length ? "发现 " + violations.length + " 处不规范用语" : "未发现服务忌语";
    result.className = "checked " + (violations.length ? "bad" : "ok");
    window.kefuCheck.list(list, violations);
  }
  function check() {
    var text = say.value, channel = document.getElementById("checker-channel").dataset.channel;
    if (!text.trim()) { current = []; render("", []); return; }
    window.kefuCheck.ask(csrf, { text: text, brand: form.elements.brand.value, channel: channel })
      .then(function (d) {
        if (say.value !== text) return;
        if (d.violations) { current = d.violations; render(text, current); } else { result.textContent = d.message || "检查失败"; }
      });
  }
  say.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 250); });
  list.addEventListener("click", function (e) {
    var b = e.target.closest(".rewrite"); if (!b) return;
    say.value = window.kefuCheck.rewrite(say.value, current[+b.dataset.i]);
    check();
  });
  document.addEventListener("click", function (e) {
    var li = e.target.closest("#scripts li[data-text]"); if (!li) return;
    say.value = li.dataset.text; say.focus(); check();
  });
  form.elements.brand.addEventListener("change", check);
})();
