// Programme page: timeline widths from data attributes (CSP: no inline style), confirmations,
// and drag-and-drop reordering that posts the same form as the ↑ ↓ buttons (with a position).
(function () {
  document.querySelectorAll('.timeline .seg[data-pct]').forEach(function (seg) {
    seg.style.width = seg.getAttribute('data-pct') + '%';
  });
  document.querySelectorAll('form.js-confirm').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.confirm(form.getAttribute('data-confirm') || 'OK?')) { ev.preventDefault(); }
    });
  });
  document.querySelectorAll('table.js-draggable').forEach(function (table) {
    var dragged = null;
    table.querySelectorAll('tr[draggable="true"]').forEach(function (row) {
      row.addEventListener('dragstart', function (ev) {
        dragged = row; row.classList.add('dragging');
        ev.dataTransfer.effectAllowed = 'move';
        ev.dataTransfer.setData('text/plain', row.getAttribute('data-position'));
      });
      row.addEventListener('dragend', function () { row.classList.remove('dragging'); });
      row.addEventListener('dragover', function (ev) { if (dragged && dragged !== row) { ev.preventDefault(); row.classList.add('drop-target'); } });
      row.addEventListener('dragleave', function () { row.classList.remove('drop-target'); });
      row.addEventListener('drop', function (ev) {
        ev.preventDefault(); row.classList.remove('drop-target');
        if (!dragged || dragged === row) { return; }
        var form = document.createElement('form');
        form.method = 'post';
        form.action = dragged.getAttribute('data-move');
        [['csrf_token', table.getAttribute('data-csrf')], ['position', row.getAttribute('data-position')]].forEach(function (kv) {
          var input = document.createElement('input');
          input.type = 'hidden'; input.name = kv[0]; input.value = kv[1];
          form.appendChild(input);
        });
        document.body.appendChild(form);
        form.submit();
      });
    });
  });
})();
