/* Show the chosen type's steps and ask for the delay type only for a delay complaint. */
(function () {
  var form = document.getElementById("complaint-form"), type = form.elements.type, sub = form.elements.subtype;
  function sync() {
    document.querySelectorAll(".kind").forEach(function (k) { k.classList.toggle("on", k.dataset.kind === type.value); });
    var delay = !!document.querySelector(".kind.on[data-subtypes]");
    sub.disabled = !delay; if (!delay) { sub.value = ""; }
  }
  type.addEventListener("change", sync); sync();
})();
