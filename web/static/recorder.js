// In-browser microphone recording (MediaRecorder) for a bulletin's reading.
// The recording is posted to the same endpoint as a file upload, so the server sniffs it with ffprobe.
(function () {
  "use strict";

  function init() {
    var box = document.getElementById("recorder");
    if (!box || !window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    box.hidden = false;
    var start = box.querySelector(".rec-start"), stop = box.querySelector(".rec-stop");
    var save = box.querySelector(".rec-save"), status = box.querySelector(".rec-status");
    var preview = box.querySelector(".rec-preview");
    var recorder = null, chunks = [], blob = null, stream = null;

    function pickType() {
      var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
      for (var i = 0; i < types.length; i++) {
        if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
      }
      return "";
    }

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        var type = pickType();
        recorder = type ? new MediaRecorder(s, { mimeType: type }) : new MediaRecorder(s);
        chunks = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
        recorder.onstop = function () {
          blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
          preview.src = URL.createObjectURL(blob);
          preview.hidden = false;
          save.hidden = false;
          status.textContent = "";
          stream.getTracks().forEach(function (t) { t.stop(); });
        };
        recorder.start();
        start.hidden = true;
        stop.hidden = false;
        save.hidden = true;
        status.textContent = box.getAttribute("data-recording");
      }).catch(function () {
        status.textContent = box.getAttribute("data-denied");
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      stop.hidden = true;
      start.hidden = false;
    });

    save.addEventListener("click", function () {
      if (!blob) return;
      var ext = (blob.type.indexOf("ogg") >= 0) ? "ogg" : (blob.type.indexOf("mp4") >= 0) ? "m4a" : "webm";
      var form = new FormData();
      form.append("file", blob, "ghi-am." + ext);
      form.append("csrf_token", box.getAttribute("data-csrf"));
      save.disabled = true;
      status.textContent = box.getAttribute("data-saving");
      fetch(box.getAttribute("data-url"), {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": box.getAttribute("data-csrf") }
      }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          save.disabled = false;
          if (res.ok) { window.location.href = res.body.redirect; }
          else { status.textContent = (res.body.error && res.body.error.message) || "Lỗi"; }
        }).catch(function () { save.disabled = false; status.textContent = "Lỗi mạng"; });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
