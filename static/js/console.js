// The console's keyboard, focus and progress, around htmx 4's own attributes
// (hx-disable, hx-indicator's htmx-request class, autofocus in answers):
//
// - Progress: while an htmx request is in flight its target carries
//   aria-busy="true" (app.css dims it and shows a bar after a moment), and
//   the button or link that fired it is disabled unless hx-disable already
//   said what to disable. Text fields and dropdowns stay usable.
// - Focus: an answer names what takes the focus with autofocus (htmx focuses
//   it). Otherwise, if the focus was lost with the replaced content, it goes
//   to the element named by data-return-focus on the control (or its form)
//   that fired the request, else to the answer's message, else to the target.
// - Live region: the text of every [data-announce] or [role=status] element
//   an answer brings is read out in #live (role=status, polite), unless that
//   element itself took the focus (it is read then).
// - Seat dropdowns (select[data-initial]): their form shows its Apply button
//   (class "changed") only once another value is chosen; Escape puts the
//   dropdown back.
// - Row menus (details.row-menu): one open at a time; Escape, a click or the
//   focus elsewhere closes them. Escape inside a panel, an editor or a review
//   presses its [data-cancel] control.
//
// Loaded without defer in <head>: it only listens on the document.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  var seen = new WeakSet(); // messages already read out (or there at page load)
  var MESSAGES = '[data-announce], [role="status"]:not(#live)';

  function markSeen(root) {
    (root || document).querySelectorAll(MESSAGES).forEach(function (el) { seen.add(el); });
  }
  document.addEventListener('DOMContentLoaded', function () { markSeen(document); syncSeatForms(document); });
  window.addEventListener('pageshow', function () { syncSeatForms(document); });

  // --- the live region ---------------------------------------------------
  var liveTimer = 0;
  function announce(text) {
    var live = document.getElementById('live');
    if (!live || !text) return;
    window.clearTimeout(liveTimer);
    live.textContent = '';
    // A fresh text node a moment later: screen readers read it even when it
    // repeats the previous message.
    liveTimer = window.setTimeout(function () { live.textContent = text; }, 60);
  }

  function announceNew() {
    var texts = [];
    var active = document.activeElement;
    document.querySelectorAll(MESSAGES).forEach(function (el) {
      if (seen.has(el)) return;
      seen.add(el);
      if (el.closest('[hidden]')) return;
      if (active && el.contains(active)) return; // focused: read out already
      var text = (el.textContent || '').replace(/\s+/g, ' ').trim();
      if (text) texts.push(text);
    });
    if (texts.length) announce(texts.join(' '));
  }

  // --- progress ----------------------------------------------------------
  function targetOf(ctx) {
    var t = ctx && ctx.target;
    if (typeof t === 'string') t = document.querySelector(t);
    return t instanceof Element ? t : null;
  }

  document.addEventListener('htmx:before:request', function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx) return;
    var target = targetOf(ctx);
    if (target) {
      target.setAttribute('aria-busy', 'true');
      ctx.seatdeskTarget = target;
    }
    var source = ctx.sourceElement;
    if (!(source instanceof Element)) return;
    ctx.seatdeskSource = source;
    ctx.seatdeskTargetId = target && target.id;
    if (source.hasAttribute('hx-disable')) return; // htmx disables what it names
    var control = source;
    if (source instanceof HTMLFormElement) control = ctx.request && ctx.request.submitter;
    if (control instanceof HTMLButtonElement && !control.disabled) {
      control.disabled = true;
      ctx.seatdeskDisabled = control;
    } else if (control instanceof HTMLAnchorElement) {
      control.setAttribute('aria-disabled', 'true');
      ctx.seatdeskDisabled = control;
    }
  });

  document.addEventListener('htmx:finally:request', function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx) return;
    if (ctx.seatdeskTarget) ctx.seatdeskTarget.removeAttribute('aria-busy');
    var d = ctx.seatdeskDisabled;
    if (d) {
      if (d instanceof HTMLButtonElement) d.disabled = false;
      else d.removeAttribute('aria-disabled');
    }
    if (ctx.hx && (ctx.hx.redirect || ctx.hx.refresh === 'true' || ctx.hx.location)) return;
    restoreFocus(ctx);
    announceNew();
    syncSeatForms(document);
  });

  // --- focus ---------------------------------------------------------------
  function focusable(el) {
    if (!el.matches('a[href], button, input, select, textarea, summary, [tabindex]')) el.setAttribute('tabindex', '-1');
    return el;
  }

  function focusLost() {
    var a = document.activeElement;
    return !a || a === document.body || a === document.documentElement || !a.isConnected;
  }

  function restoreFocus(ctx) {
    if (!focusLost()) return;
    var source = ctx.seatdeskSource;
    var back = '';
    if (source) {
      var holder = source.closest('[data-return-focus]');
      if (holder) back = holder.getAttribute('data-return-focus');
    }
    var el = back && document.getElementById(back);
    if (!el) {
      var target = ctx.seatdeskTarget && ctx.seatdeskTarget.isConnected ? ctx.seatdeskTarget
        : ctx.seatdeskTargetId ? document.getElementById(ctx.seatdeskTargetId) : null;
      if (target) el = target.querySelector(MESSAGES + ', .alert') || target;
    }
    if (el) focusable(el).focus();
  }

  // --- seat dropdowns: Apply only once changed -----------------------------
  function syncSeatForm(select) {
    var form = select.form;
    if (!form) return;
    form.classList.toggle('changed', select.value !== select.getAttribute('data-initial'));
  }
  function syncSeatForms(root) {
    root.querySelectorAll('select[data-initial]').forEach(syncSeatForm);
  }
  function onSelect(event) {
    var t = event.target;
    if (t instanceof HTMLSelectElement && t.hasAttribute('data-initial')) syncSeatForm(t);
  }
  document.addEventListener('change', onSelect);
  document.addEventListener('input', onSelect);

  // --- row menus -----------------------------------------------------------
  function openMenus() {
    return document.querySelectorAll('details.row-menu[open]');
  }
  function closeMenu(menu, focusButton) {
    menu.removeAttribute('open');
    if (focusButton) {
      var summary = menu.querySelector('summary');
      if (summary) summary.focus();
    }
  }
  // toggle does not bubble: listen while capturing.
  document.addEventListener('toggle', function (event) {
    var menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.classList.contains('row-menu') || !menu.open) return;
    openMenus().forEach(function (other) { if (other !== menu) closeMenu(other, false); });
  }, true);
  document.addEventListener('click', function (event) {
    openMenus().forEach(function (menu) { if (!menu.contains(event.target)) closeMenu(menu, false); });
  });
  document.addEventListener('focusout', function (event) {
    var next = event.relatedTarget;
    if (!(next instanceof Element)) return;
    openMenus().forEach(function (menu) {
      if (menu.contains(event.target) && !menu.contains(next)) closeMenu(menu, false);
    });
  });

  // --- Escape ----------------------------------------------------------------
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    var t = event.target instanceof Element ? event.target : null;
    if (!t) return;
    var menu = t.closest('details.row-menu[open]');
    if (menu) {
      event.preventDefault();
      closeMenu(menu, true);
      return;
    }
    if (t instanceof HTMLSelectElement && t.hasAttribute('data-initial') && t.value !== t.getAttribute('data-initial')) {
      event.preventDefault();
      t.value = t.getAttribute('data-initial');
      syncSeatForm(t);
      return;
    }
    var box = t.closest('.row-panel, .editor, .review, [data-escape]');
    var cancel = box && box.querySelector('[data-cancel]');
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });
})();
