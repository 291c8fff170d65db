// Phát trực tiếp: the microphone, recorded with MediaRecorder, posted to the server a chunk every 250 ms.
// Confirm first; then start → chunks (in order, one at a time, a failed one retried) → stop. The page
// polls the session's status to tell the speaker when the voice (not the chime) is on air. Static file
// because the CSP forbids inline script; the words come from data-t-* attributes.
(function () {
  "use strict";
  var SLICE_MS = 250, POLL_MS = 1000, RETRY_MS = 500;

  function init() {
    var box = document.getElementById("live");
    if (!box) return;
    var startBtn = document.getElementById("live-start"), stopBtn = document.getElementById("live-stop");
    var statusEl = document.getElementById("live-status");
    var t = function (k) { return box.getAttribute("data-t-" + k) || ""; };
    var csrf = box.getAttribute("data-csrf"), base = box.getAttribute("data-base");
    var liveId = null, recorder = null, stream = null, queue = [], sending = false, poller = null, stopping = false;

    function say(text, cls) { statusEl.textContent = text; statusEl.className = "live-status " + (cls || ""); }

    function post(url, body, type) {
      var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
      if (type) headers["Content-Type"] = type;
      return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: headers })
        .then(function (r) {
          if (r.status === 204) return { ok: true, body: {} };
          return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
        });
    }

    function pickType() {
      var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"];
      for (var i = 0; i < types.length; i++) {
        if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
      }
      return "";
    }

    function pump() {
      if (sending || !queue.length || liveId === null) return;
      sending = true;
      post(base + "/" + liveId + "/chunk", queue[0], "application/octet-stream").then(function (res) {
        sending = false;
        if (res.ok) { queue.shift(); pump(); if (stopping && !queue.length) finish(); return; }
        halt((res.body.error && res.body.error.message) || "Lỗi", "error");
      }).catch(function () {
        sending = false;
        say(t("network"), "warn");
        setTimeout(pump, RETRY_MS);
      });
    }

    function poll() {
      if (liveId === null) return;
      fetch(base + "/" + liveId + "/status", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.on_air) say(t("onair"), "onair");
          else if (s.status === "ended" || s.status === "refused") halt(t("ended") + (s.end_reason ? " " + s.end_reason : ""), "");
        }).catch(function () {});
    }

    function release() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
      if (poller) clearInterval(poller);
      recorder = null; stream = null; poller = null;
      startBtn.hidden = false; stopBtn.hidden = true; startBtn.disabled = false;
    }

    function halt(text, cls) { release(); queue = []; liveId = null; say(text, cls); }

    function finish() {
      var id = liveId;
      post(base + "/" + id + "/stop", null).then(function (res) {
        halt(res.ok ? t("ended") : ((res.body.error && res.body.error.message) || "Lỗi"), res.ok ? "" : "error");
      }).catch(function () { halt(t("network"), "warn"); });
    }

    startBtn.addEventListener("click", function () {
      var picked = Array.prototype.map.call(box.querySelectorAll("input[name=stations]:checked"), function (c) { return c.value; });
      if (!picked.length) { say(t("choose"), "error"); return; }
      if (!window.MediaRecorder || !navigator.mediaDevices) { say(t("unsupported"), "error"); return; }
      if (!window.confirm(t("confirm").replace("{stations}", picked.join(", ")))) return;
      startBtn.disabled = true;
      navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } }).then(function (s) {
        stream = s;
        var form = new FormData();
        picked.forEach(function (code) { form.append("stations", code); });
        Array.prototype.forEach.call(box.querySelectorAll("input[name=clusters]:checked"), function (c) {
          form.append("clusters", c.value);
        });
        return post(box.getAttribute("data-start"), form).then(function (res) {
          if (!res.ok) { halt((res.body.error && res.body.error.message) || "Lỗi", "error"); return; }
          liveId = res.body.id; stopping = false; queue = [];
          var type = pickType();
          recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
          recorder.ondataavailable = function (e) { if (e.data && e.data.size) { queue.push(e.data); pump(); } };
          recorder.start(SLICE_MS);
          startBtn.hidden = true; stopBtn.hidden = false;
          say(t("waiting"), "warn");
          poller = setInterval(poll, POLL_MS);
        });
      }).catch(function () { halt(t("mic"), "error"); });
    });

    stopBtn.addEventListener("click", function () {
      if (liveId === null) return;
      stopping = true;
      stopBtn.disabled = true;
      if (recorder && recorder.state !== "inactive") {
        recorder.onstop = function () { stopBtn.disabled = false; if (!queue.length && !sending) finish(); };
        recorder.stop();
      } else if (!queue.length && !sending) finish();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
