// Northwind Ledger demo site behaviour: white-paper download tracking and the History-API product tour.
(function () {
  'use strict';
  var piste = function () { if (window.piste) window.piste.apply(null, arguments); };

  // "Download the white paper": a custom event with the document's name. The download itself proceeds normally.
  document.querySelectorAll('a[data-download]').forEach(function (link) {
    link.addEventListener('click', function () {
      piste('track', 'document_download', { document: link.getAttribute('data-download') });
    });
  });

  // Product tour: tabs switch panels and push /tour/<step>; Piste sees the pushState as a pageview.
  var tour = document.querySelector('[data-tour]');
  if (!tour) return;
  var tabs = tour.querySelectorAll('a[data-step]');
  var panels = tour.querySelectorAll('[data-panel]');

  function stepFromPath() {
    var match = /^\/tour\/([a-z-]+)/.exec(location.pathname);
    return match && tour.querySelector('[data-panel="' + match[1] + '"]') ? match[1] : 'cards';
  }

  function show(step) {
    panels.forEach(function (panel) { panel.hidden = panel.getAttribute('data-panel') !== step; });
    tabs.forEach(function (tab) {
      if (tab.getAttribute('data-step') === step) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    });
    var panel = tour.querySelector('[data-panel="' + step + '"]');
    document.title = (panel ? panel.getAttribute('data-title') + ' · ' : '') + 'Product tour — Northwind Ledger';
  }

  tabs.forEach(function (tab) {
    tab.addEventListener('click', function (event) {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      var step = tab.getAttribute('data-step');
      if (location.pathname !== '/tour/' + step) history.pushState({ step: step }, '', '/tour/' + step);
      show(step);
    });
  });
  window.addEventListener('popstate', function () { show(stepFromPath()); });
  show(stepFromPath());
})();
