// Piste dashboard niceties. Everything works without this file: it only adds copy buttons and confirmations.
(function () {
  'use strict';
  // Copy buttons are rendered hidden; show them only where the clipboard API exists.
  if (navigator.clipboard) {
    document.querySelectorAll('button[data-copy]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        var source = document.getElementById(button.getAttribute('data-copy'));
        if (!source) return;
        navigator.clipboard.writeText(source.textContent || '').then(function () {
          button.textContent = 'Copied';
          setTimeout(function () { button.textContent = 'Copy'; }, 1500);
        });
      });
    });
  }
  // A second, explicit confirmation for destructive forms (erase, delete, revoke).
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm') || 'Are you sure?')) event.preventDefault();
    });
  });
})();
