// Programme page: timeline widths from data attributes (CSP: no inline style) and confirmations.
(function () {
  document.querySelectorAll('.timeline .seg[data-pct]').forEach(function (seg) {
    seg.style.width = seg.getAttribute('data-pct') + '%';
  });
  document.querySelectorAll('form.js-confirm').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm') || 'OK?')) { ev.preventDefault(); }
    });
  });
})();
