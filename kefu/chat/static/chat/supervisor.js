/* Supervisor board: refreshed by htmx every 5 s, and at once when the server announces a change. */
(function () {
  "use strict";
  var delay = 500;
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/desk/");
    ws.onmessage = function (e) { if (JSON.parse(e.data).type === "board" && window.htmx) htmx.trigger(document.body, "board"); };
    ws.onopen = function () { delay = 500; };
    ws.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 8000); };
  }
  connect();
})();
