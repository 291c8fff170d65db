// Bulletin pages: live character count and estimated spoken duration, category colour dots.
// (No inline script: the CSP allows only files from 'self'.)
(function () {
  "use strict";

  function formatDuration(seconds, minWord, secWord) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? m + " " + minWord + " " + (s < 10 ? "0" : "") + s + " " + secWord : s + " " + secWord;
  }

  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function setupCounter() {
    var body = document.getElementById("body");
    var out = document.getElementById("body-count");
    if (!body || !out) return;
    var max = parseInt(body.getAttribute("data-max"), 10) || 10000;
    var cps = parseFloat(body.getAttribute("data-cps")) || 14;
    var template = out.getAttribute("data-template");
    var minWord = out.getAttribute("data-min"), secWord = out.getAttribute("data-sec");
    function update() {
      var text = body.value.replace(/\r\n/g, "\n").trim();
      var n = text.length;
      var seconds = n ? Math.ceil(n / cps) : 0;
      out.textContent = template.replace("{n}", number(n)).replace("{max}", number(max))
        .replace("{dur}", formatDuration(seconds, minWord, secWord));
      out.classList.toggle("over", n > max);
      body.setAttribute("aria-invalid", n > max ? "true" : "false");
    }
    body.addEventListener("input", update);
    update();
  }

  function setupColours() {
    var dots = document.querySelectorAll(".cat-dot[data-colour]");
    for (var i = 0; i < dots.length; i++) {
      var c = dots[i].getAttribute("data-colour");
      if (/^#[0-9a-fA-F]{3,8}$/.test(c)) dots[i].style.backgroundColor = c;
    }
  }

  function init() { setupCounter(); setupColours(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
