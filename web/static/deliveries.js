// The province's delivery board (/bulletins/<id>/deliveries): poll its JSON and update each station's
// state, reason, airing times and the totals. Static file because the CSP forbids inline script;
// translated state names come from the board's data-t-* attributes.
(function () {
  'use strict';
  var POLL_MS = 15000;

  function when(iso) {
    return iso ? iso.slice(0, 16).replace('T', ' ') : '–';
  }

  function setup(box) {
    var url = box.getAttribute('data-board-url');
    var t = function (key) { return box.getAttribute('data-t-' + key) || key; };
    var headline = box.querySelector('[data-board="headline"]');
    var counts = box.querySelector('[data-board="counts"]');

    function render(data) {
      if (headline) {
        headline.textContent = headline.textContent.replace(/\d+\/\d+/, data.totals.aired + '/' + data.totals.stations);
      }
      if (counts) {
        var parts = [];
        Object.keys(data.totals.by_state).forEach(function (k) {
          if (data.totals.by_state[k]) { parts.push(t(k) + ': ' + data.totals.by_state[k]); }
        });
        counts.textContent = parts.join(' · ');
      }
      data.wards.forEach(function (w) {
        w.stations.forEach(function (r) {
          var row = box.querySelector('tr[data-delivery="' + r.delivery_id + '"]');
          if (!row) { return; }
          var badge = row.querySelector('[data-cell="state"] .badge');
          if (badge) { badge.textContent = t(r.state); badge.className = 'badge state-' + r.state; }
          row.querySelector('[data-cell="reason"]').textContent = r.reason || '';
          row.querySelector('[data-cell="first"]').textContent = when(r.first_aired_at);
          row.querySelector('[data-cell="last"]').textContent = when(r.last_aired_at);
          row.querySelector('[data-cell="airings"]').textContent = r.airings;
        });
      });
    }

    function poll() {
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { render(data); } })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('delivery-board');
    if (box) { setup(box); }
  });
}());
