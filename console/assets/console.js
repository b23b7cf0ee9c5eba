/* global document, window, fetch */
// The console's only script: refresh the live overview, and confirm an action before it is sent.
(function () {
  'use strict';
  var overview = document.getElementById('overview');
  var every = overview ? Number(overview.getAttribute('data-refresh-ms')) || 5000 : 0;
  function refresh() {
    fetch('/fragment/overview', { headers: { accept: 'text/html' } })
      .then(function (res) {
        return res.ok ? res.text() : null;
      })
      .then(function (html) {
        if (html !== null) overview.innerHTML = html;
      })
      .catch(function () {})
      .then(function () {
        setTimeout(refresh, every);
      });
  }
  if (overview) setTimeout(refresh, every);

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute('data-confirm');
    if (!question) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    form.elements.confirm.value = 'yes';
  });
})();
