// Pronunciation lexicon page: "try it" box (spoken form and a short espeak reading) and delete confirmations.
// The entry being typed in the form (term, spoken) is sent along so the operator hears it before saving.
(function () {
  var box = document.getElementById('try');
  if (box) {
    var text = document.getElementById('try-text');
    var result = document.getElementById('try-result');
    var error = document.getElementById('try-error');
    var audio = document.getElementById('try-audio');
    var lastUrl = null;

    function params() {
      var p = new URLSearchParams();
      p.set('text', text.value);
      var term = document.getElementById('term');
      var spoken = document.getElementById('spoken');
      if (term && spoken && term.value.trim() && spoken.value.trim()) {
        p.set('term', term.value);
        p.set('spoken', spoken.value);
      }
      return p.toString();
    }

    function showError(message) {
      error.textContent = message;
      error.hidden = false;
    }

    function clear() {
      error.hidden = true;
      error.textContent = '';
    }

    function failure(response) {
      return response.json().then(function (body) {
        showError((body && body.error && body.error.message) || response.statusText);
      }, function () { showError(response.statusText || 'Lỗi'); });
    }

    document.getElementById('try-normalize').addEventListener('click', function () {
      clear();
      fetch(box.getAttribute('data-normalize-url') + '?' + params(), {credentials: 'same-origin'})
        .then(function (response) {
          if (!response.ok) { return failure(response); }
          return response.json().then(function (body) {
            result.textContent = body.spoken;
            var notes = (body.problems || []).concat((body.warnings || []).map(function (w) { return w.message; }));
            if (notes.length) { showError(notes.join(' · ')); }
          });
        })
        .catch(function () { showError('Không kết nối được máy chủ.'); });
    });

    var speak = document.getElementById('try-speak');
    if (speak) {
      speak.addEventListener('click', function () {
        clear();
        speak.disabled = true;
        fetch(box.getAttribute('data-speak-url') + '?' + params(), {credentials: 'same-origin'})
          .then(function (response) {
            if (!response.ok) { return failure(response); }
            return response.blob().then(function (blob) {
              if (lastUrl) { URL.revokeObjectURL(lastUrl); }
              lastUrl = URL.createObjectURL(blob);
              audio.src = lastUrl;
              audio.hidden = false;
              audio.play().catch(function () { /* autoplay refused: the controls are visible */ });
            });
          })
          .catch(function () { showError('Không kết nối được máy chủ.'); })
          .then(function () { speak.disabled = false; });
      });
    }
  }

  document.querySelectorAll('form.js-confirm').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm') || 'OK?')) { ev.preventDefault(); }
    });
  });
})();
