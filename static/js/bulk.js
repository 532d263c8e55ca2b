// The bulk bar's helpers (templates/bulk.templ). The row checkboxes belong
// to the bulk form through their form attribute; this file only adds what
// needs a script: the header checkbox that ticks the whole page (hidden
// without JavaScript, where "All members on this page" does it), choosing
// "The members ticked" when a box is ticked, the live "N selected", and
// showing the idle bar only while members are ticked (without JavaScript
// it always shows).
// One listener on the document serves the rows and bars htmx swaps in.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  var ROW = 'input[type="checkbox"][name="id"][form="bulk-form"]';

  function sync() {
    var boxes = document.querySelectorAll(ROW);
    var n = 0;
    boxes.forEach(function (b) {
      if (b.checked) n++;
    });
    var all = document.querySelector('input[data-bulk-all]');
    if (all) {
      all.checked = boxes.length > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    // An idle bar shows once a member is ticked (app.css).
    var bar = document.getElementById('bulk');
    if (bar) bar.classList.toggle('has-selection', n > 0);
    var count = document.querySelector('[data-bulk-count]');
    if (count) {
      var text = n === 0 ? '' : count.getAttribute(n === 1 ? 'data-one' : 'data-other') || '';
      count.textContent = text.replace('#', String(n));
    }
  }

  document.addEventListener('change', function (event) {
    var t = event.target;
    if (!(t instanceof HTMLInputElement)) return;
    if (t.matches('input[data-bulk-all]')) {
      document.querySelectorAll(ROW).forEach(function (b) {
        b.checked = t.checked;
      });
    } else if (!t.matches(ROW)) {
      return;
    }
    var selected = document.querySelector('#bulk-form input[name="scope"][value="selected"]');
    if (selected) selected.checked = true;
    sync();
  });

  // A swapped table or bar: the page checkbox and the count follow; so do
  // boxes the browser restored on Back.
  document.addEventListener('htmx:after:swap', sync);
  document.addEventListener('DOMContentLoaded', sync);
  window.addEventListener('pageshow', sync);
})();
