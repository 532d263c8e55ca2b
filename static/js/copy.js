// Copy buttons: <button data-copy="ID" data-copied="Copied"> copies the value
// of the input #ID to the clipboard. Without JavaScript the buttons stay
// hidden (see .copy in app.css) and the value stays selectable. One listener
// on the document serves buttons htmx swaps in later.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function select(input) {
    input.focus();
    input.select();
  }

  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null;
    if (!button) return;
    var input = document.getElementById(button.getAttribute('data-copy'));
    if (!input) return;
    // "Copied" for two seconds, in the text and in the accessible name.
    var done = function () {
      if (!button.hasAttribute('data-label')) {
        button.setAttribute('data-label', button.textContent);
        button.setAttribute('data-aria-label', button.getAttribute('aria-label') || '');
      }
      var copied = button.getAttribute('data-copied') || button.getAttribute('data-label');
      button.textContent = copied;
      button.setAttribute('aria-label', copied);
      button.classList.add('copied');
      window.clearTimeout(Number(button.getAttribute('data-timer')));
      var timer = window.setTimeout(function () {
        button.textContent = button.getAttribute('data-label');
        button.setAttribute('aria-label', button.getAttribute('data-aria-label'));
        button.classList.remove('copied');
      }, 2000);
      button.setAttribute('data-timer', String(timer));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        select(input); // no permission: leave it selected for Ctrl+C
      });
    } else {
      select(input);
      try {
        if (document.execCommand('copy')) done();
      } catch (e) {
        // left selected for Ctrl+C
      }
    }
  });

  // A value shown once is selected when it appears, ready to copy.
  document.addEventListener('focusin', function (event) {
    var t = event.target;
    if (t instanceof HTMLInputElement && t.readOnly && t.closest('.copy-row')) t.select();
  });
})();
