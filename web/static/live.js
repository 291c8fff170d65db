// Live operator views (the playout page and the dashboard's "Đang phát" panel): poll the JSON
// status every few seconds and update what airs, elapsed time and what comes next. Static file
// because the CSP forbids inline script. Translated words come from data-t-* attributes.
(function () {
  'use strict';
  var POLL_MS = 5000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setup(box) {
    var url = box.getAttribute('data-live-url');
    var t = function (key) { return box.getAttribute('data-t-' + key) || ''; };
    var state = {};   // station code -> {elapsed, planned, at}
    var timer = null;

    function elapsedText(code) {
      var s = state[code];
      if (!s) { return ''; }
      var now = Math.floor(s.elapsed + (Date.now() - s.at) / 1000);
      return now + ' / ' + s.planned + ' ' + t('seconds');
    }

    function renderStation(row, s) {
      var item = row.querySelector('[data-live="item"]');
      if (item) {
        item.textContent = '';
        if (s.item) {
          item.appendChild(document.createTextNode('📢 ' + s.item.title));
          if (s.run && item.hasAttribute('data-with-session')) {
            item.appendChild(document.createTextNode(' '));
            item.appendChild(el('span', 'muted', '(' + (s.run.session_code || t('emergency')) + ')'));
          }
        } else {
          item.appendChild(el('span', 'muted', s.live ? t('idle') : t('export')));
        }
        if (s.last_error) {
          item.appendChild(el('br'));
          item.appendChild(el('span', 'badge badge-warn', '⚠ ' + s.last_error.message));
        }
      }
      if (s.item) {
        state[s.code] = {elapsed: s.item.elapsed_s, planned: s.item.planned_s, at: Date.now()};
      } else {
        delete state[s.code];
      }
      var elapsed = row.querySelector('[data-live="elapsed"]');
      if (elapsed) { elapsed.textContent = s.item ? elapsedText(s.code) : ''; }
      var next = row.querySelector('[data-live="next"]');
      if (next) { next.textContent = s.next ? t('next') + s.next : ''; }
      row.querySelectorAll('[data-live="control"]').forEach(function (button) { button.disabled = !s.run; });
    }

    function render(data) {
      var warning = document.querySelector('[data-live="scheduler-warning"]');
      if (warning) { warning.hidden = !!data.scheduler_running; }
      (data.stations || []).forEach(function (s) {
        var row = box.querySelector('[data-station="' + (window.CSS && CSS.escape ? CSS.escape(s.code) : s.code) + '"]');
        if (row) { renderStation(row, s); }
      });
      box.classList.remove('live-stale');
      box.setAttribute('data-live-updated', data.now || '');
    }

    function poll() {
      if (document.hidden) { return; }
      fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}, cache: 'no-store'})
        .then(function (r) {
          if (r.status === 401 || r.status === 403 || r.redirected) { stop(); throw new Error('auth'); }
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.json();
        })
        .then(render)
        .catch(function () { box.classList.add('live-stale'); });
    }

    function tick() {   // between polls the elapsed seconds count on by themselves
      Object.keys(state).forEach(function (code) {
        var row = box.querySelector('[data-station="' + code + '"] [data-live="elapsed"]');
        if (row) { row.textContent = elapsedText(code); }
      });
    }

    function stop() { if (timer) { clearInterval(timer); timer = null; } }

    box.querySelectorAll('[data-station]').forEach(function (row) {
      var e = row.getAttribute('data-elapsed');
      if (e !== null && e !== '') {
        state[row.getAttribute('data-station')] = {elapsed: +e, planned: +row.getAttribute('data-planned'), at: Date.now()};
      }
    });
    timer = setInterval(poll, POLL_MS);
    setInterval(tick, 1000);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) { poll(); } });
  }

  document.querySelectorAll('[data-live-url]').forEach(setup);
}());
